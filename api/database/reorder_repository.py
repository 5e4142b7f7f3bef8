"""Reorder policies in the database, and the figures they are judged by: stock positions
and units sold, per SKU at one location or over all of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.stock_repository import available, expired_holds
from api.database.tables import (
    alerts,
    locations,
    reorder_policies,
    reservation_lines,
    reservations,
    skus,
    stock_events,
    stock_levels,
)
from domain.reorder import ReorderPolicy, StockPosition
from domain.reservations import ReservationKind
from domain.stock import StockEventType

ORDERED_EVENTS = (StockEventType.COMMITTED, StockEventType.BACKORDER_FILLED)
"""Ledger events whose `committed` increase is units promised to an order placed from a hold
(its units committed, or its backordered units arriving). Channel sales are counted from
their lines instead (see units_sold)."""

Scope = tuple[int, int | None]
"""(SKU id, location id), the location None for every location."""


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    id: int
    sku_id: int
    location_id: int | None
    policy: ReorderPolicy

    @property
    def scope(self) -> Scope:
        return (self.sku_id, self.location_id)


_with_codes = (
    select(reorder_policies, skus.c.code.label("sku"), locations.c.code.label("location"))
    .join(skus, skus.c.id == reorder_policies.c.sku_id)
    .outerjoin(locations, locations.c.id == reorder_policies.c.location_id)
)


def _matches(location_id: int | None) -> Any:
    column = reorder_policies.c.location_id
    return column.is_(None) if location_id is None else column == location_id


async def save(
    conn: AsyncConnection,
    sku_id: int,
    location_id: int | None,
    policy: ReorderPolicy,
    now: datetime,
) -> StoredPolicy:
    """Creates or replaces the policy of the SKU at the location (or everywhere), locked."""
    values = {
        "reorder_point": policy.reorder_point,
        "lead_time_days": policy.lead_time_days,
        "safety_stock": policy.safety_stock,
        "updated_at": now,
    }
    changed = await conn.execute(
        update(reorder_policies)
        .where(reorder_policies.c.sku_id == sku_id, _matches(location_id))
        .values(values)
    )
    if not changed.rowcount:
        await conn.execute(
            insert(reorder_policies).values(
                sku_id=sku_id, location_id=location_id, created_at=now, **values
            )
        )
    [stored] = await _load(
        conn,
        _with_codes.where(reorder_policies.c.sku_id == sku_id, _matches(location_id)),
    )
    return stored


async def remove(conn: AsyncConnection, sku_id: int, location_id: int | None) -> bool:
    removed = await conn.execute(
        delete(reorder_policies).where(reorder_policies.c.sku_id == sku_id, _matches(location_id))
    )
    return bool(removed.rowcount)


async def lock_for(conn: AsyncConnection, sku_codes: Iterable[str]) -> list[StoredPolicy]:
    """The policies of these SKUs, row-locked in id order (after the stock levels and listings
    a transaction locks), so the last transaction to judge a SKU sees all the others' stock."""
    codes = set(sku_codes)
    if not codes:
        return []
    return await _load(
        conn,
        _with_codes.where(skus.c.code.in_(codes))
        .order_by(reorder_policies.c.id)
        .with_for_update(of=reorder_policies),
    )


async def list_policies(
    conn: AsyncConnection, sku: str | None = None, location: str | None = None
) -> list[StoredPolicy]:
    """By SKU code, the policy for every location first."""
    query = _with_codes.order_by(skus.c.code, locations.c.code.is_not(None), locations.c.code)
    if sku is not None:
        query = query.where(skus.c.code == sku)
    if location is not None:
        query = query.where(
            (locations.c.code == location) | reorder_policies.c.location_id.is_(None)
        )
    return await _load(conn, query)


async def _load(conn: AsyncConnection, query: Any) -> list[StoredPolicy]:
    return [
        StoredPolicy(
            int(row.id),
            int(row.sku_id),
            int(row.location_id) if row.location_id is not None else None,
            ReorderPolicy(
                row.sku,
                row.location,
                int(row.reorder_point),
                int(row.lead_time_days),
                int(row.safety_stock),
            ),
        )
        for row in await conn.execute(query)
    ]


async def positions(
    conn: AsyncConnection, scopes: Iterable[Scope], now: datetime
) -> dict[Scope, StockPosition]:
    """Per scope, the stock as the world sees it (expired holds let go), summed over every
    location when the scope has none."""
    wanted = set(scopes)
    if not wanted:
        return {}
    expired = expired_holds(now)
    rows = await conn.execute(
        select(
            stock_levels.c.sku_id,
            stock_levels.c.location_id,
            (available + func.coalesce(expired.c.expired, 0)).label("available"),
            stock_levels.c.on_order,
            stock_levels.c.in_transit,
            (stock_levels.c.backordered - func.coalesce(expired.c.expired_backordered, 0)).label(
                "backordered"
            ),
        )
        .outerjoin(expired, expired.c.stock_level_id == stock_levels.c.id)
        .where(stock_levels.c.sku_id.in_({sku_id for sku_id, _ in wanted}))
    )
    totals: dict[Scope, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        figures = (row.available, row.on_order, row.in_transit, row.backordered)
        for scope in ((int(row.sku_id), None), (int(row.sku_id), int(row.location_id))):
            if scope in wanted:
                totals[scope] = [a + int(b) for a, b in zip(totals[scope], figures, strict=True)]
    return {scope: StockPosition(*totals[scope]) for scope in wanted}


async def units_sold(
    conn: AsyncConnection, scopes: Iterable[Scope], since: datetime
) -> dict[Scope, int]:
    """Units ordered since `since`, per scope, each counted once, on the day it was ordered:
    a hold's when it is committed (or, backordered, when its units arrive), a channel sale's
    when the sale is recorded, the units found in stock and the units oversold alike (a sale
    line's allocated units plus those still oversold; filling oversold units later moves
    them from one to the other, so it adds nothing)."""
    wanted = set(scopes)
    if not wanted:
        return {}
    sku_ids = {sku_id for sku_id, _ in wanted}
    sold: dict[Scope, int] = {scope: 0 for scope in wanted}
    for rows in (await _held_orders(conn, sku_ids, since), await _sales(conn, sku_ids, since)):
        for row in rows:
            for scope in ((int(row.sku_id), None), (int(row.sku_id), int(row.location_id))):
                if scope in sold:
                    sold[scope] += int(row.units)
    return sold


async def _held_orders(conn: AsyncConnection, sku_ids: set[int], since: datetime) -> Any:
    """Units of holds turned into orders: COMMITTED rows, and BACKORDER_FILLED rows that
    filled an order's backordered units (a hold's fill only reserves; an oversold sale's fill,
    which leaves backordered alone, was counted with the sale)."""
    promised = stock_events.c.after_committed - stock_events.c.before_committed
    arrived = stock_events.c.before_backordered - stock_events.c.after_backordered
    return await conn.execute(
        select(
            stock_events.c.sku_id,
            stock_events.c.location_id,
            func.sum(promised).label("units"),
        )
        .where(
            stock_events.c.sku_id.in_(sku_ids),
            stock_events.c.type.in_([t.value for t in ORDERED_EVENTS]),
            stock_events.c.created_at >= since,
            promised > 0,
            (stock_events.c.type != StockEventType.BACKORDER_FILLED.value) | (arrived > 0),
        )
        .group_by(stock_events.c.sku_id, stock_events.c.location_id)
    )


async def _sales(conn: AsyncConnection, sku_ids: set[int], since: datetime) -> Any:
    """Units of channel sales recorded since `since`: allocated plus oversold, per line."""
    return await conn.execute(
        select(
            reservation_lines.c.sku_id,
            reservation_lines.c.location_id,
            func.sum(reservation_lines.c.quantity + reservation_lines.c.oversold).label("units"),
        )
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .where(
            reservation_lines.c.sku_id.in_(sku_ids),
            reservations.c.kind == ReservationKind.SALE.value,
            reservations.c.created_at >= since,
        )
        .group_by(reservation_lines.c.sku_id, reservation_lines.c.location_id)
    )


async def open_causes(conn: AsyncConnection, causes: Iterable[str]) -> set[str]:
    """Which of these alert causes have an open (or acknowledged) alert."""
    wanted = set(causes)
    if not wanted:
        return set()
    rows = await conn.execute(select(alerts.c.open_cause).where(alerts.c.open_cause.in_(wanted)))
    return {row.open_cause for row in rows}

"""Stock levels: created on first touch, changed only by conditional UPDATEs."""

from __future__ import annotations

import operator
from datetime import datetime
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.holds import due_for_expiry, holding_units
from api.database.rows import quantities_from, stock_level_from
from api.database.tables import locations, reservation_lines, reservations, skus, stock_levels
from domain.quantities import MAX_COUNTER, QUANTITY_NAMES, UNAVAILABLE_ON_HAND, Quantities
from domain.stock import StockLevel

_levels_with_codes = (
    select(
        stock_levels,
        skus.c.code.label("sku"),
        locations.c.code.label("location"),
    )
    .join(skus, skus.c.id == stock_levels.c.sku_id)
    .join(locations, locations.c.id == stock_levels.c.location_id)
)

available = reduce(
    operator.sub, (stock_levels.c[name] for name in UNAVAILABLE_ON_HAND), stock_levels.c.on_hand
)
"""A stock level's available units, as SQL (the CHECK `available_not_negative` is the same
formula, from the same list)."""


async def ensure_level(conn: AsyncConnection, sku_id: int, location_id: int, now: datetime) -> int:
    """The id of the stock level for the pair, created at zero the first time it is touched."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        insert(stock_levels)
        .values(sku_id=sku_id, location_id=location_id, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["sku_id", "location_id"])
    )
    found = await conn.execute(
        select(stock_levels.c.id).where(
            stock_levels.c.sku_id == sku_id, stock_levels.c.location_id == location_id
        )
    )
    return int(found.scalar_one())


async def apply_movement(
    conn: AsyncConnection,
    level_id: int,
    delta: Quantities,
    now: datetime,
    expected_on_hand: int | None = None,
) -> tuple[Quantities, int] | None:
    """Add `delta` to the level if the result keeps every invariant, no counter above
    MAX_COUNTER among them (and on hand is what the caller expects); returns the new
    counters and version, or None when refused."""
    conditions: list[ColumnElement[bool]] = [stock_levels.c.id == level_id]
    changes: dict[str, object] = {"version": stock_levels.c.version + 1, "updated_at": now}
    for name in QUANTITY_NAMES:
        amount = getattr(delta, name)
        if amount:
            column = stock_levels.c[name]
            changes[name] = column + amount
            if amount < 0:
                conditions.append(column + amount >= 0)
            else:
                conditions.append(column + amount <= MAX_COUNTER)
    if delta.available < 0:
        conditions.append(available + delta.available >= 0)
    if delta.backordered > 0:
        # Promises against incoming stock never exceed it (arrivals may later fall short).
        conditions.append(
            stock_levels.c.backordered + delta.backordered
            <= stock_levels.c.in_transit
            + stock_levels.c.on_order
            + delta.in_transit
            + delta.on_order
        )
    if expected_on_hand is not None:
        conditions.append(stock_levels.c.on_hand == expected_on_hand)
    result = await conn.execute(
        update(stock_levels)
        .where(and_(*conditions))
        .values(changes)
        .returning(*(stock_levels.c[name] for name in QUANTITY_NAMES), stock_levels.c.version)
    )
    row = result.first()
    if row is None:
        return None
    return quantities_from(row), int(row.version)


async def read_quantities(conn: AsyncConnection, level_id: int) -> Quantities:
    query = select(stock_levels).where(stock_levels.c.id == level_id)
    return quantities_from((await conn.execute(query)).one())


def expired_holds(now: datetime) -> Any:
    """Units still counted as reserved (`expired`) or backordered (`expired_backordered`) by
    holds whose window has passed, per level."""
    return (
        select(
            reservation_lines.c.stock_level_id,
            func.sum(reservation_lines.c.reserved).label("expired"),
            func.sum(reservation_lines.c.backordered).label("expired_backordered"),
        )
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .where(holding_units(), due_for_expiry(now))
        .group_by(reservation_lines.c.stock_level_id)
        .subquery()
    )


def _as_of(level: StockLevel, expired: int, expired_backordered: int) -> StockLevel:
    """The level as the world sees it: an expired hold is released at once, swept or not."""
    if not (expired or expired_backordered):
        return level
    quantities = level.quantities - Quantities(reserved=expired, backordered=expired_backordered)
    return StockLevel(level.sku, level.location, quantities, level.version, level.updated_at)


async def list_levels(
    conn: AsyncConnection,
    sku: str | None = None,
    location: str | None = None,
    now: datetime | None = None,
    sku_codes: list[str] | None = None,
) -> list[StockLevel]:
    """The levels as of `now` (expired holds let go); without `now`, the raw counters."""
    if now is not None:
        expired = expired_holds(now)
        query = _levels_with_codes.add_columns(
            func.coalesce(expired.c.expired, 0).label("expired"),
            func.coalesce(expired.c.expired_backordered, 0).label("expired_backordered"),
        ).outerjoin(expired, expired.c.stock_level_id == stock_levels.c.id)
    else:
        query = _levels_with_codes.add_columns(
            literal(0).label("expired"), literal(0).label("expired_backordered")
        )
    query = query.order_by(skus.c.code, locations.c.priority, locations.c.code)
    if sku is not None:
        query = query.where(skus.c.code == sku)
    if sku_codes is not None:
        query = query.where(skus.c.code.in_(sku_codes))
    if location is not None:
        query = query.where(locations.c.code == location)
    return [
        _as_of(stock_level_from(row), int(row.expired), int(row.expired_backordered))
        for row in await conn.execute(query)
    ]


async def totals_by_sku(
    conn: AsyncConnection, sku_codes: list[str], now: datetime
) -> dict[str, Quantities]:
    """Counters summed over every location, per SKU (a SKU with no stock sums to zero)."""
    totals: dict[str, Quantities] = {code: Quantities() for code in sku_codes}
    for level in await list_levels(conn, now=now, sku_codes=sku_codes):
        totals[level.sku] = totals[level.sku] + level.quantities
    return totals

"""Customer returns, their lines and inspections, and what their orders shipped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.rows import aware
from api.database.tables import (
    channels,
    customer_return_inspections,
    customer_return_lines,
    customer_returns,
    locations,
    reservation_lines,
    reservations,
    skus,
)
from domain.returns import (
    CustomerReturn,
    InspectedLine,
    Inspection,
    InspectionOutcome,
    InspectionReason,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)


@dataclass(frozen=True, slots=True)
class Order:
    """A channel's order, as its reservations name it."""

    channel_id: int
    channel: str
    order_ref: str


@dataclass(frozen=True, slots=True)
class StoredReturn:
    customer_return: CustomerReturn
    levels: dict[str, LevelRef]
    """The stock level each line's SKU came back to, by SKU."""
    line_ids: dict[str, int]


async def order_of_reservation(conn: AsyncConnection, reservation_id: str) -> Order | None:
    row = (
        await conn.execute(
            select(reservations.c.channel_id, channels.c.code, reservations.c.order_ref)
            .join(channels, channels.c.id == reservations.c.channel_id)
            .where(reservations.c.id == reservation_id)
        )
    ).first()
    return Order(int(row.channel_id), row.code, row.order_ref) if row else None


async def lock_order(conn: AsyncConnection, order: Order) -> list[str]:
    """Row-locks the order's reservations (after the stock levels, the order every
    transaction follows), so two returns of one order are checked one after the other."""
    rows = await conn.execute(
        select(reservations.c.id)
        .where(
            reservations.c.channel_id == order.channel_id,
            reservations.c.order_ref == order.order_ref,
        )
        .order_by(reservations.c.id)
        .with_for_update()
    )
    return [row.id for row in rows]


async def fulfilled_by_sku(conn: AsyncConnection, order: Order) -> dict[str, int]:
    rows = await conn.execute(
        select(skus.c.code, func.sum(reservation_lines.c.fulfilled).label("units"))
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .join(skus, skus.c.id == reservation_lines.c.sku_id)
        .where(
            reservations.c.channel_id == order.channel_id,
            reservations.c.order_ref == order.order_ref,
        )
        .group_by(skus.c.code)
    )
    return {row.code: int(row.units) for row in rows}


async def returned_by_sku(conn: AsyncConnection, order: Order) -> dict[str, int]:
    rows = await conn.execute(
        select(skus.c.code, func.sum(customer_return_lines.c.quantity).label("units"))
        .join(customer_returns, customer_returns.c.id == customer_return_lines.c.return_id)
        .join(skus, skus.c.id == customer_return_lines.c.sku_id)
        .where(
            customer_returns.c.channel_id == order.channel_id,
            customer_returns.c.order_ref == order.order_ref,
        )
        .group_by(skus.c.code)
    )
    return {row.code: int(row.units) for row in rows}


async def insert_return(
    conn: AsyncConnection,
    customer_return: CustomerReturn,
    order: Order,
    location_id: int,
    levels: dict[str, LevelRef],
) -> None:
    await conn.execute(
        insert(customer_returns).values(
            id=customer_return.id,
            channel_id=order.channel_id,
            order_ref=order.order_ref,
            reservation_id=customer_return.reservation_id,
            location_id=location_id,
            status=customer_return.status.value,
            created_at=customer_return.created_at,
            updated_at=customer_return.updated_at,
        )
    )
    await conn.execute(
        insert(customer_return_lines),
        [
            {
                "return_id": customer_return.id,
                "line_number": line.line_number,
                "sku_id": levels[line.sku].sku_id,
                "stock_level_id": levels[line.sku].id,
                "quantity": line.quantity,
                "reason": line.reason.value,
                "restocked": 0,
                "damaged": 0,
                "written_off": 0,
            }
            for line in customer_return.lines
        ],
    )


_header = (
    select(
        customer_returns,
        channels.c.code.label("channel"),
        locations.c.code.label("location"),
    )
    .join(channels, channels.c.id == customer_returns.c.channel_id)
    .join(locations, locations.c.id == customer_returns.c.location_id)
)


async def find(
    conn: AsyncConnection, return_id: str, for_update: bool = False
) -> StoredReturn | None:
    query = _header.where(customer_returns.c.id == return_id)
    if for_update:
        query = query.with_for_update(of=customer_returns)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    lines = (
        await conn.execute(
            select(customer_return_lines, skus.c.code.label("sku"))
            .join(skus, skus.c.id == customer_return_lines.c.sku_id)
            .where(customer_return_lines.c.return_id == return_id)
            .order_by(customer_return_lines.c.line_number)
        )
    ).all()
    inspections = await _inspections(conn, [int(line.id) for line in lines])
    return StoredReturn(
        _return_from(row, lines, inspections),
        {
            line.sku: LevelRef(
                line.stock_level_id, line.sku_id, row.location_id, line.sku, row.location
            )
            for line in lines
        },
        {line.sku: int(line.id) for line in lines},
    )


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: ReturnStatus | None,
    channel: str | None,
    order_ref: str | None,
) -> tuple[list[str], bool]:
    """Return ids, newest first (ids sort by creation)."""
    query = _header
    if status is not None:
        query = query.where(customer_returns.c.status == status.value)
    if channel is not None:
        query = query.where(channels.c.code == channel)
    if order_ref is not None:
        query = query.where(customer_returns.c.order_ref == order_ref)
    return await newest_ids(conn, query, customer_returns.c.id, first, after)


async def save_inspection(
    conn: AsyncConnection,
    stored: StoredReturn,
    inspected: tuple[InspectedLine, ...],
    lines: tuple[ReturnLine, ...],
    status: ReturnStatus,
    now: datetime,
) -> None:
    for line in lines:
        await conn.execute(
            update(customer_return_lines)
            .where(customer_return_lines.c.id == stored.line_ids[line.sku])
            .values(restocked=line.restocked, damaged=line.damaged, written_off=line.written_off)
        )
    await conn.execute(
        insert(customer_return_inspections),
        [
            {
                "return_line_id": stored.line_ids[line.sku],
                "outcome": line.outcome.value,
                "quantity": line.quantity,
                "reason": line.reason.value,
                "created_at": now,
            }
            for line in inspected
        ],
    )
    await conn.execute(
        update(customer_returns)
        .where(customer_returns.c.id == stored.customer_return.id)
        .values(status=status.value, updated_at=now)
    )


async def _inspections(
    conn: AsyncConnection, line_ids: list[int]
) -> dict[int, tuple[Inspection, ...]]:
    if not line_ids:
        return {}
    rows = await conn.execute(
        select(customer_return_inspections)
        .where(customer_return_inspections.c.return_line_id.in_(line_ids))
        .order_by(customer_return_inspections.c.id)
    )
    found: dict[int, list[Inspection]] = defaultdict(list)
    for row in rows:
        found[int(row.return_line_id)].append(
            Inspection(
                InspectionOutcome(row.outcome),
                int(row.quantity),
                InspectionReason(row.reason),
                aware(row.created_at),
            )
        )
    return {line_id: tuple(items) for line_id, items in found.items()}


def _return_from(
    row: Any, lines: Sequence[Any], inspections: dict[int, tuple[Inspection, ...]]
) -> CustomerReturn:
    return CustomerReturn(
        id=row.id,
        channel=row.channel,
        order_ref=row.order_ref,
        location=row.location,
        status=ReturnStatus(row.status),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        reservation_id=row.reservation_id,
        lines=tuple(
            ReturnLine(
                line.line_number,
                line.sku,
                int(line.quantity),
                ReturnReason(line.reason),
                int(line.restocked),
                int(line.damaged),
                int(line.written_off),
                inspections.get(int(line.id), ()),
            )
            for line in lines
        ),
    )

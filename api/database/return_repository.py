"""Customer returns, their lines and inspections, and what their orders shipped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.documents import (
    Documents,
    Found,
    Row,
    at_location,
    levels_by_sku,
    line_ids_by_sku,
)
from api.database.movements import LevelRef
from api.database.tables import (
    channels,
    customer_return_inspections,
    customer_return_lines,
    customer_returns,
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


async def _assemble(conn: AsyncConnection, found: Found) -> list[StoredReturn]:
    inspections = await _inspections(conn, [int(line.id) for _, lines in found for line in lines])
    return [
        StoredReturn(
            _return_from(row, lines, inspections),
            levels_by_sku(lines, "stock_level_id", row.location_id, row.location),
            line_ids_by_sku(lines),
        )
        for row, lines in found
    ]


_returns = Documents(
    customer_returns,
    at_location(customer_returns)
    .add_columns(channels.c.code.label("channel"))
    .join(channels, channels.c.id == customer_returns.c.channel_id),
    customer_return_lines,
    "return_id",
    _assemble,
)
find = _returns.find
find_many = _returns.find_many


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
    await _returns.insert(
        conn,
        customer_return,
        {
            "channel_id": order.channel_id,
            "order_ref": order.order_ref,
            "reservation_id": customer_return.reservation_id,
            "location_id": location_id,
        },
        [
            {
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


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: ReturnStatus | None,
    channel: str | None,
    order_ref: str | None,
) -> tuple[list[str], bool]:
    """Return ids, newest first (ids sort by creation)."""
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(customer_returns.c.status == status.value)
    if channel is not None:
        conditions.append(channels.c.code == channel)
    if order_ref is not None:
        conditions.append(customer_returns.c.order_ref == order_ref)
    return await _returns.page(conn, first, after, *conditions)


async def save_inspection(
    conn: AsyncConnection,
    stored: StoredReturn,
    inspected: tuple[InspectedLine, ...],
    lines: tuple[ReturnLine, ...],
    status: ReturnStatus,
    now: datetime,
) -> None:
    await _returns.update_lines(
        conn,
        {
            stored.line_ids[line.sku]: {
                "restocked": line.restocked,
                "damaged": line.damaged,
                "written_off": line.written_off,
            }
            for line in lines
        },
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
    await _returns.set_status(conn, stored.customer_return.id, status, now)


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
                row.created_at,
            )
        )
    return {line_id: tuple(items) for line_id, items in found.items()}


def _return_from(
    row: Row, lines: list[Row], inspections: dict[int, tuple[Inspection, ...]]
) -> CustomerReturn:
    return CustomerReturn(
        id=row.id,
        channel=row.channel,
        order_ref=row.order_ref,
        location=row.location,
        status=ReturnStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
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

"""Purchase orders and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.rows import aware
from api.database.tables import locations, purchase_order_lines, purchase_orders, skus
from domain.purchase_orders import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus


@dataclass(frozen=True, slots=True)
class StoredOrder:
    order: PurchaseOrder
    levels: dict[str, LevelRef]
    """The stock level each line's SKU arrives on, by SKU."""
    line_ids: dict[str, int]


async def insert_order(
    conn: AsyncConnection, order: PurchaseOrder, location_id: int, levels: dict[str, LevelRef]
) -> None:
    await conn.execute(
        insert(purchase_orders).values(
            id=order.id,
            supplier=order.supplier,
            location_id=location_id,
            reference=order.reference,
            status=order.status.value,
            expected_at=order.expected_at,
            created_at=order.created_at,
            updated_at=order.updated_at,
        )
    )
    await conn.execute(
        insert(purchase_order_lines),
        [
            {
                "purchase_order_id": order.id,
                "line_number": line.line_number,
                "stock_level_id": levels[line.sku].id,
                "sku_id": levels[line.sku].sku_id,
                "ordered": line.ordered,
                "received": line.received,
                "damaged": line.damaged,
            }
            for line in order.lines
        ],
    )


_header = select(purchase_orders, locations.c.code.label("location")).join(
    locations, locations.c.id == purchase_orders.c.location_id
)


async def find(
    conn: AsyncConnection, purchase_order_id: str, for_update: bool = False
) -> StoredOrder | None:
    query = _header.where(purchase_orders.c.id == purchase_order_id)
    if for_update:
        query = query.with_for_update(of=purchase_orders)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    lines = (
        await conn.execute(
            select(purchase_order_lines, skus.c.code.label("sku"))
            .join(skus, skus.c.id == purchase_order_lines.c.sku_id)
            .where(purchase_order_lines.c.purchase_order_id == purchase_order_id)
            .order_by(purchase_order_lines.c.line_number)
        )
    ).all()
    return StoredOrder(
        _order_from(row, lines),
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
    status: PurchaseOrderStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Purchase order ids, newest first (ids sort by creation)."""
    query = _header
    if status is not None:
        query = query.where(purchase_orders.c.status == status.value)
    if location is not None:
        query = query.where(locations.c.code == location)
    return await newest_ids(conn, query, purchase_orders.c.id, first, after)


async def save_receipt(
    conn: AsyncConnection,
    stored: StoredOrder,
    lines: tuple[PurchaseOrderLine, ...],
    status: PurchaseOrderStatus,
    now: datetime,
) -> None:
    for line in lines:
        await conn.execute(
            update(purchase_order_lines)
            .where(purchase_order_lines.c.id == stored.line_ids[line.sku])
            .values(received=line.received, damaged=line.damaged)
        )
    await set_status(conn, stored.order.id, status, now)


async def set_status(
    conn: AsyncConnection, purchase_order_id: str, status: PurchaseOrderStatus, now: datetime
) -> None:
    await conn.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == purchase_order_id)
        .values(status=status.value, updated_at=now)
    )


def _order_from(row: Any, lines: Sequence[Any]) -> PurchaseOrder:
    return PurchaseOrder(
        id=row.id,
        supplier=row.supplier,
        location=row.location,
        status=PurchaseOrderStatus(row.status),
        expected_at=aware(row.expected_at),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        reference=row.reference,
        lines=tuple(
            PurchaseOrderLine(line.line_number, line.sku, line.ordered, line.received, line.damaged)
            for line in lines
        ),
    )

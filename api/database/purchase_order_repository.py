"""Purchase orders and their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.documents import (
    Documents,
    Row,
    at_location,
    at_location_filters,
    levels_by_sku,
    line_ids_by_sku,
    per_document,
)
from api.database.movements import LevelRef
from api.database.tables import purchase_order_lines, purchase_orders
from domain.purchase_orders import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus


@dataclass(frozen=True, slots=True)
class StoredOrder:
    order: PurchaseOrder
    levels: dict[str, LevelRef]
    """The stock level each line's SKU arrives on, by SKU."""
    line_ids: dict[str, int]


def _stored_from(row: Row, lines: list[Row]) -> StoredOrder:
    return StoredOrder(
        _order_from(row, lines),
        levels_by_sku(lines, "stock_level_id", row.location_id, row.location),
        line_ids_by_sku(lines),
    )


_orders = Documents(
    purchase_orders,
    at_location(purchase_orders),
    purchase_order_lines,
    "purchase_order_id",
    per_document(_stored_from),
)
find = _orders.find
find_many = _orders.find_many


async def insert_order(
    conn: AsyncConnection, order: PurchaseOrder, location_id: int, levels: dict[str, LevelRef]
) -> None:
    await _orders.insert(
        conn,
        order,
        {
            "supplier": order.supplier,
            "location_id": location_id,
            "reference": order.reference,
            "expected_at": order.expected_at,
        },
        [
            {
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


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: PurchaseOrderStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Purchase order ids, newest first (ids sort by creation)."""
    return await _orders.page(
        conn, first, after, *at_location_filters(purchase_orders, status, location)
    )


async def save_receipt(
    conn: AsyncConnection,
    stored: StoredOrder,
    lines: tuple[PurchaseOrderLine, ...],
    status: PurchaseOrderStatus,
    now: datetime,
) -> None:
    await _orders.update_lines(
        conn,
        {
            stored.line_ids[line.sku]: {"received": line.received, "damaged": line.damaged}
            for line in lines
        },
    )
    await set_status(conn, stored.order.id, status, now)


async def set_status(
    conn: AsyncConnection, purchase_order_id: str, status: PurchaseOrderStatus, now: datetime
) -> None:
    await _orders.set_status(conn, purchase_order_id, status, now)


def _order_from(row: Row, lines: list[Row]) -> PurchaseOrder:
    return PurchaseOrder(
        id=row.id,
        supplier=row.supplier,
        location=row.location,
        status=PurchaseOrderStatus(row.status),
        expected_at=row.expected_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reference=row.reference,
        lines=tuple(
            PurchaseOrderLine(line.line_number, line.sku, line.ordered, line.received, line.damaged)
            for line in lines
        ),
    )

"""Purchase orders: create (`onOrder` up), receive partially and several times (on hand up,
backorders filled), close (what is still outstanding leaves `onOrder`).

Like every stock transaction, each locks the stock levels it touches in id order first and
the purchase order row after them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import purchase_order_repository as repository
from api.database.movements import Movement
from api.handlers.documents import (
    document_memo,
    levels_at,
    load_document,
    lock_document_levels,
    units_arrived_at,
)
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import check_promises
from api.services.document_ids import sortable_id
from domain.errors import PurchaseOrderNotFound
from domain.purchase_orders import (
    ClosePurchaseOrder,
    CreatePurchaseOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReceivePurchaseOrder,
)
from domain.quantities import Quantities
from domain.stock import StockEventType, StockReason


def new_purchase_order_id(now: datetime) -> str:
    return sortable_id("po", now)


async def load(conn: AsyncConnection, purchase_order_id: str) -> PurchaseOrder | None:
    stored = await repository.find(conn, purchase_order_id)
    return stored.order if stored is not None else None


PURCHASE_ORDER = document_memo(load, PurchaseOrder)


async def create_purchase_order(uow: UnitOfWork, command: CreatePurchaseOrder) -> PurchaseOrder:
    conn, now = uow.conn, uow.now
    location_id, levels = await levels_at(
        uow,
        command.location,
        [(line.sku, ("lines", str(i), "sku")) for i, line in enumerate(command.lines)],
        "be ordered; order its components",
    )
    order = PurchaseOrder(
        id=new_purchase_order_id(now),
        supplier=command.supplier,
        location=command.location,
        status=PurchaseOrderStatus.OPEN,
        expected_at=command.expected_at,
        created_at=now,
        updated_at=now,
        reference=command.reference,
        lines=tuple(
            PurchaseOrderLine(index, line.sku, line.quantity)
            for index, line in enumerate(command.lines)
        ),
    )
    await repository.insert_order(conn, order, location_id, levels)
    await uow.move(
        Movement(
            levels[line.sku],
            Quantities(on_order=line.quantity),
            StockEventType.ORDERED,
            StockReason.PURCHASE_ORDER,
            order.id,
        )
        for line in command.lines
    )
    return await load_document(load, conn, order.id)


async def receive_purchase_order(uow: UnitOfWork, command: ReceivePurchaseOrder) -> PurchaseOrder:
    stored = await _locked_order(uow, command.purchase_order_id)
    order = stored.order
    lines = command.apply_to(order)
    await repository.save_receipt(
        uow.conn, stored, lines, order.status_after_receipt(lines), uow.now
    )
    await uow.move(
        Movement(
            stored.levels[line.sku],
            line.movement(),
            StockEventType.RECEIVED,
            StockReason.PURCHASE_ORDER,
            order.id,
        )
        for line in command.lines
    )
    await units_arrived_at(uow, [stored.levels[line.sku] for line in command.lines])
    return await load_document(load, uow.conn, order.id)


async def close_purchase_order(uow: UnitOfWork, command: ClosePurchaseOrder) -> PurchaseOrder:
    stored = await _locked_order(uow, command.purchase_order_id)
    order = stored.order
    order.require_open("close")
    await repository.set_status(uow.conn, order.id, PurchaseOrderStatus.CLOSED, uow.now)
    outstanding = [line for line in order.lines if line.outstanding > 0]
    await uow.move(
        Movement(
            stored.levels[line.sku],
            Quantities(on_order=-line.outstanding),
            StockEventType.ORDER_CLOSED,
            StockReason.PURCHASE_ORDER,
            order.id,
        )
        for line in outstanding
    )
    touched = [stored.levels[line.sku] for line in outstanding]
    uow.raised(*await check_promises(uow.conn, touched, uow.now))
    return await load_document(load, uow.conn, order.id)


async def _locked_order(uow: UnitOfWork, purchase_order_id: str) -> repository.StoredOrder:
    return await lock_document_levels(
        uow,
        repository.find,
        purchase_order_id,
        lambda stored: (level.id for level in stored.levels.values()),
        PurchaseOrderNotFound(purchase_order_id),
    )

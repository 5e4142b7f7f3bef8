"""Customer returns: receive against a fulfilled order (units arrive quarantined), inspect
(restock, damaged or written off)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import channel_repository
from api.database import return_repository as repository
from api.database.movements import Movement
from api.handlers.documents import (
    document_memo,
    levels_at,
    load_document,
    lock_document_levels,
    units_arrived_at,
)
from api.service_layer.unit_of_work import UnitOfWork
from api.services.document_ids import sortable_id
from domain.errors import InvalidValue, OrderNotFound, ReservationNotFound, ReturnNotFound
from domain.returns import (
    LEDGER_REASON,
    CustomerReturn,
    InspectionOutcome,
    InspectReturn,
    ReceiveReturn,
    ReturnLine,
    ReturnStatus,
)
from domain.stock import StockEventType, StockReason


def new_return_id(now: datetime) -> str:
    return sortable_id("rt", now)


async def load(conn: AsyncConnection, return_id: str) -> CustomerReturn | None:
    stored = await repository.find(conn, return_id)
    return stored.customer_return if stored is not None else None


CUSTOMER_RETURN = document_memo(load, CustomerReturn)


async def receive_return(uow: UnitOfWork, command: ReceiveReturn) -> CustomerReturn:
    """A partner key records returns of its own channel's orders only (FORBIDDEN else)."""
    conn, now = uow.conn, uow.now
    if command.channel is not None:
        uow.principal.require_channel(command.channel)
    order = await _order(conn, command)
    uow.principal.require_channel(order.channel)
    location_id, levels = await levels_at(
        uow,
        command.location,
        [(line.sku, ("lines", str(i), "sku")) for i, line in enumerate(command.lines)],
        "be returned; return its components",
    )
    if not await repository.lock_order(conn, order):
        raise OrderNotFound(order.channel, order.order_ref)
    command.check_returnable(
        await repository.fulfilled_by_sku(conn, order),
        await repository.returned_by_sku(conn, order),
    )
    customer_return = CustomerReturn(
        id=new_return_id(now),
        channel=order.channel,
        order_ref=order.order_ref,
        location=command.location,
        status=ReturnStatus.RECEIVED,
        created_at=now,
        updated_at=now,
        reservation_id=command.reservation_id,
        lines=tuple(
            ReturnLine(index, line.sku, line.quantity, line.reason)
            for index, line in enumerate(command.lines)
        ),
    )
    await repository.insert_return(conn, customer_return, order, location_id, levels)
    await uow.move(
        Movement(
            levels[line.sku],
            line.movement(),
            StockEventType.RETURNED,
            StockReason.RETURN,
            customer_return.id,
        )
        for line in command.lines
    )
    return await load_document(load, conn, customer_return.id)


async def inspect_return(uow: UnitOfWork, command: InspectReturn) -> CustomerReturn:
    stored = await lock_document_levels(
        uow,
        repository.find,
        command.return_id,
        lambda found: (level.id for level in found.levels.values()),
        ReturnNotFound(command.return_id),
    )
    customer_return = stored.customer_return
    lines = command.apply_to(customer_return)
    await repository.save_inspection(
        uow.conn,
        stored,
        command.lines,
        lines,
        customer_return.status_after_inspection(lines),
        uow.now,
    )
    await uow.move(
        Movement(
            stored.levels[line.sku],
            line.movement(),
            StockEventType.RETURN_INSPECTED,
            LEDGER_REASON[line.outcome],
            customer_return.id,
        )
        for line in command.lines
    )
    restocked = [
        stored.levels[line.sku]
        for line in command.lines
        if line.outcome is InspectionOutcome.RESTOCK
    ]
    await units_arrived_at(uow, restocked)
    return await load_document(load, uow.conn, customer_return.id)


async def _order(conn: AsyncConnection, command: ReceiveReturn) -> repository.Order:
    """The order the return names: by reservation id (agreeing with channel and orderRef if
    those are given too), else by channel and orderRef."""
    if command.reservation_id is not None:
        order = await repository.order_of_reservation(conn, command.reservation_id)
        if order is None:
            raise ReservationNotFound(command.reservation_id, ("reservationId",))
        if command.channel not in (None, order.channel) or command.order_ref not in (
            None,
            order.order_ref,
        ):
            raise InvalidValue(
                f"reservation {command.reservation_id} is order {order.order_ref!r} on channel "
                f"{order.channel!r}",
                ("orderRef",),
            )
        return order
    if command.channel is None or command.order_ref is None:
        raise InvalidValue("give reservationId, or channel and orderRef", ("orderRef",))
    record = await channel_repository.get_channel(conn, command.channel)
    return repository.Order(record.id, command.channel, command.order_ref)

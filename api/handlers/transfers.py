"""Transfers between locations: create (a draft), ship (available leaves the source, arrives
as `inTransit` at the destination), receive (partially, with damage), cancel a draft, close
short (what never arrived is written off)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import catalogue_repository as catalogue
from api.database import stock_repository
from api.database import transfer_repository as repository
from api.database.movements import LevelRef, Movement
from api.handlers.documents import (
    document_memo,
    load_document,
    lock_document_levels,
    units_arrived_at,
)
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import check_promises
from api.services.document_ids import sortable_id
from api.services.stocked_skus import stocked_sku_ids
from domain.errors import InsufficientStock, StockpoolError, TransferNotFound, refusal
from domain.stock import StockEventType, StockReason
from domain.transfers import (
    CancelTransfer,
    CloseTransfer,
    CreateTransfer,
    ReceiveTransfer,
    ShipTransfer,
    Transfer,
    TransferLine,
    TransferStatus,
    shipping_movements,
)


def new_transfer_id(now: datetime) -> str:
    return sortable_id("tr", now)


async def load(conn: AsyncConnection, transfer_id: str) -> Transfer | None:
    stored = await repository.find(conn, transfer_id)
    return stored.transfer if stored is not None else None


TRANSFER = document_memo(load, Transfer)


async def create_transfer(uow: UnitOfWork, command: CreateTransfer) -> Transfer:
    conn, now = uow.conn, uow.now
    from_id = await catalogue.location_id(conn, command.from_location, ("from",))
    to_id = await catalogue.location_id(conn, command.to_location, ("to",))
    known = await stocked_sku_ids(
        conn,
        [(line.sku, ("lines", str(i), "sku")) for i, line in enumerate(command.lines)],
        "be transferred; transfer its components",
    )
    sources: dict[str, LevelRef] = {}
    destinations: dict[str, LevelRef] = {}
    for line in command.lines:
        sku_id = known[line.sku]
        source = await stock_repository.ensure_level(conn, sku_id, from_id, now)
        destination = await stock_repository.ensure_level(conn, sku_id, to_id, now)
        sources[line.sku] = LevelRef(source, sku_id, from_id, line.sku, command.from_location)
        destinations[line.sku] = LevelRef(destination, sku_id, to_id, line.sku, command.to_location)
    transfer = Transfer(
        id=new_transfer_id(now),
        from_location=command.from_location,
        to_location=command.to_location,
        status=TransferStatus.DRAFT,
        expected_at=command.expected_at,
        created_at=now,
        updated_at=now,
        reference=command.reference,
        lines=tuple(
            TransferLine(index, line.sku, line.quantity) for index, line in enumerate(command.lines)
        ),
    )
    await repository.insert_transfer(conn, transfer, from_id, to_id, sources, destinations)
    return await load_document(load, conn, transfer.id)


async def ship_transfer(uow: UnitOfWork, command: ShipTransfer) -> Transfer:
    stored = await _locked(uow, command.transfer_id)
    transfer = stored.transfer
    transfer.require("ship", TransferStatus.DRAFT)
    await _check_available(uow.conn, stored)
    movements = []
    for line in transfer.lines:
        leaving, arriving = shipping_movements(line)
        for level, delta in (
            (stored.sources[line.sku], leaving),
            (stored.destinations[line.sku], arriving),
        ):
            movements.append(
                Movement(
                    level, delta, StockEventType.TRANSFER_SHIPPED, StockReason.TRANSFER, transfer.id
                )
            )
    # The conditional UPDATE is the guard: available at the source never goes below zero.
    await uow.move(movements)
    await repository.set_status(
        uow.conn, transfer.id, TransferStatus.IN_TRANSIT, uow.now, shipped=True
    )
    uow.raised(*await check_promises(uow.conn, list(stored.destinations.values()), uow.now))
    return await load_document(load, uow.conn, transfer.id)


async def receive_transfer(uow: UnitOfWork, command: ReceiveTransfer) -> Transfer:
    stored = await _locked(uow, command.transfer_id)
    transfer = stored.transfer
    lines = command.apply_to(transfer)
    await repository.save_receipt(
        uow.conn, stored, lines, transfer.status_after_receipt(lines), uow.now
    )
    await uow.move(
        Movement(
            stored.destinations[line.sku],
            line.movement(),
            StockEventType.TRANSFER_RECEIVED,
            StockReason.TRANSFER,
            transfer.id,
        )
        for line in command.lines
    )
    await units_arrived_at(uow, [stored.destinations[line.sku] for line in command.lines])
    return await load_document(load, uow.conn, transfer.id)


async def cancel_transfer(uow: UnitOfWork, command: CancelTransfer) -> Transfer:
    stored = await repository.find(uow.conn, command.transfer_id, for_update=True)
    if stored is None:
        raise TransferNotFound(command.transfer_id)
    stored.transfer.require("cancel", TransferStatus.DRAFT)
    await repository.set_status(uow.conn, stored.transfer.id, TransferStatus.CANCELLED, uow.now)
    return await load_document(load, uow.conn, stored.transfer.id)


async def close_transfer(uow: UnitOfWork, command: CloseTransfer) -> Transfer:
    stored = await _locked(uow, command.transfer_id)
    transfer = stored.transfer
    write_offs = command.write_offs(transfer)
    await repository.set_status(uow.conn, transfer.id, TransferStatus.CLOSED_SHORT, uow.now)
    await uow.move(
        Movement(
            stored.destinations[sku],
            delta,
            StockEventType.TRANSFER_CLOSED,
            command.reason,
            transfer.id,
        )
        for sku, delta in write_offs
    )
    touched = [stored.destinations[sku] for sku, _ in write_offs]
    uow.raised(*await check_promises(uow.conn, touched, uow.now))
    return await load_document(load, uow.conn, transfer.id)


async def _locked(uow: UnitOfWork, transfer_id: str) -> repository.StoredTransfer:
    return await lock_document_levels(
        uow,
        repository.find,
        transfer_id,
        lambda stored: stored.level_ids,
        TransferNotFound(transfer_id),
    )


async def _check_available(conn: AsyncConnection, stored: repository.StoredTransfer) -> None:
    """Every short line at once, in the transfer's terms (the locked levels cannot change)."""
    problems: list[StockpoolError] = []
    for line in stored.transfer.lines:
        available = (
            await stock_repository.read_quantities(conn, stored.sources[line.sku].id)
        ).available
        if line.quantity > available:
            problems.append(
                InsufficientStock(
                    line.sku, stored.transfer.from_location, line.quantity, available, field=()
                )
            )
    if problems:
        raise refusal(problems)

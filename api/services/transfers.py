"""Transfers: create a draft, ship it (source on hand down, destination `inTransit` up), receive
it partially and several times (on hand up at the destination, backorders filled), or cancel
the draft.

Like every stock transaction, each locks the stock levels it touches in id order first and
the transfer row after them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import stock_repository
from api.database import transfer_repository as repository
from api.database.engine import Database
from api.database.movements import LevelRef, Movement, apply_movements, lock_levels
from api.services.backorder_fill import check_promises, units_arrived
from api.services.document_commands import Apply, run_document_command
from api.services.document_ids import sortable_id
from api.services.expiry import expire_on_levels
from api.services.stocked_skus import stocked_sku_ids
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import (
    InsufficientStock,
    StockpoolError,
    TransferNotFound,
    refusal,
)
from domain.stock import LedgerEntry, StockEventType, StockReason
from domain.transfers import (
    CancelTransfer,
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


class TransferService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def create(self, command: CreateTransfer, principal: Principal) -> Transfer:
        principal.require_admin()
        command.validate()
        return await self._run(command, principal, lambda c, now, _: self._create(c, command, now))

    async def ship(self, command: ShipTransfer, principal: Principal) -> Transfer:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._ship(c, command, principal, now, raised),
        )

    async def receive(self, command: ReceiveTransfer, principal: Principal) -> Transfer:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._receive(c, command, principal, now, raised),
        )

    async def cancel(self, command: CancelTransfer, principal: Principal) -> Transfer:
        principal.require_admin()
        command.validate()
        return await self._run(command, principal, lambda c, now, _: self._cancel(c, command, now))

    async def get(self, transfer_id: str, principal: Principal) -> Transfer | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await _load(conn, transfer_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: TransferStatus | None,
        location: str | None,
    ) -> tuple[list[Transfer], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = [await _load(conn, transfer_id) for transfer_id in ids]
        return [transfer for transfer in found if transfer is not None], has_next

    # ---- the machinery --------------------------------------------------------------------

    async def _run(self, command: object, principal: Principal, apply: Apply) -> Transfer:
        return await run_document_command(
            self._database, self._bus, self._clock, principal, command, apply, _load
        )

    async def _create(
        self, conn: AsyncConnection, command: CreateTransfer, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
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
            destinations[line.sku] = LevelRef(
                destination, sku_id, to_id, line.sku, command.to_location
            )
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
                TransferLine(index, line.sku, line.quantity)
                for index, line in enumerate(command.lines)
            ),
        )
        await repository.insert_transfer(conn, transfer, from_id, to_id, sources, destinations)
        return transfer.id, []

    async def _locked(
        self, conn: AsyncConnection, transfer_id: str, now: datetime, principal: Principal
    ) -> tuple[repository.StoredTransfer, list[LedgerEntry]]:
        """The transfer with its levels locked (due holds on them let go) and its row locked."""
        stored = await repository.find(conn, transfer_id)
        if stored is None:
            raise TransferNotFound(transfer_id)
        locked = await lock_levels(conn, level_ids=stored.level_ids)
        released = await expire_on_levels(conn, locked, now, principal.actor)
        stored = await repository.find(conn, transfer_id, for_update=True)
        assert stored is not None
        return stored, released

    async def _ship(
        self,
        conn: AsyncConnection,
        command: ShipTransfer,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored, released = await self._locked(conn, command.transfer_id, now, principal)
        transfer = stored.transfer
        transfer.require("ship", TransferStatus.DRAFT)
        await _check_available(conn, stored)
        movements = []
        for line in transfer.lines:
            leaving, arriving = shipping_movements(line)
            for level, delta in (
                (stored.sources[line.sku], leaving),
                (stored.destinations[line.sku], arriving),
            ):
                movements.append(
                    Movement(
                        level,
                        delta,
                        StockEventType.TRANSFER_SHIPPED,
                        StockReason.TRANSFER,
                        transfer.id,
                    )
                )
        # The conditional UPDATE is the guard: available at the source never goes below zero.
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        await repository.set_status(conn, transfer.id, TransferStatus.IN_TRANSIT, now, shipped=True)
        raised.extend(await check_promises(conn, list(stored.destinations.values()), now))
        return transfer.id, released + entries

    async def _receive(
        self,
        conn: AsyncConnection,
        command: ReceiveTransfer,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored, released = await self._locked(conn, command.transfer_id, now, principal)
        transfer = stored.transfer
        lines = command.apply_to(transfer)
        await repository.save_receipt(
            conn, stored, lines, transfer.status_after_receipt(lines), now
        )
        movements = [
            Movement(
                stored.destinations[line.sku],
                line.movement(),
                StockEventType.TRANSFER_RECEIVED,
                StockReason.TRANSFER,
                transfer.id,
            )
            for line in command.lines
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        touched = [stored.destinations[line.sku] for line in command.lines]
        filled, short = await units_arrived(conn, touched, now, principal.actor)
        raised.extend(short)
        return transfer.id, released + entries + filled

    async def _cancel(
        self, conn: AsyncConnection, command: CancelTransfer, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        stored = await repository.find(conn, command.transfer_id, for_update=True)
        if stored is None:
            raise TransferNotFound(command.transfer_id)
        stored.transfer.require("cancel", TransferStatus.DRAFT)
        await repository.set_status(conn, stored.transfer.id, TransferStatus.CANCELLED, now)
        return stored.transfer.id, []


async def _load(conn: AsyncConnection, transfer_id: str) -> Transfer | None:
    stored = await repository.find(conn, transfer_id)
    return stored.transfer if stored is not None else None


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

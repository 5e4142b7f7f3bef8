"""Customer returns: receive (on hand and `quarantined` up at the receiving location, never
beyond what the order shipped), then inspect as often as needed (restock, damaged, write off).

Like every stock transaction, each locks the stock levels it touches in id order first, then
the order's reservations or the return row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import channel_repository, stock_repository
from api.database import return_repository as repository
from api.database.engine import Database
from api.database.movements import LevelRef, Movement, apply_movements, lock_levels
from api.services.backorder_fill import units_arrived
from api.services.document_commands import Apply, run_document_command
from api.services.document_ids import sortable_id
from api.services.expiry import expire_on_levels
from api.services.stocked_skus import stocked_sku_ids
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import (
    InvalidValue,
    OrderNotFound,
    ReservationNotFound,
    ReturnNotFound,
)
from domain.returns import (
    LEDGER_REASON,
    CustomerReturn,
    InspectionOutcome,
    InspectReturn,
    ReceiveReturn,
    ReturnLine,
    ReturnStatus,
)
from domain.stock import LedgerEntry, StockEventType, StockReason


def new_return_id(now: datetime) -> str:
    return sortable_id("rt", now)


class ReturnService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def receive(self, command: ReceiveReturn, principal: Principal) -> CustomerReturn:
        principal.require_admin()
        command.validate()
        return await self._run(
            command, principal, lambda c, now, _: self._receive(c, command, principal, now)
        )

    async def inspect(self, command: InspectReturn, principal: Principal) -> CustomerReturn:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._inspect(c, command, principal, now, raised),
        )

    async def get(self, return_id: str, principal: Principal) -> CustomerReturn | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await _load(conn, return_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: ReturnStatus | None,
        channel: str | None,
        order_ref: str | None,
    ) -> tuple[list[CustomerReturn], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, channel, order_ref)
            found = [await _load(conn, return_id) for return_id in ids]
        return [r for r in found if r is not None], has_next

    # ---- the machinery --------------------------------------------------------------------

    async def _run(self, command: object, principal: Principal, apply: Apply) -> CustomerReturn:
        return await run_document_command(
            self._database, self._bus, self._clock, principal, command, apply, _load
        )

    async def _receive(
        self, conn: AsyncConnection, command: ReceiveReturn, principal: Principal, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        order = await _order(conn, command)
        location_id = await catalogue.location_id(conn, command.location)
        known = await stocked_sku_ids(
            conn,
            [(line.sku, ("lines", str(i), "sku")) for i, line in enumerate(command.lines)],
            "be returned; return its components",
        )
        levels = {}
        for line in command.lines:
            level_id = await stock_repository.ensure_level(conn, known[line.sku], location_id, now)
            levels[line.sku] = LevelRef(
                level_id, known[line.sku], location_id, line.sku, command.location
            )
        await lock_levels(conn, level_ids=sorted(level.id for level in levels.values()))
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
        movements = [
            Movement(
                levels[line.sku],
                line.movement(),
                StockEventType.RETURNED,
                StockReason.RETURN,
                customer_return.id,
            )
            for line in command.lines
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        return customer_return.id, entries

    async def _inspect(
        self,
        conn: AsyncConnection,
        command: InspectReturn,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored = await repository.find(conn, command.return_id)
        if stored is None:
            raise ReturnNotFound(command.return_id)
        locked = await lock_levels(
            conn, level_ids=sorted(level.id for level in stored.levels.values())
        )
        released = await expire_on_levels(conn, locked, now, principal.actor)
        stored = await repository.find(conn, command.return_id, for_update=True)
        assert stored is not None
        customer_return = stored.customer_return
        lines = command.apply_to(customer_return)
        await repository.save_inspection(
            conn,
            stored,
            command.lines,
            lines,
            customer_return.status_after_inspection(lines),
            now,
        )
        movements = [
            Movement(
                stored.levels[line.sku],
                line.movement(),
                StockEventType.RETURN_INSPECTED,
                LEDGER_REASON[line.outcome],
                customer_return.id,
            )
            for line in command.lines
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        restocked = [
            stored.levels[line.sku]
            for line in command.lines
            if line.outcome is InspectionOutcome.RESTOCK
        ]
        filled, short = await units_arrived(conn, restocked, now, principal.actor)
        raised.extend(short)
        return customer_return.id, released + entries + filled


async def _load(conn: AsyncConnection, return_id: str) -> CustomerReturn | None:
    stored = await repository.find(conn, return_id)
    return stored.customer_return if stored is not None else None


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
    assert command.channel is not None and command.order_ref is not None
    record = await channel_repository.get_channel(conn, command.channel)
    return repository.Order(record.id, command.channel, command.order_ref)

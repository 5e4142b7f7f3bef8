"""Purchase orders: create (`onOrder` up), receive partially and several times (on hand up,
backorders filled), close (what is still outstanding leaves `onOrder`).

Like every stock transaction, each locks the stock levels it touches in id order first and
the purchase order row after them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import purchase_order_repository as repository
from api.database import stock_repository
from api.database.engine import Database
from api.database.movements import LevelRef, Movement, apply_movements, lock_levels
from api.services.backorder_fill import check_promises, units_arrived
from api.services.document_commands import Apply, run_document_command
from api.services.document_ids import sortable_id
from api.services.expiry import expire_on_levels
from api.services.stocked_skus import stocked_sku_ids
from domain.access import Principal
from domain.alerts import Alert
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
from domain.stock import LedgerEntry, StockEventType, StockReason


def new_purchase_order_id(now: datetime) -> str:
    return sortable_id("po", now)


class PurchaseOrderService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def create(self, command: CreatePurchaseOrder, principal: Principal) -> PurchaseOrder:
        principal.require_admin()
        command.validate()
        return await self._run(
            command, principal, lambda c, now, _: self._create(c, command, principal, now)
        )

    async def receive(self, command: ReceivePurchaseOrder, principal: Principal) -> PurchaseOrder:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._receive(c, command, principal, now, raised),
        )

    async def close(self, command: ClosePurchaseOrder, principal: Principal) -> PurchaseOrder:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._close(c, command, principal, now, raised),
        )

    async def get(self, purchase_order_id: str, principal: Principal) -> PurchaseOrder | None:
        principal.require_admin()
        async with self._database.read() as conn:
            stored = await repository.find(conn, purchase_order_id)
        return stored.order if stored is not None else None

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: PurchaseOrderStatus | None,
        location: str | None,
    ) -> tuple[list[PurchaseOrder], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = [await repository.find(conn, order_id) for order_id in ids]
        return [stored.order for stored in found if stored is not None], has_next

    # ---- the machinery --------------------------------------------------------------------

    async def _run(self, command: object, principal: Principal, apply: Apply) -> PurchaseOrder:
        return await run_document_command(
            self._database, self._bus, self._clock, principal, command, apply, _load
        )

    async def _create(
        self,
        conn: AsyncConnection,
        command: CreatePurchaseOrder,
        principal: Principal,
        now: datetime,
    ) -> tuple[str, list[LedgerEntry]]:
        location_id = await catalogue.location_id(conn, command.location)
        known = await stocked_sku_ids(
            conn,
            [(line.sku, ("lines", str(i), "sku")) for i, line in enumerate(command.lines)],
            "be ordered; order its components",
        )
        levels = {}
        for line in command.lines:
            level_id = await stock_repository.ensure_level(conn, known[line.sku], location_id, now)
            levels[line.sku] = LevelRef(
                level_id, known[line.sku], location_id, line.sku, command.location
            )
        await lock_levels(conn, level_ids=sorted(level.id for level in levels.values()))
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
        movements = [
            Movement(
                levels[line.sku],
                Quantities(on_order=line.quantity),
                StockEventType.ORDERED,
                StockReason.PURCHASE_ORDER,
                order.id,
            )
            for line in command.lines
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        return order.id, entries

    async def _locked_order(
        self, conn: AsyncConnection, purchase_order_id: str, now: datetime, principal: Principal
    ) -> tuple[repository.StoredOrder, list[LedgerEntry]]:
        """The order with its levels locked (due holds on them let go) and its row locked."""
        stored = await repository.find(conn, purchase_order_id)
        if stored is None:
            raise PurchaseOrderNotFound(purchase_order_id)
        locked = await lock_levels(
            conn, level_ids=sorted(level.id for level in stored.levels.values())
        )
        released = await expire_on_levels(conn, locked, now, principal.actor)
        stored = await repository.find(conn, purchase_order_id, for_update=True)
        assert stored is not None
        return stored, released

    async def _receive(
        self,
        conn: AsyncConnection,
        command: ReceivePurchaseOrder,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored, released = await self._locked_order(conn, command.purchase_order_id, now, principal)
        order = stored.order
        lines = command.apply_to(order)
        await repository.save_receipt(conn, stored, lines, order.status_after_receipt(lines), now)
        movements = [
            Movement(
                stored.levels[line.sku],
                line.movement(),
                StockEventType.RECEIVED,
                StockReason.PURCHASE_ORDER,
                order.id,
            )
            for line in command.lines
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        touched = [stored.levels[line.sku] for line in command.lines]
        filled, short = await units_arrived(conn, touched, now, principal.actor)
        raised.extend(short)
        return order.id, released + entries + filled

    async def _close(
        self,
        conn: AsyncConnection,
        command: ClosePurchaseOrder,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored, released = await self._locked_order(conn, command.purchase_order_id, now, principal)
        order = stored.order
        order.require_open("close")
        await repository.set_status(conn, order.id, PurchaseOrderStatus.CLOSED, now)
        outstanding = [line for line in order.lines if line.outstanding > 0]
        movements = [
            Movement(
                stored.levels[line.sku],
                Quantities(on_order=-line.outstanding),
                StockEventType.ORDER_CLOSED,
                StockReason.PURCHASE_ORDER,
                order.id,
            )
            for line in outstanding
        ]
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        raised.extend(
            await check_promises(conn, [stored.levels[line.sku] for line in outstanding], now)
        )
        return order.id, released + entries


async def _load(conn: AsyncConnection, purchase_order_id: str) -> PurchaseOrder | None:
    stored = await repository.find(conn, purchase_order_id)
    return stored.order if stored is not None else None

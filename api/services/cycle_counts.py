"""Cycle counts: start (which SKUs at which location), record counts (re-recording replaces),
complete (differences applied to on hand as COUNT adjustments, never freeing held units), or
cancel.

Like every stock transaction, completing locks the stock levels first and the count row
after them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import alert_repository, stock_repository
from api.database import catalogue_repository as catalogue
from api.database import cycle_count_repository as repository
from api.database.engine import Database
from api.database.movements import LevelRef, Movement, apply_movements, lock_levels
from api.services.backorder_fill import fill_backorders
from api.services.document_commands import Apply, run_document_command
from api.services.document_ids import sortable_id
from api.services.expiry import expire_on_levels
from api.services.stocked_skus import stocked_sku_ids
from domain.access import Principal
from domain.alerts import Alert
from domain.cycle_counts import (
    CancelCount,
    CompleteCount,
    CountLine,
    CountStatus,
    CycleCount,
    RecordCount,
    StartCount,
    settle,
    shortfall,
    shortfall_cause,
)
from domain.errors import CountInProgress, CountNotFound, StockpoolError, refusal
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockReason


def new_count_id(now: datetime) -> str:
    return sortable_id("cc", now)


class CycleCountService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def start(self, command: StartCount, principal: Principal) -> CycleCount:
        principal.require_admin()
        command.validate()
        return await self._run(command, principal, lambda c, now, _: self._start(c, command, now))

    async def record(self, command: RecordCount, principal: Principal) -> CycleCount:
        principal.require_admin()
        command.validate()
        return await self._run(command, principal, lambda c, now, _: self._record(c, command, now))

    async def complete(self, command: CompleteCount, principal: Principal) -> CycleCount:
        principal.require_admin()
        command.validate()
        return await self._run(
            command,
            principal,
            lambda c, now, raised: self._complete(c, command, principal, now, raised),
        )

    async def cancel(self, command: CancelCount, principal: Principal) -> CycleCount:
        principal.require_admin()
        command.validate()
        return await self._run(command, principal, lambda c, now, _: self._cancel(c, command, now))

    async def get(self, count_id: str, principal: Principal) -> CycleCount | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await _load(conn, count_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: CountStatus | None,
        location: str | None,
    ) -> tuple[list[CycleCount], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = [await _load(conn, count_id) for count_id in ids]
        return [count for count in found if count is not None], has_next

    # ---- the machinery --------------------------------------------------------------------

    async def _run(self, command: object, principal: Principal, apply: Apply) -> CycleCount:
        return await run_document_command(
            self._database, self._bus, self._clock, principal, command, apply, _load
        )

    async def _start(
        self, conn: AsyncConnection, command: StartCount, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        location_id = await catalogue.location_id(conn, command.location)
        known = await stocked_sku_ids(
            conn,
            [(sku, ("skus", str(i))) for i, sku in enumerate(command.skus)],
            "be counted; count its components",
        )
        levels = {}
        for sku in command.skus:
            level_id = await stock_repository.ensure_level(conn, known[sku], location_id, now)
            levels[sku] = LevelRef(level_id, known[sku], location_id, sku, command.location)
        # Locked so two counts started at once cannot both take the same SKU.
        await lock_levels(conn, level_ids=sorted(level.id for level in levels.values()))
        busy = await repository.open_counts_on(conn, [level.id for level in levels.values()])
        overlapping: list[StockpoolError] = [
            CountInProgress(sku, command.location, busy[levels[sku].id], ("skus", str(index)))
            for index, sku in enumerate(command.skus)
            if levels[sku].id in busy
        ]
        if overlapping:
            raise refusal(overlapping)
        count = CycleCount(
            id=new_count_id(now),
            location=command.location,
            status=CountStatus.OPEN,
            created_at=now,
            updated_at=now,
            reference=command.reference,
            lines=tuple(CountLine(index, sku) for index, sku in enumerate(command.skus)),
        )
        await repository.insert_count(conn, count, location_id, levels)
        return count.id, []

    async def _record(
        self, conn: AsyncConnection, command: RecordCount, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        stored = await repository.find(conn, command.count_id, for_update=True)
        if stored is None:
            raise CountNotFound(command.count_id)
        command.check_against(stored.count)
        for line in command.lines:
            on_hand = (
                await stock_repository.read_quantities(conn, stored.levels[line.sku].id)
            ).on_hand
            await repository.record_line(
                conn, stored.line_ids[line.sku], on_hand, line.counted, now
            )
        return stored.count.id, []

    async def _complete(
        self,
        conn: AsyncConnection,
        command: CompleteCount,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        stored = await repository.find(conn, command.count_id)
        if stored is None:
            raise CountNotFound(command.count_id)
        locked = await lock_levels(
            conn, level_ids=sorted(level.id for level in stored.levels.values())
        )
        released = await expire_on_levels(conn, locked, now, principal.actor)
        stored = await repository.find(conn, command.count_id, for_update=True)
        assert stored is not None
        count = stored.count
        count.require_open("complete")
        count.require_recorded()
        movements = []
        for line in count.lines:
            level = stored.levels[line.sku]
            available = (await stock_repository.read_quantities(conn, level.id)).available
            adjusted, unresolved = settle(line.discrepancy or 0, available)
            await repository.settle_line(conn, stored.line_ids[line.sku], adjusted, unresolved)
            if adjusted:
                movements.append(
                    Movement(
                        level,
                        Quantities(on_hand=adjusted),
                        StockEventType.ADJUSTED,
                        StockReason.COUNT,
                        count.id,
                    )
                )
            raised.extend(await _flag_shortfall(conn, level, count.id, unresolved, now))
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        found = [m.level for m in movements if m.delta.on_hand > 0]
        filled = await fill_backorders(conn, found, now, principal.actor)
        await repository.set_status(conn, count.id, CountStatus.COMPLETED, now)
        return count.id, released + entries + filled

    async def _cancel(
        self, conn: AsyncConnection, command: CancelCount, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        stored = await repository.find(conn, command.count_id, for_update=True)
        if stored is None:
            raise CountNotFound(command.count_id)
        stored.count.require_open("cancel")
        await repository.set_status(conn, stored.count.id, CountStatus.CANCELLED, now)
        return stored.count.id, []


async def _load(conn: AsyncConnection, count_id: str) -> CycleCount | None:
    stored = await repository.find(conn, count_id)
    return stored.count if stored is not None else None


async def _flag_shortfall(
    conn: AsyncConnection, level: LevelRef, count_id: str, unresolved: int, now: datetime
) -> list[Alert]:
    """An alert while a count finds fewer units than are held; resolved by a count that fits."""
    if unresolved:
        raised = shortfall(level.sku, level.location, count_id, unresolved)
        return [await alert_repository.raise_alert(conn, raised, now)]
    resolved = await alert_repository.resolve_cause(
        conn, shortfall_cause(level.sku, level.location), now
    )
    return [resolved] if resolved is not None else []

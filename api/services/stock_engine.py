"""The stock engine: the one entrance for commands that change a single stock level.

Each command runs in one transaction: conditional UPDATE of the counters, one ledger row, the
idempotency record. Only after commit are the changes published on the bus."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import ledger_repository, stock_repository
from api.database.engine import Database
from api.database.movements import LevelRef, Movement, apply_movements, lock_levels
from api.services.backorder_fill import fill_backorders
from api.services.bundles import refuse_bundles
from api.services.expiry import expire_on_levels
from api.services.follow_ups import follow_ups
from api.services.idempotent import Outcome, publish_fresh, run_command_once
from domain.access import Principal
from domain.stock import LedgerEntry, StockChange
from domain.stock_commands import SetStock, StockCommand


class StockEngine:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def execute(self, command: StockCommand, principal: Principal) -> StockChange:
        principal.require_admin()
        command.validate()

        async def apply(conn: AsyncConnection) -> Outcome[StockChange]:
            now = self._clock()
            entries, entry = await self._apply(conn, command, principal, now)
            after = await follow_ups(conn, entries, now)
            return Outcome(
                StockChange.from_entry(entry),
                {"events": [entry.id]},
                entries,
                after.availability,
                after.alerts,
            )

        async def replay(conn: AsyncConnection, remembered: dict[str, Any]) -> StockChange:
            [entry] = await ledger_repository.entries_by_id(conn, remembered["events"])
            return StockChange.from_entry(entry)

        outcome = await run_command_once(
            self._database,
            self._clock,
            principal,
            command,
            apply,
            replay,
        )
        await publish_fresh(self._bus, outcome)
        return outcome.result

    async def _apply(
        self, conn: AsyncConnection, command: StockCommand, principal: Principal, now: datetime
    ) -> tuple[list[LedgerEntry], LedgerEntry]:
        """Every ledger row the command wrote, and its own. Before its own, the release of any
        hold on the level whose window has passed, so the command sees the level as everyone
        else does; after it, backorders filled from units it made available."""
        now = self._clock()
        sku_id = await catalogue.sku_id(conn, command.sku)
        location_id = await catalogue.location_id(conn, command.location)
        level_id = await stock_repository.ensure_level(conn, sku_id, location_id, now)
        level = LevelRef(level_id, sku_id, location_id, command.sku, command.location)
        locked = await lock_levels(conn, level_ids=[level_id])
        # After the lock: a concurrent setBundleComponents has committed or sees this stock.
        await refuse_bundles(
            conn, [(sku_id, command.sku)], "change its stock; change its components' instead"
        )
        released = await expire_on_levels(conn, locked, now, principal.actor)
        if isinstance(command, SetStock):
            current = await stock_repository.read_quantities(conn, level_id)
            command.check_expected(current.on_hand)
            movement = Movement(
                level,
                command.movement_from(current.on_hand),
                command.event_type,
                command.reason,
                command.reference,
                expected_on_hand=current.on_hand,
            )
        else:
            movement = Movement(
                level, command.movement(), command.event_type, command.reason, command.reference
            )
        applied = await apply_movements(
            conn, [movement], principal.actor, now, command.idempotency_key
        )
        after = applied[-1].after
        filled = (
            await fill_backorders(conn, [level], now, principal.actor)
            if after.backordered and after.available > 0
            else []
        )
        return released + applied + filled, applied[-1]

"""The stock engine: the one entrance for every command that changes a stock level.

Each command runs in one transaction: conditional UPDATE of the counters, one ledger row, the
idempotency record. Only after commit are the changes published on the bus."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import STOCK_EVENTS, STOCK_LEVELS, EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import idempotency, ledger_repository, stock_repository
from api.database.engine import Database
from api.messages import stock_event_message, stock_level_message
from domain.access import Principal
from domain.errors import IdempotencyKeyReused
from domain.stock import LedgerEntry, StockChange
from domain.stock_commands import SetStock, StockCommand, explain_refusal


class StockEngine:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def execute(self, command: StockCommand, principal: Principal) -> StockChange:
        principal.require_admin()
        command.validate()
        try:
            change, fresh = await self._execute_once(command, principal)
        except IntegrityError:
            if command.idempotency_key is None:
                raise
            # A concurrent request with the same key committed first: answer as its replay.
            change, fresh = await self._execute_once(command, principal)
        if fresh:
            await self._bus.publish_committed(
                [
                    (STOCK_LEVELS, stock_level_message(change.stock_level)),
                    (STOCK_EVENTS, stock_event_message(change.event)),
                ]
            )
        return change

    async def _execute_once(
        self, command: StockCommand, principal: Principal
    ) -> tuple[StockChange, bool]:
        operation = type(command).__name__
        key = command.idempotency_key
        digest = idempotency.fingerprint(operation, _request_of(command))
        async with self._database.transaction() as conn:
            if key is not None:
                prior = await idempotency.find(conn, principal.idempotency_scope, key)
                if prior is not None:
                    if (prior.operation, prior.fingerprint) != (operation, digest):
                        raise IdempotencyKeyReused(key)
                    entries = await ledger_repository.entries_by_id(conn, prior.result["events"])
                    return StockChange.from_entry(entries[0]), False
            entry = await self._apply(conn, command, principal)
            if key is not None:
                record = idempotency.IdempotencyRecord(operation, digest, {"events": [entry.id]})
                await idempotency.store(
                    conn, principal.idempotency_scope, key, record, entry.created_at
                )
        return StockChange.from_entry(entry), True

    async def _apply(
        self, conn: AsyncConnection, command: StockCommand, principal: Principal
    ) -> LedgerEntry:
        now = self._clock()
        sku_id = await catalogue.sku_id(conn, command.sku)
        location_id = await catalogue.location_id(conn, command.location)
        level_id = await stock_repository.ensure_level(conn, sku_id, location_id, now)
        expected_on_hand: int | None = None
        if isinstance(command, SetStock):
            current = await stock_repository.read_quantities(conn, level_id, for_update=True)
            command.check_expected(current.on_hand)
            expected_on_hand = current.on_hand
            delta = command.movement_from(current.on_hand)
        else:
            delta = command.movement()
        applied = await stock_repository.apply_movement(
            conn, level_id, delta, now, expected_on_hand
        )
        if applied is None:
            current = await stock_repository.read_quantities(conn, level_id)
            raise explain_refusal(command.sku, command.location, current, delta)
        after, version = applied
        before = after - delta
        event_id = await ledger_repository.append(
            conn,
            level_id=level_id,
            sku_id=sku_id,
            location_id=location_id,
            type=command.event_type,
            reason=command.reason,
            before=before,
            after=after,
            version=version,
            actor=principal.actor,
            now=now,
            reference=command.reference,
            idempotency_key=command.idempotency_key,
        )
        return LedgerEntry(
            id=event_id,
            sku=command.sku,
            location=command.location,
            type=command.event_type,
            reason=command.reason,
            before=before,
            after=after,
            version=version,
            actor=principal.actor,
            created_at=now,
            reference=command.reference,
            idempotency_key=command.idempotency_key,
        )


def _request_of(command: StockCommand) -> dict[str, Any]:
    request = asdict(command)
    request.pop("idempotency_key")
    return {k: v.value if isinstance(v, Enum) else v for k, v in request.items()}

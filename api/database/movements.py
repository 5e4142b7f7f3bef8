"""Applying counter movements to stock levels: conditional UPDATEs in a fixed order, one
ledger row each. Every stock-changing service goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import ledger_repository, stock_repository
from api.database.change_journal import journal_of
from api.database.rows import quantities_from
from api.database.tables import locations, skus, stock_levels
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockMove, StockReason, ledger_entry
from domain.stock_commands import explain_refusal


@dataclass(frozen=True, slots=True)
class LevelRef:
    id: int
    sku_id: int
    location_id: int
    sku: str
    location: str


@dataclass(frozen=True, slots=True)
class LockedLevel:
    ref: LevelRef
    quantities: Quantities
    version: int = 0


@dataclass(frozen=True, slots=True)
class Movement:
    level: LevelRef
    delta: Quantities
    type: StockEventType
    reason: StockReason
    reference: str | None = None
    expected_on_hand: int | None = None

    def move(self) -> StockMove:
        level = self.level
        return StockMove(
            level.sku, level.location, self.delta, self.type, self.reason, self.reference
        )


async def lock_levels(
    conn: AsyncConnection,
    sku_ids: Iterable[int] | None = None,
    location_ids: Iterable[int] | None = None,
    level_ids: Iterable[int] | None = None,
) -> list[LockedLevel]:
    """Row-locks the chosen levels in id order (the one order every transaction uses, so two
    transactions never wait on each other in a cycle). SQLite's single writer needs no lock."""
    chosen = {"sku_ids": sku_ids, "location_ids": location_ids, "level_ids": level_ids}
    values = {name: list(ids) for name, ids in chosen.items() if ids is not None}
    query = _lock_query(tuple(sorted(values)))
    return [
        LockedLevel(
            LevelRef(row.id, row.sku_id, row.location_id, row.sku, row.location),
            quantities_from(row),
            int(row.version),
        )
        for row in await conn.execute(query, values)
    ]


@lru_cache(maxsize=8)
def _lock_query(filters: tuple[str, ...]) -> Select[Any]:
    """The lock of the levels chosen by these filters (expanding parameters of their names),
    built once per combination: every stock write starts with it."""
    query = (
        select(stock_levels, skus.c.code.label("sku"), locations.c.code.label("location"))
        .join(skus, skus.c.id == stock_levels.c.sku_id)
        .join(locations, locations.c.id == stock_levels.c.location_id)
        .order_by(stock_levels.c.id)
        .with_for_update(of=stock_levels)
    )
    columns = {
        "sku_ids": stock_levels.c.sku_id,
        "location_ids": stock_levels.c.location_id,
        "level_ids": stock_levels.c.id,
    }
    for name in filters:
        query = query.where(columns[name].in_(bindparam(name, expanding=True)))
    return query


async def apply_movements(
    conn: AsyncConnection,
    movements: Iterable[Movement],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> list[LedgerEntry]:
    """Applies each movement if it keeps the level's invariants, else raises the refusal
    (the caller's transaction then rolls back everything)."""
    entries = []
    for movement in sorted(movements, key=lambda m: m.level.id):
        level = movement.level
        applied = await stock_repository.apply_movement(
            conn, level.id, movement.delta, now, movement.expected_on_hand
        )
        if applied is None:
            current = await stock_repository.read_quantities(conn, level.id)
            raise explain_refusal(level.sku, level.location, current, movement.delta)
        after, version = applied
        # The UPDATE returned the counters after it: the row before is one move back.
        before, prior_version = after - movement.delta, version - 1
        entry = ledger_entry(movement.move(), before, prior_version, actor, now, idempotency_key)
        event_id = await ledger_repository.append(conn, level, entry)
        entries.append(entry.numbered(event_id))
    journal_of(conn).stock_changed(entries)
    return entries

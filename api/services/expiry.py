"""Letting go of expired holds: lazily, on the levels a transaction is about to touch, and
by the sweeper for the rest. Either way the ledger records the release as EXPIRED."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import reservation_repository as repository
from api.database.movements import LevelRef, LockedLevel, Movement, apply_movements, lock_levels
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockReason

SWEEPER = "expiry-sweeper"


async def expire_on_levels(
    conn: AsyncConnection, locked: list[LockedLevel], now: datetime, actor: str
) -> list[LedgerEntry]:
    """Releases what due holds still reserve on these (already locked) levels. Reservations
    are locked after levels, the order every transaction follows."""
    if not locked:
        return []
    by_id = {level.ref.id: level.ref for level in locked}
    due = await repository.lock_due_on_levels(conn, list(by_id), now)
    if not due:
        return []
    return await _release(conn, due, list(by_id), by_id, now, actor)


async def sweep(conn: AsyncConnection, reservation_id: str, now: datetime) -> list[LedgerEntry]:
    """Expires one reservation entirely, if it is due (the background sweeper's unit)."""
    stored = await repository.find(conn, reservation_id)
    if stored is None:
        return []
    locked = await lock_levels(conn, level_ids=[line.level.id for line in stored.lines])
    by_id = {level.ref.id: level.ref for level in locked}
    due = await repository.lock_due_on_levels(conn, list(by_id), now)
    if reservation_id not in due:
        return []
    return await _release(conn, [reservation_id], None, by_id, now, SWEEPER)


async def _release(
    conn: AsyncConnection,
    due: list[str],
    level_ids: list[int] | None,
    levels: dict[int, LevelRef],
    now: datetime,
    actor: str,
) -> list[LedgerEntry]:
    await repository.mark_expired(conn, due, now)
    lines = await repository.held_lines_on_levels(conn, due, level_ids)
    movements = []
    for line in lines:
        await repository.update_line(conn, line.id, reserved=0, backordered=0)
        movements.append(
            Movement(
                levels[line.level_id],
                Quantities(reserved=-line.reserved, backordered=-line.backordered),
                StockEventType.EXPIRED,
                StockReason.HOLD_EXPIRED,
                line.reservation_id,
            )
        )
    return await apply_movements(conn, movements, actor, now)

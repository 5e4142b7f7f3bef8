"""Sales before carts: a sale on a channel with `salesPreemptHolds` that finds too few units
takes them from other channels' live unpaid holds (HELD, newest first) before anything is
recorded as oversold. A hold is preempted whole, as a cart expects: every line let go (a
RELEASED ledger row each, reason CHANNEL_SALE, referencing the hold), status PREEMPTED.

Lock order is the one every transaction follows: the sale's levels are locked, then the
holds, then any level of a preempted hold the sale had not locked yet. Those last levels are
locked out of id order: should another transaction hold one while waiting for the sale's,
PostgreSQL breaks the deadlock by failing one of the two, which changes nothing, and the
dispatcher runs that one again (api/database/transient.py)."""

from __future__ import annotations

from collections import defaultdict

from api.database import reservation_repository as repository
from api.database.channel_repository import ChannelRecord
from api.database.hold_preemption import lock_live_holds_on_levels
from api.database.movements import LockedLevel, Movement, lock_levels
from api.handlers.reservations import RELEASE
from api.service_layer.unit_of_work import UnitOfWork
from domain.reservations import ReservationStatus
from domain.stock import LedgerEntry, StockReason


async def preempt_holds(
    uow: UnitOfWork, record: ChannelRecord, locked: list[LockedLevel], short: dict[str, int]
) -> list[LockedLevel]:
    """Preempts, newest first, other channels' holds reserving the short SKUs on these
    (locked) levels until each SKU's shortfall is freed or no hold is left; returns the
    levels' counters as they then are."""
    sku_of = {level.ref.id: level.ref.sku for level in locked if short.get(level.ref.sku)}
    held = await lock_live_holds_on_levels(uow.conn, list(sku_of), record.id, uow.now)
    reserving: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for line in await repository.held_lines_on_levels(uow.conn, held, list(sku_of)):
        reserving[line.reservation_id].append((line.level_id, line.reserved))
    needed = dict(short)
    chosen = []
    for hold_id in held:
        if all(needed[sku] <= 0 for sku in short):
            break
        lines = reserving[hold_id]
        if any(needed[sku_of[level_id]] > 0 and units for level_id, units in lines):
            chosen.append(hold_id)
            for level_id, units in lines:
                needed[sku_of[level_id]] -= units
    entries = [entry for hold_id in chosen for entry in await _preempt(uow, hold_id, locked)]
    latest = {(entry.sku, entry.location): entry.after for entry in entries}
    return [
        LockedLevel(level.ref, latest.get((level.ref.sku, level.ref.location), level.quantities))
        for level in locked
    ]


async def _preempt(uow: UnitOfWork, hold_id: str, locked: list[LockedLevel]) -> list[LedgerEntry]:
    """Lets go of one (locked, live) hold whole: PREEMPTED, every line released."""
    stored = await repository.find(uow.conn, hold_id)
    if stored is None:
        return []
    have = {level.ref.id for level in locked}
    await lock_levels(uow.conn, level_ids=sorted({s.level.id for s in stored.lines} - have))
    await repository.set_status(
        uow.conn, hold_id, ReservationStatus.PREEMPTED, uow.now, repository.still_held(uow.now)
    )
    movements = []
    for line in stored.lines:
        change = RELEASE.change(line.line)
        if change.is_zero():
            continue
        moved = change.applied_to(line.line)
        await repository.update_line(
            uow.conn, line.id, reserved=moved.reserved, backordered=moved.backordered
        )
        movements.append(
            Movement(
                line.level,
                change.stock_movement(),
                RELEASE.event,
                StockReason.CHANNEL_SALE,
                hold_id,
            )
        )
    return await uow.move(movements)

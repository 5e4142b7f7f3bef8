"""What a channel sale needs of an order's lines (holds read theirs in a batch, see
api/handlers/holds.py, by the same rules of domain/order_lines.py): checking them against
the catalogue and the channel, locking the channel's stock levels for them, and booking
lines on those levels."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import catalogue_repository
from api.database import channel_repository as channels
from api.database.movements import LevelRef, LockedLevel, Movement, lock_levels
from api.service_layer.unit_of_work import UnitOfWork
from api.services.expiry import expire_on_levels
from domain.order_lines import booking, check_order_lines
from domain.reservations import RequestedLine, ReservationLine
from domain.stock import StockEventType, StockReason


async def check_lines(
    uow: UnitOfWork,
    lines: tuple[RequestedLine, ...],
    record: channels.ChannelRecord,
    prefix: str | None,
) -> list[int]:
    """Refuses unknown SKUs and locations the channel does not sell from (see
    domain/order_lines.py); returns the ids of the lines' SKUs."""
    known = await catalogue_repository.sku_ids_by_code(uow.conn, {line.sku for line in lines})
    existing = await existing_locations(uow.conn, named_outside(lines, record))
    check_order_lines(lines, record.channel, known, existing, prefix)
    return sorted(known.values())


def named_outside(lines: Iterable[RequestedLine], record: channels.ChannelRecord) -> set[str]:
    """The locations lines name that the channel does not sell from."""
    return {
        line.location
        for line in lines
        if line.location is not None and line.location not in record.location_ids
    }


async def existing_locations(conn: AsyncConnection, codes: set[str]) -> set[str]:
    """Which of these locations exist: asked only of locations a line is refused for, to say
    why (one query each)."""
    found = set()
    for code in sorted(codes):
        if await catalogue_repository.find_location(conn, code) is not None:
            found.add(code)
    return found


async def lock_channel_levels(
    uow: UnitOfWork, record: channels.ChannelRecord, sku_ids: list[int]
) -> list[LockedLevel]:
    """Locks the SKUs' levels at the channel's locations, lets go of due holds on them, and
    returns the counters as they then are."""
    location_ids = [record.location_ids[s.code] for s in record.sites]
    locked = await lock_levels(uow.conn, sku_ids=sku_ids, location_ids=location_ids)
    released = uow.record(await expire_on_levels(uow.conn, locked, uow.now, uow.actor))
    if not released:
        return locked
    latest = {(entry.sku, entry.location): entry.after for entry in released}
    return [
        LockedLevel(level.ref, latest.get((level.ref.sku, level.ref.location), level.quantities))
        for level in locked
    ]


def availability(locked: Iterable[LockedLevel]) -> dict[tuple[str, str], int]:
    return {(level.ref.sku, level.ref.location): level.quantities.available for level in locked}


async def book_lines(
    uow: UnitOfWork,
    placed: list[ReservationLine],
    locked: list[LockedLevel],
    event: StockEventType,
    reason: StockReason,
    order_ref: str,
) -> list[tuple[LevelRef, ReservationLine]]:
    """Books each new line on its stock level: one ledger row per line."""
    refs = {(level.ref.sku, level.ref.location): level.ref for level in locked}
    lines = []
    movements = []
    for line in placed:
        ref = refs[(line.sku, line.location)]
        lines.append((ref, line))
        move = booking(line, event, reason, order_ref)
        movements.append(Movement(ref, move.delta, move.type, move.reason, move.reference))
    await uow.move(movements)
    return lines

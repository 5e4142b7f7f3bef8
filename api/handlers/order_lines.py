"""What holds and sales share: checking an order's lines against the catalogue and the
channel, locking the channel's stock levels for them, and booking lines on those levels."""

from __future__ import annotations

from collections.abc import Iterable

from api.database import catalogue_repository
from api.database import channel_repository as channels
from api.database.movements import LevelRef, LockedLevel, Movement, lock_levels
from api.service_layer.unit_of_work import UnitOfWork
from api.services.expiry import expire_on_levels
from domain.errors import (
    LocationNotFound,
    LocationNotInChannel,
    SkuNotFound,
    StockpoolError,
    refusal,
)
from domain.reservations import LineChange, RequestedLine, ReservationLine
from domain.stock import StockEventType, StockReason


async def check_lines(
    uow: UnitOfWork,
    lines: tuple[RequestedLine, ...],
    record: channels.ChannelRecord,
    prefix: str | None,
) -> list[int]:
    """Refuses unknown SKUs and locations the channel does not sell from; returns the ids of
    the lines' SKUs."""
    problems: list[StockpoolError] = []
    known = await catalogue_repository.sku_ids_by_code(uow.conn, {line.sku for line in lines})

    def field(index: int, name: str) -> tuple[str, ...]:
        return (prefix, str(index), name) if prefix else (name,)

    for index, line in enumerate(lines):
        if line.sku not in known:
            problems.append(SkuNotFound(line.sku, field(index, "sku")))
        if line.location is not None and line.location not in record.location_ids:
            if await catalogue_repository.find_location(uow.conn, line.location) is None:
                problems.append(LocationNotFound(line.location, field(index, "location")))
            else:
                problems.append(
                    LocationNotInChannel(
                        line.location, record.channel.code, field(index, "location")
                    )
                )
    if problems:
        raise refusal(problems)
    return sorted(known.values())


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
        booked = LineChange(
            reserved=line.reserved, committed=line.committed, backordered=line.backordered
        )
        kind = StockEventType.BACKORDERED if line.backordered == line.quantity else event
        movements.append(Movement(ref, booked.stock_movement(), kind, reason, order_ref))
    await uow.move(movements)
    return lines

"""The transitions of a reservation: commit, release, cancel (each a row of one table),
extend a hold, fulfil (ship) committed units.

Every transition locks the reservation's stock levels in id order first, then re-reads the
reservation under those locks, so the state a decision is made on cannot move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import reservation_repository as repository
from api.database.movements import Movement, lock_levels
from api.database.reservation_repository import StoredLine, StoredReservation
from api.database.reservation_snapshots import from_snapshot, snapshot
from api.service_layer.dispatcher import Memo
from api.service_layer.unit_of_work import UnitOfWork
from api.services import oversold
from api.services.expiry import sweep
from api.services.reservation_records import as_of
from domain.errors import InvalidQuantity, InvalidTransition, ReservationNotFound
from domain.reservations import (
    CancelReservation,
    CommitReservation,
    ExpireReservation,
    ExtendReservation,
    FulfilReservation,
    LineChange,
    ReleaseReservation,
    RequestedLine,
    Reservation,
    ReservationCommand,
    ReservationLine,
    ReservationStatus,
)
from domain.stock import StockEventType, StockReason


async def _recall(conn: AsyncConnection, remembered: dict[str, Any]) -> Reservation:
    return from_snapshot(remembered["reservation"])


RESERVATION: Memo[Reservation] = Memo(
    lambda reservation: {"reservation": snapshot(reservation)}, _recall
)


@dataclass(frozen=True, slots=True)
class Transition:
    """A move of a whole reservation from `source` to `target`; each line's units move as
    `change` says, and the ledger records them as `event`. Asked again once it happened
    (`target` reached), it changes nothing."""

    verb: str
    source: ReservationStatus
    target: ReservationStatus
    event: StockEventType
    change: Callable[[ReservationLine], LineChange]


COMMIT = Transition(
    "commit",
    ReservationStatus.HELD,
    ReservationStatus.COMMITTED,
    StockEventType.COMMITTED,
    lambda line: LineChange(reserved=-line.reserved, committed=line.reserved),
)
RELEASE = Transition(
    "release",
    ReservationStatus.HELD,
    ReservationStatus.RELEASED,
    StockEventType.RELEASED,
    lambda line: LineChange(reserved=-line.reserved, backordered=-line.backordered),
)
CANCEL = Transition(
    "cancel",
    ReservationStatus.COMMITTED,
    ReservationStatus.CANCELLED,
    StockEventType.CANCELLED,
    lambda line: LineChange(committed=-line.committed, backordered=-line.backordered),
)
TRANSITIONS: dict[type[ReservationCommand], Transition] = {
    CommitReservation: COMMIT,
    ReleaseReservation: RELEASE,
    CancelReservation: CANCEL,
}


async def transition(uow: UnitOfWork, command: ReservationCommand) -> Reservation:
    """commit, release or cancel, by the command's row of TRANSITIONS."""
    step = TRANSITIONS[type(command)]
    stored = await _locked(uow, command)
    reservation = stored.reservation
    status = reservation.status_at(uow.now)
    if status is step.target or (step is RELEASE and status is ReservationStatus.EXPIRED):
        # Already done; a hold whose window passed is let go of now if no one has yet.
        uow.record(await sweep(uow.conn, reservation.id, uow.now))
        return await reservation_as_written(uow, reservation.id)
    if step.source is ReservationStatus.HELD:
        reservation.require_held(uow.now, step.verb)
        still_there = repository.still_held(uow.now)
    else:
        reservation.require_committed(step.verb)
        still_there = repository.status_is(step.source)
    if not await repository.set_status(uow.conn, reservation.id, step.target, uow.now, still_there):
        raise InvalidTransition(reservation.id, "changed concurrently", step.verb)
    changes = [(line, step.change(line.line)) for line in stored.lines]
    await _move_lines(uow, reservation, changes, step.event)
    return await reservation_as_written(uow, reservation.id)


async def cancel(uow: UnitOfWork, command: CancelReservation) -> Reservation:
    """Without lines, the whole order is cancelled (units go back); with lines, those units
    of its oversold ones are: the order ships short. Once nothing is left to ship it is
    FULFILLED (or CANCELLED if nothing shipped)."""
    if command.lines is None:
        return await transition(uow, command)
    stored = await _locked(uow, command)
    reservation = stored.reservation
    reservation.require_committed("cancel")
    cancelling = _taken(command.lines, stored.lines, "oversold", lambda line: line.oversold)
    for line_id, units in cancelling.items():
        await oversold.cancel(uow.conn, line_id, units)
    left = [
        replace(s.line, oversold=s.line.oversold - cancelling.get(s.id, 0)) for s in stored.lines
    ]
    if not any(line.committed or line.backordered or line.oversold for line in left):
        shipped = any(line.fulfilled for line in left)
        await repository.set_status(
            uow.conn,
            reservation.id,
            ReservationStatus.FULFILLED if shipped else ReservationStatus.CANCELLED,
            uow.now,
            repository.status_is(ReservationStatus.COMMITTED),
        )
    settled = {(reservation.channel, s.line.sku) for s in stored.lines if s.id in cancelling}
    uow.raised(*await oversold.resolve_settled(uow.conn, settled, uow.now))
    return await reservation_as_written(uow, reservation.id)


async def expire(uow: UnitOfWork, command: ExpireReservation) -> Reservation:
    uow.record(await sweep(uow.conn, command.reservation_id, uow.now))
    return await reservation_as_written(uow, command.reservation_id)


async def extend(uow: UnitOfWork, command: ExtendReservation) -> Reservation:
    stored = await _locked(uow, command)
    stored.reservation.require_held(uow.now, "extend")
    await repository.set_status(
        uow.conn,
        command.reservation_id,
        ReservationStatus.HELD,
        uow.now,
        repository.still_held(uow.now),
        expires_at=uow.now + timedelta(seconds=command.hold_seconds),
    )
    return await reservation_as_written(uow, command.reservation_id)


async def fulfil(uow: UnitOfWork, command: FulfilReservation) -> Reservation:
    stored = await _locked(uow, command)
    reservation, lines = stored.reservation, stored.lines
    reservation.require_committed("fulfil")
    shipping = _shipments(command.lines, lines)
    if all(_ships_out(s.line, shipping.get(s.id, 0)) for s in lines):
        await repository.set_status(
            uow.conn,
            reservation.id,
            ReservationStatus.FULFILLED,
            uow.now,
            repository.status_is(ReservationStatus.COMMITTED),
        )
    changes = [
        (s, LineChange(committed=-shipping.get(s.id, 0), fulfilled=shipping.get(s.id, 0)))
        for s in lines
    ]
    await _move_lines(uow, reservation, changes, StockEventType.FULFILLED)
    return await reservation_as_written(uow, reservation.id)


def _ships_out(line: ReservationLine, shipping: int) -> bool:
    """This shipment leaves nothing of the line to ship: no committed unit stays behind and
    none is still backordered or oversold (waiting for stock, or to be cancelled)."""
    return line.committed == shipping and not line.backordered and not line.oversold


async def _locked(uow: UnitOfWork, command: ReservationCommand) -> StoredReservation:
    """The reservation the command names, re-read once its stock levels are locked. A key
    bound to another channel is told it does not exist."""
    stored = await repository.find(uow.conn, command.reservation_id)
    if stored is None or not uow.principal.sees(stored.reservation.channel):
        raise ReservationNotFound(command.reservation_id)
    uow.principal.require_channel(stored.reservation.channel)
    await lock_levels(uow.conn, level_ids=sorted({line.level.id for line in stored.lines}))
    stored = await repository.find(uow.conn, command.reservation_id)
    if stored is None:
        raise ReservationNotFound(command.reservation_id)
    return stored


async def reservation_as_written(uow: UnitOfWork, reservation_id: str) -> Reservation:
    """The reservation as this transaction left it, as of its moment."""
    stored = await repository.find(uow.conn, reservation_id)
    if stored is None:
        raise ReservationNotFound(reservation_id)
    return as_of(stored.reservation, uow.now)


async def _move_lines(
    uow: UnitOfWork,
    reservation: Reservation,
    changes: list[tuple[StoredLine, LineChange]],
    event: StockEventType,
) -> None:
    """Moves units between a reservation's line counters and, in step, the counters of the
    stock level each line sits on: one ledger row per line that changed."""
    movements = []
    for stored, change in changes:
        if change.is_zero():
            continue
        moved = change.applied_to(stored.line)
        await repository.update_line(
            uow.conn,
            stored.id,
            reserved=moved.reserved,
            committed=moved.committed,
            fulfilled=moved.fulfilled,
            backordered=moved.backordered,
        )
        movements.append(
            Movement(
                stored.level,
                change.stock_movement(),
                event,
                StockReason.ORDER,
                reservation.order_ref,
            )
        )
    await uow.move(movements)


def _shipments(
    requested: tuple[RequestedLine, ...] | None, lines: list[StoredLine]
) -> dict[int, int]:
    """Units to ship per stored line: every committed unit, or the requested quantities taken
    from the matching lines in order."""
    if requested is None:
        return {stored.id: stored.line.committed for stored in lines}
    return _taken(requested, lines, "committed", lambda line: line.committed)


def _taken(
    requested: tuple[RequestedLine, ...],
    lines: list[StoredLine],
    what: str,
    units_of: Callable[[ReservationLine], int],
) -> dict[int, int]:
    """The requested quantities taken, per stored line, from the units `units_of` counts on
    the matching lines in order; more than there are is refused."""
    taken: dict[int, int] = {}
    for index, want in enumerate(requested):
        needed = want.quantity
        for stored in lines:
            if stored.line.sku != want.sku or (
                want.location and stored.line.location != want.location
            ):
                continue
            take = min(needed, units_of(stored.line) - taken.get(stored.id, 0))
            if take > 0:
                taken[stored.id] = taken.get(stored.id, 0) + take
                needed -= take
        if needed:
            raise InvalidQuantity(
                f"{want.sku}: {want.quantity} asked but only {want.quantity - needed} {what}",
                ("lines", str(index), "quantity"),
            )
    return taken

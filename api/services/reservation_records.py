"""A reservation's id and its state as of a moment."""

from __future__ import annotations

import secrets
from datetime import datetime

from api.services.document_ids import sortable_id
from domain.reservations import Reservation


def new_reservation_id(now: datetime) -> str:
    return sortable_id("r", now, 8)


class ReservationIds:
    """The ids of many reservations created at one moment: `new_reservation_id`'s, with
    the time formatted once and the random bytes drawn a batch at a time."""

    _BATCH = 64

    def __init__(self, now: datetime) -> None:
        self._prefix = sortable_id("r", now, 0)
        self._random: list[str] = []

    def next(self) -> str:
        if not self._random:
            drawn = secrets.token_hex(8 * self._BATCH)
            self._random = [drawn[start : start + 16] for start in range(0, len(drawn), 16)]
        return self._prefix + self._random.pop()


def as_of(reservation: Reservation, now: datetime) -> Reservation:
    status = reservation.status_at(now)
    if status is reservation.status:
        return reservation
    return Reservation(
        reservation.id,
        reservation.channel,
        reservation.order_ref,
        reservation.kind,
        status,
        reservation.expires_at,
        reservation.created_at,
        reservation.lines,
    )

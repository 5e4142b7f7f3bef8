"""A reservation's id and its state as of a moment."""

from __future__ import annotations

from datetime import datetime

from api.services.document_ids import sortable_id
from domain.reservations import Reservation


def new_reservation_id(now: datetime) -> str:
    return sortable_id("r", now, 8)


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

"""Which reservations count as expired: a pure SQL condition shared by reads and writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from api.database.tables import reservation_lines, reservations
from domain.reservations import ReservationStatus


def due_for_expiry(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Holds whose window has passed, swept or not yet."""
    return or_(
        and_(
            reservations.c.status == ReservationStatus.HELD.value,
            reservations.c.expires_at <= now,
        ),
        reservations.c.status == ReservationStatus.EXPIRED.value,
    )


def holding_units() -> ColumnElement[bool]:
    """Reservation lines that still tie up units of their level: held or backordered."""
    return or_(reservation_lines.c.reserved > 0, reservation_lines.c.backordered > 0)


def still_promising(now: datetime) -> ColumnElement[bool]:
    """Reservations whose units are still spoken for: live holds and placed orders."""
    return or_(
        reservations.c.status == ReservationStatus.COMMITTED.value,
        and_(
            reservations.c.status == ReservationStatus.HELD.value,
            reservations.c.expires_at > now,
        ),
    )

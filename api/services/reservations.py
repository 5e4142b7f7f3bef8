"""Reading reservations, and the sweeper that lets go of holds whose window has passed.
Changing them is the dispatcher's (api/handlers/holds.py, reservations.py, sales.py)."""

from __future__ import annotations

from api.clock import Clock, utc_now
from api.database import reservation_repository as repository
from api.database.engine import Database
from api.service_layer.dispatcher import Dispatcher
from api.services.expiry import SWEEPER
from api.services.reservation_records import as_of
from domain.access import Principal, Role
from domain.reservations import ExpireReservation, Reservation, ReservationStatus

SWEEPER_PRINCIPAL = Principal(SWEEPER, Role.ADMIN)


class ReservationService:
    def __init__(self, database: Database, dispatcher: Dispatcher, clock: Clock = utc_now) -> None:
        self._database = database
        self._dispatcher = dispatcher
        self._clock = clock

    async def expire_due(self, limit: int = 200) -> int:
        """One pass of the sweeper: expires up to `limit` due holds; returns how many."""
        async with self._database.read() as conn:
            due = await repository.due_ids(conn, self._clock(), limit)
        for reservation_id in due:
            await self._dispatcher.dispatch(ExpireReservation(reservation_id), SWEEPER_PRINCIPAL)
        return len(due)

    async def get(self, reservation_id: str, principal: Principal) -> Reservation | None:
        async with self._database.read() as conn:
            stored = await repository.find(conn, reservation_id)
        if stored is None or not principal.sees(stored.reservation.channel):
            return None
        return as_of(stored.reservation, self._clock())

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        channel: str | None,
        status: ReservationStatus | None,
        order_ref: str | None,
    ) -> tuple[list[Reservation], bool]:
        if principal.channel is not None:
            principal.require_channel(channel or principal.channel)
            channel = principal.channel
        now = self._clock()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(
                conn, first, after, channel, status, order_ref, now
            )
            found = await repository.find_many(conn, ids)
        return [as_of(stored.reservation, now) for stored in found], has_next

"""What a write transaction changed, noted where it is written and written down before commit.

`Database.transaction()` gives every write transaction a journal. The one place that writes a
kind of change notes it here (republishing notes each new face of a listing, the reservation
repository each reservation it inserts or moves), so nothing a transaction changes can be
missed, whatever path changed it. When the transaction's work is done, and before it commits,
the journal is written down: each channel's feeds take positions from their head rows (locked
until commit, so positions follow commit order) and keep the changes."""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import PendingRollbackError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import feed_repository, webhook_outbox
from api.database.reservation_snapshots import snapshot
from api.messages import availability_message
from domain.alerts import Alert
from domain.feeds import FeedPosition, FeedStream
from domain.publishing import ChannelAvailability
from domain.reservations import Reservation
from domain.stock import LedgerEntry

_KEY = "stockpool.change_journal"

Change = tuple[str, dict[str, Any]]
"""A feed entry's subject and payload."""


@dataclass(slots=True)
class Journal:
    availability: list[tuple[int, ChannelAvailability]] = field(default_factory=list)
    """(channel id, new face) of each listing whose published availability changed."""
    reservations: dict[str, tuple[int, Reservation] | None] = field(default_factory=dict)
    """Each reservation inserted or moved: as it became when the writer knows it whole, else
    None (read back before commit)."""
    ledger: list[LedgerEntry] = field(default_factory=list)
    """Every ledger row written (each stock level's new state), for the webhook outbox."""
    alerts: list[Alert] = field(default_factory=list)
    """Every alert raised, for the webhook outbox."""
    now: datetime | None = None
    cursors: dict[tuple[str, str, int], str] = field(default_factory=dict)
    """After it is written: the feed cursor of each (channel, SKU, version) it published."""

    def availability_changed(self, channel_id: int, value: ChannelAvailability) -> None:
        self.availability.append((channel_id, value))
        self._at(value.updated_at)

    def reservation_changed(self, reservation_id: str, now: datetime | None = None) -> None:
        self.reservations.setdefault(reservation_id, None)
        self._at(now)

    def reservation_is(self, channel_id: int, reservation: Reservation, now: datetime) -> None:
        """A reservation the writer holds whole, as it is at the end of the transaction."""
        self.reservations[reservation.id] = (channel_id, reservation)
        self._at(now)

    def stock_changed(self, entries: list[LedgerEntry]) -> None:
        self.ledger.extend(entries)
        if entries:
            self._at(entries[-1].created_at)

    def alert_raised(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self._at(alert.updated_at)

    def with_cursors(self, values: list[ChannelAvailability]) -> list[ChannelAvailability]:
        """The published values, each with the feed cursor it was written at."""
        return [
            replace(value, cursor=self.cursors.get((value.channel, value.sku, value.version)))
            for value in values
        ]

    def _at(self, now: datetime | None) -> None:
        if now is not None and (self.now is None or now > self.now):
            self.now = now

    async def write(self, conn: AsyncConnection) -> None:
        """Writes what the transaction changed into the channels' feeds, then into the
        webhook outbox (api/database/webhook_outbox.py)."""
        reservations = await self._reservations(conn)
        await self._write_feeds(conn, reservations)
        await webhook_outbox.write(conn, self, reservations)

    async def _write_feeds(
        self, conn: AsyncConnection, reservations: list[tuple[int, Reservation]]
    ) -> None:
        feeds: dict[tuple[int, FeedStream], list[Change]] = defaultdict(list)
        for channel_id, value in self.availability:
            feeds[channel_id, FeedStream.AVAILABILITY].append(
                (value.sku, availability_message(value))
            )
        for channel_id, reservation in reservations:
            feeds[channel_id, FeedStream.RESERVATIONS].append(
                (reservation.id, snapshot(reservation))
            )
        if not feeds:
            return
        last = await feed_repository.advance(conn, {feed: len(c) for feed, c in feeds.items()})
        entries: list[feed_repository.Entry] = []
        for feed, changes in feeds.items():
            first = last[feed] - len(changes) + 1
            entries.extend(
                (feed, first + offset, subject, payload)
                for offset, (subject, payload) in enumerate(changes)
            )
            if feed[1] is FeedStream.AVAILABILITY:
                self._remember_cursors(feed[0], first, changes)
        await feed_repository.append(conn, entries, self.now or datetime.now(UTC))

    async def _reservations(self, conn: AsyncConnection) -> list[tuple[int, Reservation]]:
        from api.database.reservation_repository import find_many  # it notes changes here

        unknown = [id_ for id_, known in self.reservations.items() if known is None]
        found = {stored.reservation.id: stored for stored in await find_many(conn, unknown)}
        whole = []
        for id_, known in self.reservations.items():
            if known is not None:
                whole.append(known)
            elif id_ in found:
                whole.append((found[id_].channel_id, found[id_].reservation))
        return whole

    def _remember_cursors(self, channel_id: int, first: int, changes: list[Change]) -> None:
        for offset, (sku, payload) in enumerate(changes):
            cursor = FeedPosition(FeedStream.AVAILABILITY, channel_id, first + offset).cursor
            self.cursors[payload["channel"], sku, payload["version"]] = cursor


def journal_of(conn: AsyncConnection) -> Journal:
    """The journal of the transaction running on `conn`. Outside `Database.transaction()`
    (a migration, a test writing rows directly) nothing is journaled."""
    found = conn.info.get(_KEY)
    return found if isinstance(found, Journal) else Journal()


def begin(conn: AsyncConnection) -> Journal:
    journal = Journal()
    conn.info[_KEY] = journal
    return journal


def end(conn: AsyncConnection) -> None:
    # A transaction cancelled mid-statement leaves the connection unusable until rollback,
    # info included: the journal goes with it, and the cancellation must not be masked.
    with suppress(PendingRollbackError):
        conn.info.pop(_KEY, None)

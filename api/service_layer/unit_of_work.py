"""The unit of work: one transaction for one command, the moment it happens (taken once),
who asked, and what it changed: ledger rows and alerts, which the follow-ups (republish, low
stock) read before commit and the bus carries after it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.change_journal import Journal, journal_of
from api.database.movements import Movement, apply_movements
from api.services.follow_ups import follow_ups
from domain.access import Principal
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.stock import LedgerEntry


@dataclass(slots=True)
class UnitOfWork:
    conn: AsyncConnection
    now: datetime
    principal: Principal
    idempotency_key: str | None = None
    entries: list[LedgerEntry] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    availability: list[ChannelAvailability] = field(default_factory=list)
    journal: Journal = field(init=False)

    def __post_init__(self) -> None:
        self.journal = journal_of(self.conn)

    @property
    def actor(self) -> str:
        return self.principal.actor

    def record(self, entries: list[LedgerEntry]) -> list[LedgerEntry]:
        """Ledger rows a handler wrote through a helper of its own; returns them."""
        self.entries.extend(entries)
        return entries

    def raised(self, *alerts: Alert) -> None:
        self.alerts.extend(alerts)

    def republished(self, availability: list[ChannelAvailability]) -> None:
        """Published availability a handler recomputed itself (a channel or listing changed)."""
        self.availability.extend(availability)

    async def move(self, movements: Iterable[Movement]) -> list[LedgerEntry]:
        """Applies counter movements (conditional UPDATEs, one ledger row each) as this
        command: its actor, its moment, its idempotency key."""
        return self.record(
            await apply_movements(self.conn, movements, self.actor, self.now, self.idempotency_key)
        )

    async def follow_up(self) -> None:
        """What the command's ledger rows move beyond their own levels, decided in the same
        transaction: the channels' published availability and LOW_STOCK alerts."""
        after = await follow_ups(self.conn, self.entries, self.now)
        self.availability.extend(after.availability)
        self.alerts.extend(after.alerts)

    def published(self) -> list[ChannelAvailability]:
        """After commit: the published availability it changed, each with its feed cursor."""
        return self.journal.with_cursors(self.availability)

"""What each subscription follows: which changes it covers and its current state.

A feed is built by the subscription's resolver after the access check; it reads its snapshot
as the system, so it must only be built for a caller that may see everything it covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from api.services.container import Services
from domain.access import Principal, Role
from domain.alerts import ACTIVE_STATUSES
from domain.stock import StockLevel
from schema.realtime.changes import (
    SKU_TOTALS,
    Change,
    alert_change,
    availability_change,
    stock_level_change,
)
from schema.realtime.totals import read_totals, totals_change

SYSTEM = Principal("realtime", Role.ADMIN)


class Feed(Protocol):
    topic: ClassVar[str]

    def covers(self, value: Any) -> bool: ...

    async def snapshot(self, services: Services) -> list[Change]:
        """The current value of everything the feed covers (empty for a pure event stream)."""
        ...


def _within(code: str, allowed: frozenset[str] | None) -> bool:
    return allowed is None or code in allowed


@dataclass(frozen=True, slots=True)
class AvailabilityFeed:
    channel: str
    skus: frozenset[str] | None = None
    after: str | None = None
    """A cursor of the channel's availability feed: catch up from it instead of a snapshot
    (schema/realtime/resume.py)."""
    topic: ClassVar[str] = AVAILABILITY

    def covers(self, value: Any) -> bool:
        return value.channel == self.channel and _within(value.sku, self.skus)

    async def head(self, services: Services) -> str:
        """The cursor of the channel's newest availability change: read before a snapshot,
        the snapshot and the changes after it miss nothing."""
        page = await services.feeds.availability(self.channel, None, 0, SYSTEM)
        return page.head_cursor

    async def snapshot(self, services: Services) -> list[Change]:
        if self.skus is None:
            listed = await services.listings.listed(self.channel, SYSTEM)
            found = [listing.availability for listing in listed]
        else:
            found = await services.listings.availability(self.channel, sorted(self.skus), SYSTEM)
        return [availability_change(availability) for availability in found]


@dataclass(frozen=True, slots=True)
class StockLevelFeed:
    skus: frozenset[str] | None = None
    locations: frozenset[str] | None = None
    topic: ClassVar[str] = STOCK_LEVELS

    def covers(self, value: Any) -> bool:
        return _within(value.sku, self.skus) and _within(value.location, self.locations)

    async def snapshot(self, services: Services) -> list[Change]:
        levels: list[StockLevel] = []
        if self.skus is not None:
            for sku in sorted(self.skus):
                levels += await services.queries.stock_levels(sku, None)
        elif self.locations is not None:
            for location in sorted(self.locations):
                levels += await services.queries.stock_levels(None, location)
        else:
            levels = await services.queries.stock_levels(None, None)
        return [stock_level_change(level) for level in levels if self.covers(level)]


@dataclass(frozen=True, slots=True)
class StockEventFeed:
    sku: str | None = None
    location: str | None = None
    topic: ClassVar[str] = STOCK_EVENTS

    def covers(self, value: Any) -> bool:
        return self.sku in (None, value.sku) and self.location in (None, value.location)

    async def snapshot(self, services: Services) -> list[Change]:
        # The ledger's past is read with the `stockEvents` query; this streams what is written.
        return []


@dataclass(frozen=True, slots=True)
class AlertFeed:
    topic: ClassVar[str] = ALERTS

    def covers(self, value: Any) -> bool:
        return True

    async def snapshot(self, services: Services) -> list[Change]:
        found = [
            alert
            for status in sorted(ACTIVE_STATUSES, key=lambda s: s.value)
            for alert in await services.alerts.list(status, SYSTEM)
        ]
        return [alert_change(alert) for alert in sorted(found, key=lambda a: a.id)]


@dataclass(frozen=True, slots=True)
class SkuTotalsFeed:
    skus: frozenset[str] | None = None
    topic: ClassVar[str] = SKU_TOTALS

    def covers(self, value: Any) -> bool:
        return self.wants(value.sku)

    def wants(self, sku: str) -> bool:
        return _within(sku, self.skus)

    async def snapshot(self, services: Services) -> list[Change]:
        skus = None if self.skus is None else sorted(self.skus)
        return [totals_change(totals) for totals in await read_totals(services, skus)]

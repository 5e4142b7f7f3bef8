"""Published availability: how many units of a SKU a channel may show, and why.

pool      = sum of available over the channel's locations (for a bundle: the whole sets its
            components' pools make, see domain/bundles.py; a bundle never backorders)
buffer    = max(safety units, ceil(pool * safety percent)), the percent raised to a live
            campaign's while one runs
sellable  = 0 if channel or listing paused, else clamp(pool - buffer, 0, cap)
published = sellable + a backorder allowance against unpromised incoming units, bounded by
            what is left of the listing's backorder limit after the channel's open
            backorders, the whole still within the cap
cap       = the listing's, and never above MAX_COUNTER: a pool summed over many locations
            may be larger than a client can read, so it publishes as "at least that many"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from domain.listings import BASIS_POINTS, Campaign, Listing, ListingStatus, SafetyRules
from domain.quantities import MAX_COUNTER, capped


class AvailabilityStatus(Enum):
    IN_STOCK = "IN_STOCK"
    LOW_STOCK = "LOW_STOCK"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    BACKORDER = "BACKORDER"


@dataclass(frozen=True, slots=True)
class ChannelPool:
    """The stock behind one SKU on one channel: summed over the locations it sells from."""

    available: int = 0
    incoming: int = 0
    """In transit or on order and not yet promised to a backorder."""
    expected_at: datetime | None = None
    """When the next unpromised incoming unit is due."""
    backordered: int = 0
    """Units this channel has already promised against incoming stock (open backorders)."""


@dataclass(frozen=True, slots=True)
class Published:
    quantity: int
    status: AvailabilityStatus
    sellable: int = 0
    """Of `quantity`, units on hand now."""
    backorderable: int = 0
    """Of `quantity`, units that may be promised against incoming stock."""
    promised_at: datetime | None = None
    pool: int = 0
    buffer: int = 0

    def same_face(self, quantity: int, status: AvailabilityStatus) -> bool:
        """What a client sees: a change of anything else does not move the version."""
        return self.quantity == quantity and self.status is status


NOTHING = Published(0, AvailabilityStatus.OUT_OF_STOCK)


@dataclass(frozen=True, slots=True)
class ChannelAvailability:
    """What one channel shows of one SKU, with a version that only grows: a client drops
    any update older than what it already shows."""

    sku: str
    channel: str
    external_sku: str
    published: int
    status: AvailabilityStatus
    version: int
    updated_at: datetime
    sellable: int = 0
    backorderable: int = 0
    promised_at: datetime | None = None
    cursor: str | None = None
    """The position of this change in the channel's availability feed, once it is written
    there; a reader resumes the feed after it."""

    def showing(
        self, published: Published, version: int | None = None, at: datetime | None = None
    ) -> ChannelAvailability:
        """The same listing showing `published`, under the version and moment given (by
        default its own: a read shows the figures of now under the last recorded change)."""
        return replace(
            self,
            published=published.quantity,
            status=published.status,
            sellable=published.sellable,
            backorderable=published.backorderable,
            promised_at=published.promised_at,
            version=self.version if version is None else version,
            updated_at=self.updated_at if at is None else at,
        )


@dataclass(frozen=True, slots=True)
class PublishedListing:
    """A listing as it stands: its rules, what it publishes, and what the channel's connector
    last reported the marketplace shows."""

    listing: Listing
    availability: ChannelAvailability
    reported_quantity: int | None = None
    reported_at: datetime | None = None


def safety_percent_now(listing: Listing | None, rules: SafetyRules, now: datetime) -> int:
    """Basis points of the pool held back at `now`: the listing's (or channel's) percent,
    raised to the highest live campaign's."""
    base = rules.safety_basis_points
    if listing is not None and listing.safety_basis_points is not None:
        base = listing.safety_basis_points
    campaigns = listing.campaigns if listing is not None else ()
    live = [c.safety_basis_points for c in campaigns if c.is_live(now)]
    return max([base, *live])


def buffer_for(pool: int, listing: Listing | None, rules: SafetyRules, now: datetime) -> int:
    units = rules.safety_units
    if listing is not None and listing.safety_units is not None:
        units = listing.safety_units
    basis_points = safety_percent_now(listing, rules, now)
    by_percent = -(-max(pool, 0) * basis_points // BASIS_POINTS)
    return max(units, by_percent)


def publish(
    pool: ChannelPool,
    listing: Listing | None,
    rules: SafetyRules,
    channel_active: bool,
    now: datetime,
) -> Published:
    """What the channel may show of the SKU. Without a listing the channel's defaults apply
    (no cap, no backorder); a removed listing is published as nothing."""
    if not channel_active or (listing is not None and listing.status is not ListingStatus.ACTIVE):
        return Published(0, AvailabilityStatus.OUT_OF_STOCK, pool=pool.available)
    buffer = buffer_for(pool.available, listing, rules, now)
    cap = MAX_COUNTER if listing is None or listing.cap is None else capped(listing.cap)
    sellable = min(max(pool.available - buffer, 0), cap)
    total = sellable
    if listing is not None and listing.allow_backorder:
        room = max(listing.backorder_limit - pool.backordered, 0)
        total = min(total + min(room, max(pool.incoming, 0)), cap)
    backorderable = total - sellable
    return Published(
        quantity=total,
        status=_status(sellable, total, rules.low_stock_threshold),
        sellable=sellable,
        backorderable=backorderable,
        promised_at=pool.expected_at if backorderable else None,
        pool=pool.available,
        buffer=buffer,
    )


def _status(sellable: int, total: int, low_stock_threshold: int) -> AvailabilityStatus:
    if total == 0:
        return AvailabilityStatus.OUT_OF_STOCK
    if sellable == 0:
        return AvailabilityStatus.BACKORDER
    if sellable <= low_stock_threshold:
        return AvailabilityStatus.LOW_STOCK
    return AvailabilityStatus.IN_STOCK


def next_campaign_change(campaigns: Iterable[Campaign], now: datetime) -> datetime | None:
    """The next moment a campaign starts or ends after `now`: the numbers change then, with
    nobody mutating anything."""
    upcoming = [moment for c in campaigns for moment in (c.starts_at, c.ends_at) if moment > now]
    return min(upcoming, default=None)

"""Listings: a SKU offered on a channel under the channel's own external SKU, with the rules
that decide how much of the pool the channel may show."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from domain.alerts import Alert
from domain.commands import Command
from domain.validation import Checks

if TYPE_CHECKING:
    # domain.publishing builds on listings: the answers of the listing commands are named
    # in quotes below (which the linter does not read), so this import is for mypy only.
    from domain.publishing import ChannelAvailability, PublishedListing  # noqa: F401

MAX_EXTERNAL_SKU_LENGTH = 64
MAX_CAMPAIGNS = 20
BASIS_POINTS = 10_000
"""Percentages are kept as basis points (1% = 100), so rounding never depends on floats."""


class ListingStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"


def percent_to_basis_points(percent: float) -> int:
    """A percent that is not a finite number maps to -1, which validation refuses."""
    basis_points = percent * 100
    if not math.isfinite(basis_points):
        return -1
    return round(basis_points)


def basis_points_to_percent(basis_points: int) -> float:
    return basis_points / 100


@dataclass(frozen=True, slots=True)
class Campaign:
    """A window (a flash sale such as 11.11) during which the buffer is raised to at least
    `safety_basis_points` of the pool."""

    starts_at: datetime
    ends_at: datetime
    safety_basis_points: int

    def is_live(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True, slots=True)
class SafetyRules:
    """A channel's defaults for the listings on it."""

    safety_units: int = 0
    safety_basis_points: int = 0
    low_stock_threshold: int = 0


DEFAULT_SAFETY = SafetyRules()


@dataclass(frozen=True, slots=True)
class Listing:
    sku: str
    channel: str
    external_sku: str
    status: ListingStatus = ListingStatus.ACTIVE
    safety_units: int | None = None
    """None: the channel's default."""
    safety_basis_points: int | None = None
    cap: int | None = None
    """Show at most this many; None: no cap."""
    allow_backorder: bool = False
    backorder_limit: int = 0
    campaigns: tuple[Campaign, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


def check_safety(
    checks: Checks, units: int | None, basis_points: int | None, prefix: str = ""
) -> None:
    if units is not None:
        checks.non_negative_quantity(units, f"{prefix}safetyUnits")
    if basis_points is not None:
        checks.within(basis_points, 0, BASIS_POINTS, f"{prefix}safetyPercent")


@dataclass(frozen=True, slots=True)
class UpsertListing(Command["PublishedListing"]):
    """Creates the listing of `sku` on `channel`, or replaces every setting of it."""

    channel: str
    sku: str
    external_sku: str
    status: ListingStatus = ListingStatus.ACTIVE
    safety_units: int | None = None
    safety_basis_points: int | None = None
    cap: int | None = None
    allow_backorder: bool = False
    backorder_limit: int = 0
    campaigns: tuple[Campaign, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        checks = Checks()
        self.check(checks)
        checks.raise_if_any()

    def check(self, checks: Checks, prefix: str = "") -> None:
        checks.code(self.channel, f"{prefix}channel")
        checks.code(self.sku, f"{prefix}sku")
        checks.text(self.external_sku, f"{prefix}externalSku", MAX_EXTERNAL_SKU_LENGTH)
        check_safety(checks, self.safety_units, self.safety_basis_points, prefix)
        if self.cap is not None:
            checks.non_negative_quantity(self.cap, f"{prefix}cap")
        checks.non_negative_quantity(self.backorder_limit, f"{prefix}backorderLimit")
        if self.backorder_limit and not self.allow_backorder:
            checks.invalid("backorderLimit needs allowBackorder", f"{prefix}backorderLimit")
        if len(self.campaigns) > MAX_CAMPAIGNS:
            checks.invalid(f"at most {MAX_CAMPAIGNS} campaigns", f"{prefix}campaigns")
        for index, campaign in enumerate(self.campaigns):
            where = f"{prefix}campaigns.{index}"
            if campaign.ends_at <= campaign.starts_at:
                checks.invalid("endsAt must be after startsAt", f"{where}.endsAt")
            checks.within(campaign.safety_basis_points, 0, BASIS_POINTS, f"{where}.safetyPercent")

    def as_listing(self) -> Listing:
        return Listing(
            sku=self.sku,
            channel=self.channel,
            external_sku=self.external_sku,
            status=self.status,
            safety_units=self.safety_units,
            safety_basis_points=self.safety_basis_points,
            cap=self.cap,
            allow_backorder=self.allow_backorder,
            backorder_limit=self.backorder_limit if self.allow_backorder else 0,
            campaigns=self.campaigns,
        )


@dataclass(frozen=True, slots=True)
class RemoveListing(Command["PublishedListing"]):
    channel: str
    sku: str

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.channel, "channel")
        checks.code(self.sku, "sku")
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class ImportListings(Command["list[PublishedListing]"]):
    """Upserts every row of a channel's listings CSV (domain/listing_csv.py), or none."""

    channel: str
    text: str

    def validate(self) -> None:
        """Nothing before the transaction: once the channel is found, the file's problems are
        refused together with those only the database can tell (unknown SKUs, external SKUs
        of other listings), each at its line."""


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What a connector reported against what stockpool publishes; `alert` is the DRIFT
    alert raised, or the one a match resolved."""

    availability: ChannelAvailability
    reported: int
    drift: bool
    alert: Alert | None


@dataclass(frozen=True, slots=True)
class ReportChannelQuantity(Command[DriftReport]):
    """What a marketplace shows right now, as its connector read it."""

    channel: str
    external_sku: str
    quantity: int

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.channel, "channel")
        checks.text(self.external_sku, "externalSku", MAX_EXTERNAL_SKU_LENGTH)
        checks.non_negative_quantity(self.quantity)
        checks.raise_if_any()

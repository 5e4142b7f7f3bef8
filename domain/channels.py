"""Sales channels: where they sell from and how a checkout's lines are routed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.connectors import (
    KEEP,
    NO_CONNECTOR,
    Connector,
    Keep,
    OutageFallback,
    check_connector_settings,
    updated_connector,
)
from domain.errors import InvalidValue
from domain.listings import DEFAULT_SAFETY, SafetyRules, check_safety
from domain.validation import MAX_NAME_LENGTH, Checks


class ChannelKind(Enum):
    WEBSTORE = "webstore"
    POS = "pos"
    MARKETPLACE = "marketplace"
    SOCIAL = "social"


class ChannelStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"


class RoutingPolicy(Enum):
    PRIORITY = "priority"
    """The channel's locations in the order it lists them."""
    MOST_AVAILABLE = "most_available"
    FEWEST_LOCATIONS = "fewest_locations"
    """Prefer one location that can serve every line, to avoid split shipments."""
    NEAREST = "nearest"
    """The nearest location to the request's destination that has the units."""


class SplitPolicy(Enum):
    NEVER = "never"
    """Each line comes whole from one location (lines may still differ in location)."""
    ALLOWED = "allowed"


@dataclass(frozen=True, slots=True)
class Channel:
    code: str
    name: str
    kind: ChannelKind
    status: ChannelStatus = ChannelStatus.ACTIVE
    routing: RoutingPolicy = RoutingPolicy.PRIORITY
    split: SplitPolicy = SplitPolicy.NEVER
    locations: tuple[str, ...] = ()
    safety: SafetyRules = DEFAULT_SAFETY
    sales_preempt_holds: bool = False
    """A sale on this channel that finds too few units takes them from other channels'
    unpaid holds (newest first) before anything is recorded as oversold."""
    connector: Connector = NO_CONNECTOR
    """Its connector's health settings and state (domain/connectors.py)."""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status is ChannelStatus.ACTIVE


def _check_rules(
    checks: Checks, units: int | None, basis_points: int | None, low_stock: int | None
) -> None:
    check_safety(checks, units, basis_points)
    if low_stock is not None:
        checks.non_negative_quantity(low_stock, "lowStockThreshold")


@dataclass(frozen=True, slots=True)
class CreateChannel(Command[Channel]):
    code: str
    name: str
    kind: ChannelKind
    status: ChannelStatus = ChannelStatus.ACTIVE
    routing: RoutingPolicy = RoutingPolicy.PRIORITY
    split: SplitPolicy = SplitPolicy.NEVER
    safety: SafetyRules = DEFAULT_SAFETY
    connector_timeout_seconds: int | None = None
    outage_fallback: OutageFallback | None = None
    outage_threshold: int | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.code, "code")
        checks.text(self.name, "name")
        _check_rules(
            checks,
            self.safety.safety_units,
            self.safety.safety_basis_points,
            self.safety.low_stock_threshold,
        )
        check_connector_settings(
            checks, self.connector_timeout_seconds, self.outage_fallback, self.outage_threshold
        )
        checks.raise_if_any()

    def as_channel(self, now: datetime) -> Channel:
        return Channel(
            self.code,
            self.name,
            self.kind,
            self.status,
            self.routing,
            self.split,
            safety=self.safety,
            connector=updated_connector(
                NO_CONNECTOR,
                now,
                self.connector_timeout_seconds,
                self.outage_fallback,
                self.outage_threshold,
            ),
        )


@dataclass(frozen=True, slots=True)
class UpdateChannel(Command[Channel]):
    code: str
    name: str | None = None
    kind: ChannelKind | None = None
    status: ChannelStatus | None = None
    routing: RoutingPolicy | None = None
    split: SplitPolicy | None = None
    safety_units: int | None = None
    safety_basis_points: int | None = None
    low_stock_threshold: int | None = None
    sales_preempt_holds: bool | None = None
    connector_timeout_seconds: int | Keep | None = KEEP
    """None turns connector monitoring off; KEEP leaves it as it is."""
    outage_fallback: OutageFallback | None = None
    outage_threshold: int | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.optional_text(self.name, "name", MAX_NAME_LENGTH)
        _check_rules(checks, self.safety_units, self.safety_basis_points, self.low_stock_threshold)
        check_connector_settings(
            checks, self.connector_timeout_seconds, self.outage_fallback, self.outage_threshold
        )
        checks.raise_if_any()

    def apply(self, channel: Channel, now: datetime) -> Channel:
        rules = channel.safety
        return Channel(
            code=channel.code,
            name=self.name if self.name is not None else channel.name,
            kind=self.kind if self.kind is not None else channel.kind,
            status=self.status if self.status is not None else channel.status,
            routing=self.routing if self.routing is not None else channel.routing,
            split=self.split if self.split is not None else channel.split,
            locations=channel.locations,
            safety=SafetyRules(
                _either(self.safety_units, rules.safety_units),
                _either(self.safety_basis_points, rules.safety_basis_points),
                _either(self.low_stock_threshold, rules.low_stock_threshold),
            ),
            sales_preempt_holds=_either_flag(self.sales_preempt_holds, channel.sales_preempt_holds),
            connector=updated_connector(
                channel.connector,
                now,
                self.connector_timeout_seconds,
                self.outage_fallback,
                self.outage_threshold,
            ),
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


def _either(given: int | None, current: int) -> int:
    return current if given is None else given


def _either_flag(given: bool | None, current: bool) -> bool:
    return current if given is None else given


MAX_CHANNEL_LOCATIONS = 200


@dataclass(frozen=True, slots=True)
class SetChannelLocations(Command[Channel]):
    """The ordered locations a channel sells from; the order is its routing priority."""

    channel: str
    locations: tuple[str, ...]

    def validate(self) -> None:
        checks = Checks()
        for index, code in enumerate(self.locations):
            checks.code(code, f"locations.{index}")
        if len(set(self.locations)) != len(self.locations):
            checks.add(InvalidValue("a location is listed twice", ("locations",)))
        if len(self.locations) > MAX_CHANNEL_LOCATIONS:
            checks.add(InvalidValue(f"at most {MAX_CHANNEL_LOCATIONS} locations", ("locations",)))
        checks.raise_if_any()

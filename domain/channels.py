"""Sales channels: where they sell from and how a checkout's lines are routed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.errors import InvalidValue
from domain.validation import Checks


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
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CreateChannel:
    code: str
    name: str
    kind: ChannelKind
    status: ChannelStatus = ChannelStatus.ACTIVE
    routing: RoutingPolicy = RoutingPolicy.PRIORITY
    split: SplitPolicy = SplitPolicy.NEVER

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.code, "code")
        checks.text(self.name, "name")
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class UpdateChannel:
    code: str
    name: str | None = None
    kind: ChannelKind | None = None
    status: ChannelStatus | None = None
    routing: RoutingPolicy | None = None
    split: SplitPolicy | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.optional_text(self.name, "name")
        checks.raise_if_any()

    def apply(self, channel: Channel) -> Channel:
        return Channel(
            code=channel.code,
            name=self.name if self.name is not None else channel.name,
            kind=self.kind if self.kind is not None else channel.kind,
            status=self.status if self.status is not None else channel.status,
            routing=self.routing if self.routing is not None else channel.routing,
            split=self.split if self.split is not None else channel.split,
            locations=channel.locations,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


MAX_CHANNEL_LOCATIONS = 200


@dataclass(frozen=True, slots=True)
class SetChannelLocations:
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

"""Connector health: whether a channel's connector (the partner integration that feeds a
marketplace, a till, an ERP) is alive, and what stockpool does while it is not.

A monitored channel (`timeout_seconds` set) whose connector sends nothing for longer than its
timeout goes DOWN; its outage fallback then protects the other channels from selling what the
silent marketplace may still sell (see `OutageFallback`). Any request made with one of the
channel's partner keys is a sign of life; the first one after an outage brings it back UP."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.channel_pools import NO_COVER, OutageCover
from domain.commands import Command
from domain.validation import Checks

MIN_TIMEOUT_SECONDS = 5
MAX_TIMEOUT_SECONDS = 86_400
"""A connector timeout lies between 5 seconds and one day."""


class OutageFallback(Enum):
    NONE = "none"
    """Only the CONNECTOR_DOWN alert."""
    HOLD_EXPOSURE = "hold_exposure"
    """What the channel published when it went down is held back from every other channel's
    pool until the connector is back and has reported its outage sales."""
    PAUSE_OTHER_LISTINGS_BELOW = "pause_other_listings_below"
    """While it is down, every other channel publishes 0 of a SKU the channel lists whose pool
    there is at or below the threshold."""


class ConnectorStatus(Enum):
    UP = "UP"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


class Keep(Enum):
    """An update that leaves a setting as it is (None there means: turn it off)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class Connector:
    """A channel's connector settings and what the monitor knows of it."""

    timeout_seconds: int | None = None
    """None: not monitored."""
    fallback: OutageFallback = OutageFallback.NONE
    threshold: int = 0
    """For PAUSE_OTHER_LISTINGS_BELOW: pools at or below this publish 0 elsewhere."""
    watched_since: datetime | None = None
    """When monitoring was turned on: silence is counted from here if never seen since."""
    last_seen_at: datetime | None = None
    heartbeat_at: datetime | None = None
    down_since: datetime | None = None
    back_at: datetime | None = None
    """When it came back from its last outage, while its exposure is still held."""

    @property
    def status(self) -> ConnectorStatus:
        if self.down_since is not None:
            return ConnectorStatus.DOWN
        if self.timeout_seconds is None or self.last_seen_at is None:
            return ConnectorStatus.UNKNOWN
        return ConnectorStatus.UP

    @property
    def silent_since(self) -> datetime | None:
        """The last sign of life, or when monitoring began if none came since."""
        moments = [m for m in (self.last_seen_at, self.watched_since) if m is not None]
        return max(moments) if moments else None

    def is_silent_past_timeout(self, now: datetime) -> bool:
        """Monitored, not already down, and nothing heard for longer than the timeout."""
        since = self.silent_since
        if self.timeout_seconds is None or self.down_since is not None or since is None:
            return False
        return now - since > timedelta(seconds=self.timeout_seconds)

    @property
    def is_seen_again(self) -> bool:
        """Down, but a sign of life came after it went down (seen by another worker)."""
        return (
            self.down_since is not None
            and self.last_seen_at is not None
            and self.last_seen_at > self.down_since
        )

    def lift_is_due(self, now: datetime) -> bool:
        """Back from an outage with its exposure still held, and either it has sent a
        heartbeat since (its outage sales are reported) or one more timeout has passed."""
        if self.back_at is None or self.down_since is not None:
            return False
        if self.heartbeat_at is not None and self.heartbeat_at >= self.back_at:
            return True
        return now - self.back_at >= timedelta(seconds=self.timeout_seconds or 0)


NO_CONNECTOR = Connector()


def check_connector_settings(
    checks: Checks,
    timeout_seconds: int | Keep | None,
    fallback: OutageFallback | None,
    threshold: int | None,
) -> None:
    """A timeout between 5 seconds and a day; a threshold never negative, and given only
    with PAUSE_OTHER_LISTINGS_BELOW."""
    if isinstance(timeout_seconds, int):
        checks.within(
            timeout_seconds, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, "connectorTimeoutSeconds"
        )
    if threshold is not None:
        checks.non_negative_quantity(threshold, "fallbackThreshold")
        if fallback not in (None, OutageFallback.PAUSE_OTHER_LISTINGS_BELOW):
            checks.invalid(
                "fallbackThreshold goes with outageFallback PAUSE_OTHER_LISTINGS_BELOW",
                "fallbackThreshold",
            )


def updated_connector(
    connector: Connector,
    now: datetime,
    timeout_seconds: int | Keep | None,
    fallback: OutageFallback | None,
    threshold: int | None,
) -> Connector:
    """The connector with the settings an update gives; turning monitoring on starts
    counting silence now."""
    timeout = connector.timeout_seconds if isinstance(timeout_seconds, Keep) else timeout_seconds
    watched = connector.watched_since
    if timeout is None:
        watched = None
    elif connector.timeout_seconds is None:
        watched = now
    chosen = connector.fallback if fallback is None else fallback
    return Connector(
        timeout_seconds=timeout,
        fallback=chosen,
        threshold=threshold if threshold is not None else connector.threshold,
        watched_since=watched,
        last_seen_at=connector.last_seen_at,
        heartbeat_at=connector.heartbeat_at,
        down_since=connector.down_since,
        back_at=connector.back_at,
    )


@dataclass(frozen=True, slots=True)
class ExposureHold:
    """Units of a SKU a silent channel may still sell, held back from every other channel."""

    channel: str
    sku: str
    units: int
    since: datetime


def exposure_by_leaf(
    published: Mapping[str, int], leaves_of: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    """What a channel shows, per stocked SKU: a bundle listing's units count as its leaves'
    (`leaves_of[bundle]`: units of each leaf per bundle); SKUs showing nothing are left out."""
    held: dict[str, int] = defaultdict(int)
    for sku, units in published.items():
        if units <= 0:
            continue
        for leaf, per_bundle in leaves_of.get(sku, {sku: 1}).items():
            held[leaf] += units * per_bundle
    return dict(held)


Pair = tuple[int, int]
"""(channel id, SKU id)"""


def outage_covers(
    wanted: Iterable[Pair],
    exposure: Iterable[tuple[int, int, int]],
    pauses: Iterable[tuple[int, int, int]],
) -> dict[Pair, OutageCover]:
    """Per (channel, SKU) wanted, what other channels' outages take from its pool:
    `exposure` rows (holding channel, SKU, units) are summed over the other channels,
    `pauses` rows (down channel, SKU it lists, threshold) give the highest threshold of the
    other channels. A channel's own outage never covers its own pool."""
    held: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for channel, sku, units in exposure:
        held[sku].append((channel, units))
    paused: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for channel, sku, threshold in pauses:
        paused[sku].append((channel, threshold))
    covers = {}
    for channel, sku in wanted:
        withheld = sum(units for other, units in held.get(sku, ()) if other != channel)
        thresholds = [t for other, t in paused.get(sku, ()) if other != channel]
        cover = OutageCover(withheld, max(thresholds) if thresholds else None)
        if cover != NO_COVER:
            covers[(channel, sku)] = cover
    return covers


@dataclass(frozen=True, slots=True)
class MarkConnectorDown(Command[bool]):
    """The monitor found the channel's connector silent past its timeout: answers whether
    this call took it down (another worker may have done it first)."""

    channel: str


@dataclass(frozen=True, slots=True)
class ConnectorBack(Command[bool]):
    """The channel's connector was seen (`seen_at`) after an outage: it comes back UP; with
    `lift`, its exposure holds are lifted too (it has reported its outage sales, or one more
    timeout has passed). Answers whether anything changed."""

    channel: str
    seen_at: datetime
    lift: bool = False

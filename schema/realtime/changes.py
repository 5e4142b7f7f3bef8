"""What a bus message says, decoded once per process (by api/messages.py) into a domain value
with what orders it: the key a newer value replaces and its version."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from api.messages import SHAPES
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.stock import LedgerEntry, StockLevel

SKU_TOTALS = "sku-totals"
"""Not a bus topic: per-SKU totals are derived in each process from `stock-levels`."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change, as every subscriber of this process will see it.

    `key` names what a newer change replaces (a listing, a stock level, an alert): a client
    that falls behind gets the newest value per key, and a value whose `version` is not above
    what a connection already has for its key is dropped. `key` is None for changes that each
    count (ledger rows): those are never replaced."""

    topic: str
    value: Any
    key: Hashable | None = None
    version: int = 0


def same_state(a: Any, b: Any) -> bool:
    """Whether two values show the same: a listing's value read from a snapshot and the
    change the group sent are the same whatever feed position each carries."""
    if isinstance(a, ChannelAvailability) and isinstance(b, ChannelAvailability):
        return replace(a, cursor=None) == replace(b, cursor=None)
    return bool(a == b)


def availability_change(found: ChannelAvailability) -> Change:
    return Change(AVAILABILITY, found, ("listing", found.channel, found.sku), found.version)


def stock_level_change(level: StockLevel) -> Change:
    return Change(STOCK_LEVELS, level, ("level", level.sku, level.location), level.version)


def stock_event_change(entry: LedgerEntry) -> Change:
    return Change(STOCK_EVENTS, entry)


def alert_change(alert: Alert) -> Change:
    # Alerts carry no version; every move of one (raise, repeat, acknowledge, resolve) sets
    # updated_at, so it orders the states of one alert.
    return Change(ALERTS, alert, ("alert", alert.id), _microseconds(alert.updated_at))


def _microseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


Decoder = Callable[[dict[str, Any]], Change]

_CHANGE_OF: dict[str, Callable[[Any], Change]] = {
    AVAILABILITY: availability_change,
    STOCK_LEVELS: stock_level_change,
    STOCK_EVENTS: stock_event_change,
    ALERTS: alert_change,
}


def _decoder(topic: str) -> Decoder:
    decode, change_of = SHAPES[topic].decode, _CHANGE_OF[topic]
    return lambda message: change_of(decode(message))


DECODERS: dict[str, Decoder] = {topic: _decoder(topic) for topic in _CHANGE_OF}
"""Every bus topic the hub follows, and how to read its messages (see api/messages.py)."""

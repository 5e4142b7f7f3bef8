"""What a bus message says, decoded once per process into a domain value with its ordering."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from domain.alerts import Alert, AlertStatus, AlertType
from domain.publishing import AvailabilityStatus, ChannelAvailability
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason

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


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _decode_availability(message: dict[str, Any]) -> ChannelAvailability:
    return ChannelAvailability(
        sku=message["sku"],
        channel=message["channel"],
        external_sku=message["externalSku"],
        published=message["published"],
        status=AvailabilityStatus(message["status"]),
        version=message["version"],
        updated_at=datetime.fromisoformat(message["updatedAt"]),
        sellable=message.get("sellable", 0),
        backorderable=message.get("backorderable", 0),
        promised_at=_time(message.get("promisedAt")),
    )


def _decode_stock_level(message: dict[str, Any]) -> StockLevel:
    return StockLevel(
        sku=message["sku"],
        location=message["location"],
        quantities=Quantities(**message["quantities"]),
        version=message["version"],
        updated_at=_time(message.get("updatedAt")),
    )


def _decode_stock_event(message: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=message["id"],
        sku=message["sku"],
        location=message["location"],
        type=StockEventType(message["type"]),
        reason=StockReason(message["reason"]),
        before=Quantities(**message["before"]),
        after=Quantities(**message["after"]),
        version=message["version"],
        actor=message["actor"],
        created_at=datetime.fromisoformat(message["createdAt"]),
        reference=message.get("reference"),
        idempotency_key=message.get("idempotencyKey"),
    )


def _decode_alert(message: dict[str, Any]) -> Alert:
    return Alert(
        id=message["id"],
        type=AlertType(message["type"]),
        status=AlertStatus(message["status"]),
        message=message["message"],
        occurrences=message["occurrences"],
        created_at=datetime.fromisoformat(message["createdAt"]),
        updated_at=datetime.fromisoformat(message["updatedAt"]),
        sku=message.get("sku"),
        channel=message.get("channel"),
        details=message.get("details") or {},
    )


Decoder = Callable[[dict[str, Any]], Change]

DECODERS: dict[str, Decoder] = {
    AVAILABILITY: lambda message: availability_change(_decode_availability(message)),
    STOCK_LEVELS: lambda message: stock_level_change(_decode_stock_level(message)),
    STOCK_EVENTS: lambda message: stock_event_change(_decode_stock_event(message)),
    ALERTS: lambda message: alert_change(_decode_alert(message)),
}
"""Every bus topic the hub follows, and how to read its messages (see api/messages.py)."""

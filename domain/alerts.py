"""Alerts: something an operator must look at, one open alert per cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from domain.commands import Command


class AlertType(Enum):
    OVERSELL = "OVERSELL"
    UNMAPPED_SKU = "UNMAPPED_SKU"
    DRIFT = "DRIFT"
    BACKORDER_SHORT = "BACKORDER_SHORT"
    LOW_STOCK = "LOW_STOCK"
    CONNECTOR_DOWN = "CONNECTOR_DOWN"
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"


class AlertStatus(Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


ACTIVE_STATUSES = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})


@dataclass(frozen=True, slots=True)
class AlertRaised:
    """What happened; alerts with the same cause while one is active are one alert."""

    type: AlertType
    cause: str
    message: str
    sku: str | None = None
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    type: AlertType
    status: AlertStatus
    message: str
    occurrences: int
    created_at: datetime
    updated_at: datetime
    sku: str | None = None
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AcknowledgeAlert(Command[Alert]):
    """Someone is on it: the alert stays active."""

    alert_id: int


@dataclass(frozen=True, slots=True)
class ResolveAlert(Command[Alert]):
    """It is over; the same cause later raises a new alert."""

    alert_id: int


def oversell_cause(channel: str, sku: str) -> str:
    return f"OVERSELL:{channel}:{sku}"


def oversell(channel: str, sku: str, order_ref: str, requested: int, oversold: int) -> AlertRaised:
    return AlertRaised(
        AlertType.OVERSELL,
        oversell_cause(channel, sku),
        f"{channel} sold {requested} of {sku} for order {order_ref}; {oversold} were not in stock",
        sku,
        channel,
        {"orderRef": order_ref, "requested": requested, "oversold": oversold},
    )


def unmapped(channel: str, external_sku: str) -> AlertRaised:
    return AlertRaised(
        AlertType.UNMAPPED_SKU,
        f"UNMAPPED_SKU:{channel}:{external_sku}",
        f"{channel} sent external SKU {external_sku!r}, which no listing maps",
        None,
        channel,
        {"externalSku": external_sku},
    )


def drift_cause(channel: str, sku: str) -> str:
    return f"DRIFT:{channel}:{sku}"


def drift(channel: str, sku: str, external_sku: str, reported: int, published: int) -> AlertRaised:
    return AlertRaised(
        AlertType.DRIFT,
        drift_cause(channel, sku),
        f"{channel} shows {reported} of {external_sku} ({sku}) but stockpool publishes {published}",
        sku,
        channel,
        {"externalSku": external_sku, "reported": reported, "published": published},
    )


def backorder_short_cause(sku: str, location: str) -> str:
    return f"BACKORDER_SHORT:{sku}:{location}"


def backorder_short(sku: str, location: str, promised: int, incoming: int) -> AlertRaised:
    return AlertRaised(
        AlertType.BACKORDER_SHORT,
        backorder_short_cause(sku, location),
        f"{promised} of {sku} at {location} are promised to backorders but only {incoming} "
        "are still in transit or on order",
        sku,
        None,
        {"location": location, "promised": promised, "incoming": incoming},
    )


def low_stock_cause(sku: str, location: str | None) -> str:
    return f"LOW_STOCK:{sku}:{location}" if location else f"LOW_STOCK:{sku}"


def low_stock(sku: str, location: str | None, available: int, reorder_point: int) -> AlertRaised:
    where = f" at {location}" if location else " over all locations"
    return AlertRaised(
        AlertType.LOW_STOCK,
        low_stock_cause(sku, location),
        f"{available} of {sku} available{where}, at or below its reorder point of {reorder_point}",
        sku,
        None,
        {"location": location, "available": available, "reorderPoint": reorder_point},
    )


def connector_down_cause(channel: str) -> str:
    return f"CONNECTOR_DOWN:{channel}"


def connector_down(
    channel: str, silent_since: datetime, timeout_seconds: int, fallback: str
) -> AlertRaised:
    return AlertRaised(
        AlertType.CONNECTOR_DOWN,
        connector_down_cause(channel),
        f"the connector of {channel} has sent nothing since {silent_since.isoformat()} "
        f"(timeout {timeout_seconds} s); outage fallback: {fallback}",
        None,
        channel,
        {
            "silentSince": silent_since.isoformat(),
            "timeoutSeconds": timeout_seconds,
            "fallback": fallback,
        },
    )

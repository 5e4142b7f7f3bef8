"""The JSON shape of what goes on the bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.stock import LedgerEntry, StockLevel


def stock_level_message(level: StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "location": level.location,
        "quantities": level.quantities.as_dict(),
        "version": level.version,
        "updatedAt": level.updated_at.isoformat() if level.updated_at else None,
    }


def stock_event_message(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "sku": entry.sku,
        "location": entry.location,
        "type": entry.type.value,
        "reason": entry.reason.value,
        "before": entry.before.as_dict(),
        "after": entry.after.as_dict(),
        "version": entry.version,
        "actor": entry.actor,
        "reference": entry.reference,
        "idempotencyKey": entry.idempotency_key,
        "createdAt": entry.created_at.isoformat(),
    }


def ledger_messages(entries: list[LedgerEntry]) -> list[tuple[str, dict[str, Any]]]:
    """What a committed transaction's ledger rows tell the bus: each level's new state, in
    ledger order, and the rows themselves."""
    messages = []
    for entry in entries:
        messages.append((STOCK_LEVELS, stock_level_message(entry.stock_level())))
        messages.append((STOCK_EVENTS, stock_event_message(entry)))
    return messages


def alert_message(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "type": alert.type.value,
        "status": alert.status.value,
        "message": alert.message,
        "sku": alert.sku,
        "channel": alert.channel,
        "details": alert.details,
        "occurrences": alert.occurrences,
        "createdAt": alert.created_at.isoformat(),
        "updatedAt": alert.updated_at.isoformat(),
    }


def availability_message(availability: ChannelAvailability) -> dict[str, Any]:
    return {
        "sku": availability.sku,
        "channel": availability.channel,
        "externalSku": availability.external_sku,
        "published": availability.published,
        "status": availability.status.value,
        "version": availability.version,
        "updatedAt": availability.updated_at.isoformat(),
        "sellable": availability.sellable,
        "backorderable": availability.backorderable,
        "promisedAt": availability.promised_at.isoformat() if availability.promised_at else None,
    }


def availability_messages(
    changes: list[ChannelAvailability],
) -> list[tuple[str, dict[str, Any]]]:
    return [(AVAILABILITY, availability_message(change)) for change in changes]


def committed_messages(
    entries: list[LedgerEntry],
    availability: list[ChannelAvailability],
    alerts: Sequence[Alert] = (),
) -> list[tuple[str, dict[str, Any]]]:
    """Everything a committed stock transaction tells the bus, in the order it happened."""
    return (
        ledger_messages(entries)
        + availability_messages(availability)
        + [(ALERTS, alert_message(alert)) for alert in alerts]
    )

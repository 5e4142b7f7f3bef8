"""The JSON shape of what goes on the bus."""

from __future__ import annotations

from typing import Any

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
        "createdAt": entry.created_at.isoformat(),
    }

"""Turning database rows into domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.catalogue import Location, LocationKind, Sku
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stockpool stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def quantities_from(row: Any, prefix: str = "") -> Quantities:
    mapping = row._mapping
    return Quantities(*(int(mapping[prefix + name]) for name in QUANTITY_NAMES))


def sku_from(row: Any) -> Sku:
    return Sku(
        code=row.code,
        name=row.name,
        barcode=row.barcode,
        attributes=dict(row.attributes or {}),
        active=bool(row.active),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def location_from(row: Any) -> Location:
    return Location(
        code=row.code,
        name=row.name,
        kind=LocationKind(row.kind),
        priority=row.priority,
        latitude=row.latitude,
        longitude=row.longitude,
        active=bool(row.active),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def stock_level_from(row: Any) -> StockLevel:
    return StockLevel(
        sku=row.sku,
        location=row.location,
        quantities=quantities_from(row),
        version=int(row.version),
        updated_at=aware(row.updated_at),
    )


def ledger_entry_from(row: Any) -> LedgerEntry:
    return LedgerEntry(
        id=int(row.id),
        sku=row.sku,
        location=row.location,
        type=StockEventType(row.type),
        reason=StockReason(row.reason),
        before=quantities_from(row, "before_"),
        after=quantities_from(row, "after_"),
        version=int(row.version),
        actor=row.actor,
        created_at=aware(row.created_at),
        reference=row.reference,
        idempotency_key=row.idempotency_key,
    )

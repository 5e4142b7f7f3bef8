"""Turning database rows into domain objects, and the rows some domain objects are written as
(one builder per table, for every path that inserts into it)."""

from __future__ import annotations

from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from domain.catalogue import Location, LocationKind, Sku
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.reservations import Reservation, ReservationLine
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason

if TYPE_CHECKING:  # movements reads rows with this module's decoders
    from api.database.movements import LevelRef


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
        created_at=row.created_at,
        updated_at=row.updated_at,
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
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def stock_level_from(row: Any) -> StockLevel:
    return StockLevel(
        sku=row.sku,
        location=row.location,
        quantities=quantities_from(row),
        version=int(row.version),
        updated_at=row.updated_at,
    )


LEDGER_COLUMNS: tuple[str, ...] = (
    "stock_level_id",
    "sku_id",
    "location_id",
    "type",
    "reason",
    "reference",
    "actor",
    "idempotency_key",
    "version",
    "created_at",
    *(f"before_{name}" for name in QUANTITY_NAMES),
    *(f"after_{name}" for name in QUANTITY_NAMES),
)
"""The columns of a stock_events row as `ledger_row` gives them (its id is the ledger's)."""
_counters = attrgetter(*QUANTITY_NAMES)  # every ledger row of every hold goes through here


def ledger_row(level: LevelRef, entry: LedgerEntry) -> tuple[Any, ...]:
    """A ledger entry on its stock level, as the values of LEDGER_COLUMNS."""
    return (
        level.id,
        level.sku_id,
        level.location_id,
        entry.type.value,
        entry.reason.value,
        entry.reference,
        entry.actor,
        entry.idempotency_key,
        entry.version,
        entry.created_at,
        *_counters(entry.before),
        *_counters(entry.after),
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
        created_at=row.created_at,
        reference=row.reference,
        idempotency_key=row.idempotency_key,
    )


RESERVATION_COLUMNS: tuple[str, ...] = (
    "id",
    "channel_id",
    "order_ref",
    "kind",
    "status",
    "expires_at",
    "created_at",
    "updated_at",
)


def reservation_row(reservation: Reservation, channel_id: int) -> tuple[Any, ...]:
    """A new reservation as the values of RESERVATION_COLUMNS."""
    return (
        reservation.id,
        channel_id,
        reservation.order_ref,
        reservation.kind.value,
        reservation.status.value,
        reservation.expires_at,
        reservation.created_at,
        reservation.created_at,
    )


RESERVATION_LINE_COLUMNS: tuple[str, ...] = (
    "reservation_id",
    "line_number",
    "stock_level_id",
    "sku_id",
    "location_id",
    "quantity",
    "reserved",
    "committed",
    "fulfilled",
    "oversold",
    "backordered",
    "promised_at",
)


def reservation_line_row(
    reservation_id: str, level: LevelRef, line: ReservationLine
) -> tuple[Any, ...]:
    """A new reservation line on its stock level as the values of RESERVATION_LINE_COLUMNS."""
    return (
        reservation_id,
        line.line_number,
        level.id,
        level.sku_id,
        level.location_id,
        line.quantity,
        line.reserved,
        line.committed,
        line.fulfilled,
        line.oversold,
        line.backordered,
        line.promised_at,
    )

"""The writes of a group-committed batch: one statement per table for the whole batch.

The statements are built once at import, so executing them costs no statement construction
and their cache keys are memoised; each runs as one executemany (one call into the driver)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.idempotency import IdempotencyRecord
from api.database.movements import LevelRef
from api.database.tables import (
    idempotency_keys,
    reservation_lines,
    reservations,
    stock_events,
    stock_levels,
)
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.reservations import Reservation, ReservationLine
from domain.stock import LedgerEntry

_update_level = (
    update(stock_levels)
    .where(
        stock_levels.c.id == bindparam("level_id"),
        stock_levels.c.version == bindparam("expected_version"),
    )
    .values(
        {name: bindparam(f"new_{name}") for name in QUANTITY_NAMES}
        | {"version": bindparam("new_version"), "updated_at": bindparam("new_updated_at")}
    )
)
_append_entries = insert(stock_events).returning(stock_events.c.id, sort_by_parameter_order=True)
_insert_reservations = insert(reservations)
_insert_lines = insert(reservation_lines)
_insert_keys = insert(idempotency_keys)
_find_keys = select(idempotency_keys).where(
    idempotency_keys.c.key.in_(bindparam("keys", expanding=True))
)


class LevelMoved(Exception):
    """A stock level's version was not the one the batch decided on: someone else changed it
    while the batch believed it held the level's lock. The batch must not commit."""


@dataclass(frozen=True, slots=True)
class LevelWrite:
    level_id: int
    expected_version: int
    quantities: Quantities
    version: int


async def write_levels(conn: AsyncConnection, writes: Sequence[LevelWrite], now: datetime) -> None:
    """Each level to its decided counters, only from the version the decision was made on;
    the CHECK constraints still refuse any counter below zero."""
    if not writes:
        return
    params = []
    for write in writes:
        values: dict[str, Any] = {
            "level_id": write.level_id,
            "expected_version": write.expected_version,
            "new_version": write.version,
            "new_updated_at": now,
        }
        for name in QUANTITY_NAMES:
            values[f"new_{name}"] = getattr(write.quantities, name)
        params.append(values)
    result = await conn.execute(_update_level, params)
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(writes):
        raise LevelMoved(f"{len(writes) - result.rowcount} stock level(s) moved under the batch")


async def append_entries(
    conn: AsyncConnection, rows: Sequence[tuple[LevelRef, LedgerEntry]]
) -> list[int]:
    """Writes the ledger rows in order; returns the ids the ledger gave them, in that order."""
    if not rows:
        return []
    params = []
    for level, entry in rows:
        values: dict[str, Any] = {
            "stock_level_id": level.id,
            "sku_id": level.sku_id,
            "location_id": level.location_id,
            "type": entry.type.value,
            "reason": entry.reason.value,
            "reference": entry.reference,
            "actor": entry.actor,
            "idempotency_key": entry.idempotency_key,
            "version": entry.version,
            "created_at": entry.created_at,
        }
        for name in QUANTITY_NAMES:
            values[f"before_{name}"] = getattr(entry.before, name)
            values[f"after_{name}"] = getattr(entry.after, name)
        params.append(values)
    result = await conn.execute(_append_entries, params)
    return [int(row[0]) for row in result]


async def insert_reservations(
    conn: AsyncConnection,
    placed: Sequence[tuple[Reservation, int, Sequence[tuple[LevelRef, ReservationLine]]]],
) -> None:
    """Each (reservation, its channel's id, its lines on their levels)."""
    if not placed:
        return
    await conn.execute(
        _insert_reservations,
        [
            {
                "id": reservation.id,
                "channel_id": channel_id,
                "order_ref": reservation.order_ref,
                "kind": reservation.kind.value,
                "status": reservation.status.value,
                "expires_at": reservation.expires_at,
                "created_at": reservation.created_at,
                "updated_at": reservation.created_at,
            }
            for reservation, channel_id, _ in placed
        ],
    )
    await conn.execute(
        _insert_lines,
        [
            {
                "reservation_id": reservation.id,
                "line_number": line.line_number,
                "stock_level_id": level.id,
                "sku_id": level.sku_id,
                "location_id": level.location_id,
                "quantity": line.quantity,
                "reserved": line.reserved,
                "committed": line.committed,
                "fulfilled": line.fulfilled,
                "oversold": line.oversold,
                "backordered": line.backordered,
                "promised_at": line.promised_at,
            }
            for reservation, _, lines in placed
            for level, line in lines
        ],
    )


async def find_keys(
    conn: AsyncConnection, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], IdempotencyRecord]:
    """The stored records of these (scope, key) pairs."""
    if not wanted:
        return {}
    rows = await conn.execute(_find_keys, {"keys": sorted({key for _, key in wanted})})
    return {
        (row.scope, row.key): IdempotencyRecord(row.operation, row.fingerprint, dict(row.result))
        for row in rows
        if (row.scope, row.key) in wanted
    }


async def store_keys(
    conn: AsyncConnection,
    records: Sequence[tuple[str, str, IdempotencyRecord]],
    now: datetime,
) -> None:
    """Each (scope, key, record); a key another transaction stored first is an IntegrityError."""
    if not records:
        return
    await conn.execute(
        _insert_keys,
        [
            {
                "scope": scope,
                "key": key,
                "operation": record.operation,
                "fingerprint": record.fingerprint,
                "result": record.result,
                "created_at": now,
            }
            for scope, key, record in records
        ],
    )

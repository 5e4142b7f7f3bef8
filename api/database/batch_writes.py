"""The writes of a group-committed batch: one statement per table for the whole batch.

Each runs as one executemany, handed to the driver as plain rows (api/database/driver_sql.py).
Per-row statement compilation was most of a batch's time before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.change_journal import journal_of
from api.database.driver_sql import DriverStatement
from api.database.idempotency import IdempotencyRecord
from api.database.movements import LevelRef
from api.database.rows import (
    LEDGER_COLUMNS,
    RESERVATION_COLUMNS,
    RESERVATION_LINE_COLUMNS,
    ledger_row,
    reservation_line_row,
    reservation_row,
)
from api.database.tables import (
    idempotency_keys,
    reservation_bundle_lines,
    reservation_lines,
    reservations,
    stock_events,
    stock_levels,
)
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.reservations import Reservation, ReservationLine
from domain.stock import LedgerEntry

_LEVEL_COLUMNS = (*QUANTITY_NAMES, "version", "updated_at")
_BUNDLE_LINE_COLUMNS = ("reservation_id", "line_number", "bundle_sku_id", "quantity")
_KEY_COLUMNS = ("scope", "key", "operation", "fingerprint", "result", "created_at")
_find_keys = select(idempotency_keys).where(
    idempotency_keys.c.key.in_(bindparam("keys", expanding=True))
)
_last_rowid = text("SELECT last_insert_rowid()")


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
    statement = DriverStatement.of(
        conn.dialect, stock_levels, "update", _LEVEL_COLUMNS, ("id", "version")
    )
    rows = [
        (
            *(getattr(write.quantities, name) for name in QUANTITY_NAMES),
            write.version,
            now,
            write.level_id,
            write.expected_version,
        )
        for write in writes
    ]
    changed = await statement.run(conn, rows)
    if conn.dialect.supports_sane_multi_rowcount and changed != len(writes):
        raise LevelMoved(f"{len(writes) - changed} stock level(s) moved under the batch")


async def append_entries(
    conn: AsyncConnection, rows: Sequence[tuple[LevelRef, LedgerEntry]]
) -> list[int]:
    """Writes the ledger rows in order; returns the ids the ledger gave them, in that order."""
    if not rows:
        return []
    journal_of(conn).stock_changed([entry for _, entry in rows])
    values = [ledger_row(level, entry) for level, entry in rows]
    if conn.dialect.name == "sqlite":
        # The one writer holds the database's write lock, so the rows just inserted got the
        # consecutive ids ending at the last one.
        await DriverStatement.of(conn.dialect, stock_events, "insert", LEDGER_COLUMNS).run(
            conn, values
        )
        last = int((await conn.execute(_last_rowid)).scalar_one())
        return list(range(last - len(values) + 1, last + 1))
    # Each row is the only one of its level at its version: that pair tells its id.
    returned = await DriverStatement.of(
        conn.dialect, stock_events, "insert", LEDGER_COLUMNS
    ).returning(conn, values, "id, stock_level_id, version")
    ids = {(int(level_id), int(version)): int(id_) for id_, level_id, version in returned}
    return [ids[(level.id, entry.version)] for level, entry in rows]


async def insert_reservations(
    conn: AsyncConnection,
    placed: Sequence[tuple[Reservation, int, Sequence[tuple[LevelRef, ReservationLine]]]],
) -> None:
    """Each (reservation, its channel's id, its lines on their levels)."""
    journal = journal_of(conn)
    for reservation, channel_id, _ in placed:
        journal.reservation_is(channel_id, reservation, reservation.created_at)
    if not placed:
        return
    await DriverStatement.of(conn.dialect, reservations, "insert", RESERVATION_COLUMNS).run(
        conn,
        [reservation_row(reservation, channel_id) for reservation, channel_id, _ in placed],
    )
    await DriverStatement.of(
        conn.dialect, reservation_lines, "insert", RESERVATION_LINE_COLUMNS
    ).run(
        conn,
        [
            reservation_line_row(reservation.id, level, line)
            for reservation, _, lines in placed
            for level, line in lines
        ],
    )


async def insert_bundle_lines(
    conn: AsyncConnection, lines: Sequence[tuple[str, int, int, int]]
) -> None:
    """Each (reservation id, line number, bundle SKU id, quantity): the request lines a
    reservation holds as a bundle's components."""
    if lines:
        await DriverStatement.of(
            conn.dialect, reservation_bundle_lines, "insert", _BUNDLE_LINE_COLUMNS
        ).run(conn, list(lines))


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
    await DriverStatement.of(conn.dialect, idempotency_keys, "insert", _KEY_COLUMNS).run(
        conn,
        [
            (scope, key, record.operation, record.fingerprint, record.result, now)
            for scope, key, record in records
        ],
    )

"""The writes of a group-committed batch: one statement per table for the whole batch.

Each runs as one executemany, handed to the driver as plain rows: the SQL text is built once
per dialect, and the values SQLAlchemy would convert (timestamps, JSON) are converted with
the column type's own bind processor, once per distinct value, so what lands in the table is
exactly what SQLAlchemy itself writes. Per-row statement compilation was most of a batch's
time before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.change_journal import journal_of
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
_append_entries = insert(stock_events).returning(stock_events.c.id, sort_by_parameter_order=True)
_find_keys = select(idempotency_keys).where(
    idempotency_keys.c.key.in_(bindparam("keys", expanding=True))
)
_last_rowid = text("SELECT last_insert_rowid()")


class _DriverStatement:
    """One INSERT or UPDATE as driver SQL for a dialect, with the bind processors of the
    columns whose values the driver cannot take as they are."""

    _cache: dict[tuple[str, str, str, tuple[str, ...]], _DriverStatement] = {}

    def __init__(self, sql: str, processors: list[Any]) -> None:
        self.sql = sql
        self.processors = processors

    @classmethod
    def of(
        cls,
        dialect: Dialect,
        table: Table,
        kind: str,
        columns: tuple[str, ...],
        where: tuple[str, ...] = (),
    ) -> _DriverStatement:
        key = (dialect.name, table.name, kind, columns + where)
        found = cls._cache.get(key)
        if found is None:
            marks = _placeholders(dialect.paramstyle, len(columns) + len(where))
            prepare = dialect.identifier_preparer
            names = [prepare.quote(name) for name in columns]
            if kind == "insert":
                sql = (
                    f"INSERT INTO {prepare.format_table(table)} ({', '.join(names)}) "
                    f"VALUES ({', '.join(marks[: len(columns)])})"
                )
            else:
                assignments = ", ".join(f"{n} = {m}" for n, m in zip(names, marks, strict=False))
                conditions = " AND ".join(
                    f"{prepare.quote(name)} = {mark}"
                    for name, mark in zip(where, marks[len(columns) :], strict=True)
                )
                sql = f"UPDATE {prepare.format_table(table)} SET {assignments} WHERE {conditions}"
            processors = [
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in columns + where
            ]
            found = cls._cache[key] = cls(sql, processors)
        return found

    async def run(self, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> int:
        converting = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if converting:
            memo: dict[tuple[int, Any], Any] = {}
            converted = []
            for row in rows:
                values = list(row)
                for index, process in converting:
                    value = values[index]
                    if value is not None:
                        try:
                            key = (index, value)
                            done = memo.get(key)
                            if done is None:
                                done = memo[key] = process(value)
                        except TypeError:  # unhashable (JSON)
                            done = process(value)
                        values[index] = done
                converted.append(tuple(values))
            rows = converted
        result = await conn.exec_driver_sql(self.sql, rows)
        return int(result.rowcount)


def _placeholders(paramstyle: str, count: int) -> list[str]:
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle == "numeric_dollar":
        return [f"${n}" for n in range(1, count + 1)]
    if paramstyle == "format":
        return ["%s"] * count
    raise NotImplementedError(f"parameter style {paramstyle}")


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
    statement = _DriverStatement.of(
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
        await _DriverStatement.of(conn.dialect, stock_events, "insert", LEDGER_COLUMNS).run(
            conn, values
        )
        last = int((await conn.execute(_last_rowid)).scalar_one())
        return list(range(last - len(values) + 1, last + 1))
    result = await conn.execute(
        _append_entries, [dict(zip(LEDGER_COLUMNS, row, strict=True)) for row in values]
    )
    return [int(row[0]) for row in result]


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
    await _DriverStatement.of(conn.dialect, reservations, "insert", RESERVATION_COLUMNS).run(
        conn,
        [reservation_row(reservation, channel_id) for reservation, channel_id, _ in placed],
    )
    await _DriverStatement.of(
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
        await _DriverStatement.of(
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
    await _DriverStatement.of(conn.dialect, idempotency_keys, "insert", _KEY_COLUMNS).run(
        conn,
        [
            (scope, key, record.operation, record.fingerprint, record.result, now)
            for scope, key, record in records
        ],
    )

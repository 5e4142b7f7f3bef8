"""Driver statements: the SQL text handed to the driver and the rows as it gets them, built
from the tables alone, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from api.database.driver_sql import DriverStatement
from api.database.tables import feed_entries, stock_levels

COLUMNS = ("channel_id", "stream", "position", "subject", "payload", "recorded_at")
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Recording:
    """Stands in for the connection: keeps what it was asked to run."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.calls: list[tuple[str, Any]] = []

    async def exec_driver_sql(self, sql: str, parameters: Any) -> Any:
        self.calls.append((sql, parameters))
        values = sql.partition(" VALUES ")[2]
        rows = len(parameters) if isinstance(parameters, list) else values.count("(")
        return type("Result", (), {"rowcount": rows})()


def rows(count: int) -> list[tuple[Any, ...]]:
    return [(7, "reservations", n, f"r{n}", {"n": n}, NOW) for n in range(1, count + 1)]


async def test_many_rows_on_postgresql_are_one_insert_with_a_values_list_per_row():
    conn = Recording(postgresql.asyncpg.dialect())
    statement = DriverStatement.of(conn.dialect, feed_entries, "insert", COLUMNS)
    assert await statement.run(conn, rows(3)) == 3  # type: ignore[arg-type]
    [(sql, parameters)] = conn.calls
    assert sql.endswith(
        "VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12), "
        "($13, $14, $15, $16, $17, $18)"
    )
    assert len(parameters) == 18 and parameters[:4] == (7, "reservations", 1, "r1")


async def test_on_sqlite_the_rows_go_as_one_executemany():
    conn = Recording(sqlite.pysqlite.dialect())
    statement = DriverStatement.of(conn.dialect, feed_entries, "insert", COLUMNS)
    await statement.run(conn, rows(3))  # type: ignore[arg-type]
    [(sql, parameters)] = conn.calls
    assert sql.count("?") == 6
    assert [row[:4] for row in parameters] == [(7, "reservations", n, f"r{n}") for n in (1, 2, 3)]


async def test_values_are_converted_by_their_column_type_json_per_row_and_none_kept():
    conn = Recording(sqlite.pysqlite.dialect())
    statement = DriverStatement.of(conn.dialect, feed_entries, "insert", COLUMNS)
    given = [*rows(2), (7, "reservations", 3, "r3", {"n": 3}, None)]
    await statement.run(conn, given)  # type: ignore[arg-type]
    [(_, parameters)] = conn.calls
    process = feed_entries.c.recorded_at.type.dialect_impl(conn.dialect).bind_processor(
        conn.dialect
    )
    expected_time = process(NOW) if process is not None else NOW
    assert [row[4] for row in parameters] == ['{"n": 1}', '{"n": 2}', '{"n": 3}']
    assert [row[5] for row in parameters] == [expected_time, expected_time, None]


async def test_an_update_of_many_rows_on_postgresql_joins_one_typed_values_list():
    conn = Recording(postgresql.asyncpg.dialect())
    statement = DriverStatement.of(
        conn.dialect, stock_levels, "update", ("on_hand",), ("id", "version")
    )
    await statement.run(conn, [(5, 1, 0), (6, 2, 0)])  # type: ignore[arg-type]
    [(sql, parameters)] = conn.calls
    assert sql == (
        "UPDATE stock_levels SET on_hand = v.v0 FROM (VALUES ($1::BIGINT, $2::BIGINT, "
        "$3::BIGINT), ($4::BIGINT, $5::BIGINT, $6::BIGINT)) AS v(v0, v1, v2) "
        "WHERE stock_levels.id = v.v1 AND stock_levels.version = v.v2"
    )
    assert parameters == (5, 1, 0, 6, 2, 0)


async def test_one_row_is_a_plain_statement():
    conn = Recording(postgresql.asyncpg.dialect())
    statement = DriverStatement.of(
        conn.dialect, stock_levels, "update", ("on_hand",), ("id", "version")
    )
    await statement.run(conn, [(5, 1, 0)])  # type: ignore[arg-type]
    [(sql, parameters)] = conn.calls
    assert sql.endswith("WHERE id = $2 AND version = $3") and parameters == [(5, 1, 0)]

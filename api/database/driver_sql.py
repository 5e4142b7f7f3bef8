"""Statements handed to the driver as SQL text and plain rows: built once per dialect, table
and columns, then cached. The values SQLAlchemy would convert (timestamps, JSON) are converted
with the column type's own bind processor, once per distinct value, so what lands in the
table is exactly what SQLAlchemy itself writes, without compiling a statement per call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

_MAX_PARAMETERS = 30_000
"""PostgreSQL takes at most 32,767 parameters in one statement."""


class DriverStatement:
    """One INSERT or UPDATE as driver SQL for a dialect, with the bind processors of the
    columns whose values the driver cannot take as they are (built once, then cached).

    On PostgreSQL many rows are one statement: an INSERT with a VALUES list per row, an
    UPDATE joined to one; one round trip, where asyncpg's executemany is one per row (the
    text is cached per number of rows). SQLite runs in process: executemany is its fastest
    way."""

    _cache: dict[tuple[str, str, str, tuple[str, ...]], DriverStatement] = {}

    def __init__(
        self,
        sql: str,
        converting: list[tuple[int, Any, bool]],
        multirow: _Multirow | None = None,
    ) -> None:
        self.sql = sql
        self.converting = converting
        """(column index, bind processor, whether its values can be remembered by value)"""
        self._multirow = multirow
        """On a database where many rows go in one statement: how it is written."""
        self._texts: dict[int, str] = {}

    @classmethod
    def of(
        cls,
        dialect: Dialect,
        table: Table,
        kind: str,
        columns: tuple[str, ...],
        where: tuple[str, ...] = (),
    ) -> DriverStatement:
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
            types = [table.c[name].type for name in columns + where]
            processors = [t.dialect_impl(dialect).bind_processor(dialect) for t in types]
            converting = [
                (index, process, not isinstance(types[index], JSON))
                for index, process in enumerate(processors)
                if process is not None
            ]
            multirow = None
            if dialect.name == "postgresql":
                multirow = _Multirow.of(dialect, table, kind, columns, where)
            found = cls._cache[key] = cls(sql, converting, multirow)
        return found

    async def run(self, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> int:
        if self.converting and rows:
            rows = self._converted(rows)
        if self._multirow is None or len(rows) < 2:
            result = await conn.exec_driver_sql(self.sql, rows)
            return int(result.rowcount)
        changed = 0
        for chunk in self._chunks(rows):
            result = await conn.exec_driver_sql(self._text(len(chunk)), _flat(chunk))
            changed += int(result.rowcount)
        return changed

    async def returning(
        self, conn: AsyncConnection, rows: list[tuple[Any, ...]], columns: str
    ) -> list[tuple[Any, ...]]:
        """Inserts the rows and returns `columns` (SQL text) of each inserted row, in no
        promised order; on PostgreSQL only."""
        if self._multirow is None or self._multirow.tail:
            raise NotImplementedError("RETURNING of many rows is built for PostgreSQL's INSERT")
        if self.converting and rows:
            rows = self._converted(rows)
        found: list[tuple[Any, ...]] = []
        for chunk in self._chunks(rows):
            sql = f"{self._text(len(chunk))} RETURNING {columns}"
            found.extend(tuple(row) for row in await conn.exec_driver_sql(sql, _flat(chunk)))
        return found

    def _chunks(self, rows: list[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
        assert self._multirow is not None
        size = max(1, _MAX_PARAMETERS // len(self._multirow.casts))
        return [rows[start : start + size] for start in range(0, len(rows), size)]

    def _text(self, count: int) -> str:
        """The statement of `count` rows in one VALUES list."""
        found = self._texts.get(count)
        if found is None:
            assert self._multirow is not None
            found = self._texts[count] = self._multirow.text(count)
        return found

    def _converted(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows with each converting column's values converted, column by column; a
        timestamp or an enum the batch repeats is converted once."""
        columns: list[Any] = list(zip(*rows, strict=True))
        for index, process, by_value in self.converting:
            if by_value:
                memo: dict[Any, Any] = {None: None}
                for value in set(columns[index]) - memo.keys():
                    memo[value] = process(value)
                columns[index] = [memo[value] for value in columns[index]]
            else:
                columns[index] = [None if v is None else process(v) for v in columns[index]]
        return list(zip(*columns, strict=True))


@dataclass(frozen=True, slots=True)
class _Multirow:
    """Many rows in one statement: an INSERT with a VALUES list per row, or an UPDATE
    joined to such a list (its parameters cast: a VALUES list alone has no column types)."""

    head: str
    tail: str
    casts: tuple[str, ...]
    """Per column of a row, what follows its parameter ("" or "::TYPE")."""
    paramstyle: str

    @classmethod
    def of(
        cls,
        dialect: Dialect,
        table: Table,
        kind: str,
        columns: tuple[str, ...],
        where: tuple[str, ...],
    ) -> _Multirow:
        prepare = dialect.identifier_preparer
        name = prepare.format_table(table)
        quoted = [prepare.quote(column) for column in columns]
        if kind == "insert":
            head = f"INSERT INTO {name} ({', '.join(quoted)}) VALUES "
            return cls(head, "", ("",) * len(columns), dialect.paramstyle)
        every = columns + where
        aliases = [f"v{n}" for n in range(len(every))]
        assignments = ", ".join(f"{q} = v.{a}" for q, a in zip(quoted, aliases, strict=False))
        conditions = " AND ".join(
            f"{name}.{prepare.quote(column)} = v.{alias}"
            for column, alias in zip(where, aliases[len(columns) :], strict=True)
        )
        casts = tuple(f"::{table.c[column].type.compile(dialect=dialect)}" for column in every)
        return cls(
            f"UPDATE {name} SET {assignments} FROM (VALUES ",
            f") AS v({', '.join(aliases)}) WHERE {conditions}",
            casts,
            dialect.paramstyle,
        )

    def text(self, count: int) -> str:
        width = len(self.casts)
        marks = _placeholders(self.paramstyle, width * count)
        rows = ", ".join(
            "("
            + ", ".join(
                mark + cast for mark, cast in zip(marks[n * width :], self.casts, strict=False)
            )
            + ")"
            for n in range(count)
        )
        return self.head + rows + self.tail


def _flat(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(value for row in rows for value in row)


def _placeholders(paramstyle: str, count: int) -> list[str]:
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle == "numeric_dollar":
        return [f"${n}" for n in range(1, count + 1)]
    if paramstyle == "format":
        return ["%s"] * count
    raise NotImplementedError(f"parameter style {paramstyle}")

"""Statements handed to the driver as SQL text and plain rows: built once per dialect, table
and columns, then cached. The values SQLAlchemy would convert (timestamps, JSON) are converted
with the column type's own bind processor, once per distinct value, so what lands in the
table is exactly what SQLAlchemy itself writes, without compiling a statement per call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


class DriverStatement:
    """One INSERT or UPDATE as driver SQL for a dialect, with the bind processors of the
    columns whose values the driver cannot take as they are (built once, then cached)."""

    _cache: dict[tuple[str, str, str, tuple[str, ...]], DriverStatement] = {}

    def __init__(self, sql: str, converting: list[tuple[int, Any, bool]]) -> None:
        self.sql = sql
        self.converting = converting
        """(column index, bind processor, whether its values can be remembered by value)"""

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
            found = cls._cache[key] = cls(sql, converting)
        return found

    async def run(self, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> int:
        if self.converting and rows:
            rows = self._converted(rows)
        result = await conn.exec_driver_sql(self.sql, rows)
        return int(result.rowcount)

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


def _placeholders(paramstyle: str, count: int) -> list[str]:
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle == "numeric_dollar":
        return [f"${n}" for n in range(1, count + 1)]
    if paramstyle == "format":
        return ["%s"] * count
    raise NotImplementedError(f"parameter style {paramstyle}")

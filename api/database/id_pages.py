"""Paging lists of reservations and stock documents, whose ids sort by creation time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncConnection


async def newest_ids(
    conn: AsyncConnection,
    query: Select[Any],
    id_column: ColumnElement[str],
    first: int,
    after: str | None,
) -> tuple[list[str], bool]:
    """Up to `first` ids of `query`'s rows, newest first, after the cursor `after` (the last
    id of the previous page), and whether more follow."""
    query = query.order_by(id_column.desc()).limit(first + 1)
    if after is not None:
        query = query.where(id_column < after)
    rows = (await conn.execute(query)).all()
    return [row.id for row in rows[:first]], len(rows) > first

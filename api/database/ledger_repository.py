"""The append-only ledger of stock events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.rows import LEDGER_COLUMNS, ledger_entry_from, ledger_row
from api.database.tables import locations, skus, stock_events
from domain.stock import LedgerEntry

if TYPE_CHECKING:  # movements writes through this module
    from api.database.movements import LevelRef

_entries_with_codes = (
    select(stock_events, skus.c.code.label("sku"), locations.c.code.label("location"))
    .join(skus, skus.c.id == stock_events.c.sku_id)
    .join(locations, locations.c.id == stock_events.c.location_id)
)


async def append(conn: AsyncConnection, level: LevelRef, entry: LedgerEntry) -> int:
    """Writes the entry (its `id` is ignored) and returns the id the ledger gave it."""
    values = dict(zip(LEDGER_COLUMNS, ledger_row(level, entry), strict=True))
    result = await conn.execute(insert(stock_events).values(values).returning(stock_events.c.id))
    return int(result.scalar_one())


async def entries_by_id(conn: AsyncConnection, ids: Sequence[int]) -> list[LedgerEntry]:
    rows = await conn.execute(
        _entries_with_codes.where(stock_events.c.id.in_(ids)).order_by(stock_events.c.id)
    )
    return [ledger_entry_from(row) for row in rows]


async def page(
    conn: AsyncConnection,
    first: int,
    before_id: int | None,
    sku: str | None,
    location: str | None,
) -> tuple[list[LedgerEntry], bool]:
    """Newest first; `before_id` continues after the last entry of the previous page."""
    query = _entries_with_codes.order_by(stock_events.c.id.desc()).limit(first + 1)
    if before_id is not None:
        query = query.where(stock_events.c.id < before_id)
    if sku is not None:
        query = query.where(skus.c.code == sku)
    if location is not None:
        query = query.where(locations.c.code == location)
    rows = (await conn.execute(query)).all()
    return [ledger_entry_from(row) for row in rows[:first]], len(rows) > first


async def stream_all(conn: AsyncConnection, chunk: int = 5_000) -> AsyncIterator[LedgerEntry]:
    """Every entry in ledger order, read in chunks so the whole ledger never sits in memory."""
    last_id = 0
    while True:
        rows = (
            await conn.execute(
                _entries_with_codes.where(stock_events.c.id > last_id)
                .order_by(stock_events.c.id)
                .limit(chunk)
            )
        ).all()
        for row in rows:
            yield ledger_entry_from(row)
        if len(rows) < chunk:
            return
        last_id = int(rows[-1].id)

"""Cycle counts and their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.documents import (
    Documents,
    Row,
    at_location,
    at_location_filters,
    levels_by_sku,
    line_ids_by_sku,
    per_document,
)
from api.database.movements import LevelRef
from api.database.tables import cycle_count_lines, cycle_counts
from domain.cycle_counts import CountLine, CountStatus, CycleCount


@dataclass(frozen=True, slots=True)
class StoredCount:
    count: CycleCount
    levels: dict[str, LevelRef]
    """The stock level each line counts, by SKU."""
    line_ids: dict[str, int]


def _stored_from(row: Row, lines: list[Row]) -> StoredCount:
    return StoredCount(
        _count_from(row, lines),
        levels_by_sku(lines, "stock_level_id", row.location_id, row.location),
        line_ids_by_sku(lines),
    )


_counts = Documents(
    cycle_counts,
    at_location(cycle_counts),
    cycle_count_lines,
    "count_id",
    per_document(_stored_from),
)
find = _counts.find
find_many = _counts.find_many


async def insert_count(
    conn: AsyncConnection, count: CycleCount, location_id: int, levels: dict[str, LevelRef]
) -> None:
    await _counts.insert(
        conn,
        count,
        {"location_id": location_id, "reference": count.reference},
        [
            {
                "line_number": line.line_number,
                "sku_id": levels[line.sku].sku_id,
                "stock_level_id": levels[line.sku].id,
            }
            for line in count.lines
        ],
    )


async def open_counts_on(conn: AsyncConnection, level_ids: list[int]) -> dict[int, str]:
    """The open count each of these levels is in, if any, by level id."""
    rows = await conn.execute(
        select(cycle_count_lines.c.stock_level_id, cycle_counts.c.id)
        .join(cycle_counts, cycle_counts.c.id == cycle_count_lines.c.count_id)
        .where(
            cycle_count_lines.c.stock_level_id.in_(level_ids),
            cycle_counts.c.status == CountStatus.OPEN.value,
        )
    )
    return {int(row.stock_level_id): row.id for row in rows}


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: CountStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Count ids, newest first (ids sort by creation)."""
    return await _counts.page(
        conn, first, after, *at_location_filters(cycle_counts, status, location)
    )


async def record_line(
    conn: AsyncConnection, line_id: int, expected: int, counted: int, now: datetime
) -> None:
    await conn.execute(
        update(cycle_count_lines)
        .where(cycle_count_lines.c.id == line_id)
        .values(expected=expected, counted=counted, recorded_at=now)
    )


async def settle_line(conn: AsyncConnection, line_id: int, adjusted: int, unresolved: int) -> None:
    await conn.execute(
        update(cycle_count_lines)
        .where(cycle_count_lines.c.id == line_id)
        .values(adjusted=adjusted, unresolved=unresolved)
    )


async def set_status(
    conn: AsyncConnection, count_id: str, status: CountStatus, now: datetime
) -> None:
    completed = {"completed_at": now} if status is CountStatus.COMPLETED else {}
    await _counts.set_status(conn, count_id, status, now, **completed)


def _count_from(row: Row, lines: list[Row]) -> CycleCount:
    return CycleCount(
        id=row.id,
        location=row.location,
        status=CountStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        reference=row.reference,
        lines=tuple(
            CountLine(
                line.line_number,
                line.sku,
                line.expected,
                line.counted,
                line.recorded_at,
                line.adjusted,
                line.unresolved,
            )
            for line in lines
        ),
    )

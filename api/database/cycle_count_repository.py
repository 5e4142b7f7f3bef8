"""Cycle counts and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.rows import aware
from api.database.tables import cycle_count_lines, cycle_counts, locations, skus
from domain.cycle_counts import CountLine, CountStatus, CycleCount


@dataclass(frozen=True, slots=True)
class StoredCount:
    count: CycleCount
    levels: dict[str, LevelRef]
    """The stock level each line counts, by SKU."""
    line_ids: dict[str, int]


async def insert_count(
    conn: AsyncConnection, count: CycleCount, location_id: int, levels: dict[str, LevelRef]
) -> None:
    await conn.execute(
        insert(cycle_counts).values(
            id=count.id,
            location_id=location_id,
            reference=count.reference,
            status=count.status.value,
            created_at=count.created_at,
            updated_at=count.updated_at,
        )
    )
    await conn.execute(
        insert(cycle_count_lines),
        [
            {
                "count_id": count.id,
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


_header = select(cycle_counts, locations.c.code.label("location")).join(
    locations, locations.c.id == cycle_counts.c.location_id
)


async def find(
    conn: AsyncConnection, count_id: str, for_update: bool = False
) -> StoredCount | None:
    query = _header.where(cycle_counts.c.id == count_id)
    if for_update:
        query = query.with_for_update(of=cycle_counts)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    lines = (
        await conn.execute(
            select(cycle_count_lines, skus.c.code.label("sku"))
            .join(skus, skus.c.id == cycle_count_lines.c.sku_id)
            .where(cycle_count_lines.c.count_id == count_id)
            .order_by(cycle_count_lines.c.line_number)
        )
    ).all()
    return StoredCount(
        _count_from(row, lines),
        {
            line.sku: LevelRef(
                line.stock_level_id, line.sku_id, row.location_id, line.sku, row.location
            )
            for line in lines
        },
        {line.sku: int(line.id) for line in lines},
    )


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: CountStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Count ids, newest first (ids sort by creation)."""
    query = _header
    if status is not None:
        query = query.where(cycle_counts.c.status == status.value)
    if location is not None:
        query = query.where(locations.c.code == location)
    return await newest_ids(conn, query, cycle_counts.c.id, first, after)


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
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is CountStatus.COMPLETED:
        values["completed_at"] = now
    await conn.execute(update(cycle_counts).where(cycle_counts.c.id == count_id).values(values))


def _count_from(row: Any, lines: Sequence[Any]) -> CycleCount:
    return CycleCount(
        id=row.id,
        location=row.location,
        status=CountStatus(row.status),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        completed_at=aware(row.completed_at) if row.completed_at is not None else None,
        reference=row.reference,
        lines=tuple(
            CountLine(
                line.line_number,
                line.sku,
                line.expected,
                line.counted,
                aware(line.recorded_at) if line.recorded_at is not None else None,
                line.adjusted,
                line.unresolved,
            )
            for line in lines
        ),
    )

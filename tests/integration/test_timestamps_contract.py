"""Every moment is stored in UTC and read back as an aware UTC datetime, on SQLite (which has
no time zone type) as on PostgreSQL; a naive datetime is refused before it is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from api.database.tables import locations

PLUS_EIGHT = timezone(timedelta(hours=8))


def location(code: str, created_at: datetime) -> dict[str, object]:
    return {
        "code": code,
        "name": code,
        "kind": "warehouse",
        "priority": 1,
        "active": True,
        "created_at": created_at,
        "updated_at": created_at,
    }


async def test_moments_are_stored_and_compared_as_instants_in_utc(database):
    async with database.transaction() as conn:
        await conn.execute(
            insert(locations),
            [
                location("EAST", datetime(2026, 12, 10, 9, tzinfo=PLUS_EIGHT)),
                location("WEST", datetime(2026, 12, 10, 2, tzinfo=UTC)),
            ],
        )
    async with database.read() as conn:
        rows = await conn.execute(
            select(locations.c.code, locations.c.created_at).order_by(locations.c.created_at)
        )
        found = [(row.code, row.created_at) for row in rows]
        later = await conn.execute(
            select(locations.c.code).where(
                locations.c.created_at > datetime(2026, 12, 10, 9, 30, tzinfo=PLUS_EIGHT)
            )
        )
        assert later.scalars().all() == ["WEST"]
    assert found == [
        ("EAST", datetime(2026, 12, 10, 1, tzinfo=UTC)),
        ("WEST", datetime(2026, 12, 10, 2, tzinfo=UTC)),
    ]
    assert all(moment.utcoffset() == timedelta(0) for _, moment in found)


async def test_a_naive_datetime_is_refused_before_it_is_written(database):
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.transaction() as conn:
            await conn.execute(insert(locations), [location("WH", datetime(2026, 12, 10, 9))])
    async with database.read() as conn:
        assert (await conn.execute(select(locations.c.code))).all() == []

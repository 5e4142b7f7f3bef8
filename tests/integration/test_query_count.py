"""The query counter the list page tests rely on sees every statement the code under test
sends, through the reader and the writer, on both databases, and nothing else."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from api.database.tables import locations
from tests.query_count import assert_num_queries, count_queries

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_reads_and_writes_count_once_each_on_both_engines(database):
    with count_queries() as sent:
        async with database.read() as conn:
            await conn.execute(select(locations.c.id))
        async with database.transaction() as conn:
            await conn.execute(select(locations.c.id))
    assert len(sent) == 2, sent


async def test_an_executemany_counts_as_one_statement(database):
    rows = [
        {"code": code, "name": code, "kind": "warehouse", "priority": 1, "active": True}
        | {"created_at": NOW, "updated_at": NOW}
        for code in ("A", "B", "C")
    ]
    with assert_num_queries(1):
        async with database.transaction() as conn:
            await conn.execute(insert(locations), rows)


async def test_statements_of_tasks_started_before_the_count_are_not_counted(database):
    go = asyncio.Event()

    async def background() -> None:
        await go.wait()
        async with database.read() as conn:
            await conn.execute(select(locations.c.id))

    task = asyncio.create_task(background())
    with assert_num_queries(0):
        go.set()
        await task


async def test_a_wrong_count_fails_and_lists_the_statements(database):
    expected = re.escape("2 queries expected, 1 sent:\n  1. SELECT locations.id")
    with pytest.raises(AssertionError, match=expected), assert_num_queries(2):
        async with database.read() as conn:
            await conn.execute(select(locations.c.id))

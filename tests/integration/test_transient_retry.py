"""A transaction PostgreSQL aborts as a deadlock is run again, not turned into an error."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from api.database.engine import Database
from api.database.transient import retrying_transient

pytestmark = pytest.mark.postgres


async def test_two_transactions_that_deadlock_both_commit_when_retried(postgres_url):
    database = Database(postgres_url)
    async with database.transaction() as conn:
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS deadlock_pair (id int PRIMARY KEY, n int)")
        )
        await conn.execute(text("DELETE FROM deadlock_pair"))
        await conn.execute(text("INSERT INTO deadlock_pair VALUES (1, 0), (2, 0)"))
    both_hold_their_first = asyncio.Barrier(2)
    attempts = {"forward": 0, "backward": 0}

    def locking(name: str, first: int, second: int):
        async def attempt() -> None:
            attempts[name] += 1
            async with database.transaction() as conn:
                await conn.execute(text(f"UPDATE deadlock_pair SET n = n + 1 WHERE id = {first}"))
                if attempts[name] == 1:
                    await both_hold_their_first.wait()
                await conn.execute(text(f"UPDATE deadlock_pair SET n = n + 1 WHERE id = {second}"))

        return attempt

    try:
        await asyncio.gather(
            retrying_transient(locking("forward", 1, 2)),
            retrying_transient(locking("backward", 2, 1)),
        )
        async with database.read() as conn:
            counts = (await conn.execute(text("SELECT n FROM deadlock_pair ORDER BY id"))).all()
        assert [row.n for row in counts] == [2, 2]
        assert sorted(attempts.values()) == [1, 2]  # PostgreSQL aborted one; it ran again
    finally:
        async with database.transaction() as conn:
            await conn.execute(text("DROP TABLE deadlock_pair"))
        await database.dispose()

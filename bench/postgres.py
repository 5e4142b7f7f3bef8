"""A throwaway PostgreSQL database per bench run, migrated, and dropped afterwards (the way
tests/services.py does it for the test suite)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.database.engine import Database
from api.database.migrate import upgrade


class PostgresUnavailable(Exception):
    pass


async def _admin(admin_url: str):  # type: ignore[no-untyped-def]
    import asyncpg

    try:
        return await asyncio.wait_for(asyncpg.connect(admin_url), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise PostgresUnavailable(f"PostgreSQL does not answer at {admin_url}: {error}") from None


@asynccontextmanager
async def throwaway_database(admin_url: str, label: str) -> AsyncIterator[str]:
    """Yields the asyncpg URL of a fresh, migrated database; drops it on the way out."""
    name = f"stockpool_bench_{label}_{uuid.uuid4().hex[:10]}"
    conn = await _admin(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        database = Database(url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()
        yield url
    finally:
        conn = await _admin(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

"""Real PostgreSQL and Redis for tests: a fresh database (and key prefix) per run, dropped after.

Where a server does not answer, tests that need it are skipped with the reason, except in CI
(`CI=true`), where a missing service is a failure."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "STOCKPOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("STOCKPOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
RUN_ID = uuid.uuid4().hex[:10]


def unavailable(what: str, error: BaseException) -> None:
    message = f"{what} does not answer ({type(error).__name__}: {error})"
    if IN_CI:
        pytest.fail(f"{message}; CI must run these tests for real", pytrace=False)
    pytest.skip(message)


async def create_postgres_database() -> str:
    """Creates an empty database for this run and returns its asyncpg URL."""
    import asyncpg

    name = f"stockpool_test_{RUN_ID}"
    try:
        conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_ADMIN_URL), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", error)
        raise
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def check_redis() -> str:
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), timeout=5)
    except (TimeoutError, OSError, redis.RedisError) as error:
        unavailable("Redis", error)
    finally:
        await client.aclose()
    return REDIS_URL

"""/readyz follows the database: PostgreSQL stops, /readyz says 503 with the database down
(while /livez still answers), PostgreSQL starts again, and /readyz is ready once more without
a restart of the app. Stops the shared PostgreSQL for a few seconds: marked serial."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

CLUSTERS = "/etc/postgresql"

pytestmark = [
    pytest.mark.skipif(
        not os.path.isdir(CLUSTERS),
        reason="stops and starts the local PostgreSQL cluster with pg_ctlcluster",
    ),
    pytest.mark.postgres,
    pytest.mark.serial,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

BACK_WITHIN = 30.0
"""Seconds for PostgreSQL to answer again after it is started, and /readyz to say so."""


def _cluster() -> list[str]:
    version = sorted(os.listdir(CLUSTERS))[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


async def _run(*command: str) -> int:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await process.wait()


async def _ready(gql) -> tuple[int, dict]:
    response = await gql.http.get("/readyz")
    return response.status_code, response.json()


async def test_readyz_is_503_naming_the_database_while_postgresql_is_stopped(gql):
    assert await _ready(gql) == (200, {"status": "ok", "database": "up", "bus": "up"})

    try:
        assert await _run(*_cluster(), "stop", "-m", "fast") == 0
        down = await _ready(gql)
        alive = await gql.http.get("/livez")
    finally:
        await _run(*_cluster(), "start")

    assert down == (503, {"status": "unavailable", "database": "down", "bus": "up"})
    assert alive.status_code == 200
    assert await _ready_again(gql) == (200, {"status": "ok", "database": "up", "bus": "up"})


async def _ready_again(gql) -> tuple[int, dict]:
    """/readyz once it is 200 again, or as it stands after BACK_WITHIN seconds."""
    deadline = time.monotonic() + BACK_WITHIN
    ready = await _ready(gql)
    for _ in range(int(BACK_WITHIN / 0.2)):
        if ready[0] == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
        ready = await _ready(gql)
    return ready

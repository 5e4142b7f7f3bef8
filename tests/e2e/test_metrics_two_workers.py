"""/metrics of the real `stockpool serve --workers 2` on one PostgreSQL database and Redis.

Both workers take part in a burst of holds; whichever worker a scrape reaches, it shows the
two workers' counts added up: every hold held or refused, once. Live gauges add up over the
workers that are alive: a worker killed outright leaves the sum once its replacement starts,
while its counters stay in it. The files behind it all go when the server stops."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.observability.multiprocess import PREFIX
from tests.e2e.test_two_workers_on_postgres import (
    CONNECTIONS,
    RESERVE,
    UNITS,
    Server,
    _empty,
    _established_connections,
    _graphql,
    _has_proc,
    _seed,
    _serve,
    _wait_until_ready,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ORDERS = 120
POOL_SIZE = 10
"""STOCKPOOL_DATABASE_POOL_SIZE's default: each worker's PostgreSQL pool may open twice this."""
SCRAPES = 6
RESTART_TIMEOUT = 30.0


async def _scrape(server: Server) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """One scrape on a new connection (so successive scrapes reach either worker)."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_every_scrape_shows_both_workers_counts_added_up(
    postgres_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _has_proc():
        pytest.skip("finds the worker processes through /proc")
    await _empty(postgres_url)
    token = secrets.token_urlsafe(24)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))  # where the server makes its metrics directory

    with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
        await _wait_until_ready(server)
        workers = server.worker_pids()
        async with _graphql(server, token) as gql:
            await _seed(gql)
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with _graphql(server, token, limits=limits) as burst:
            responses = await asyncio.gather(
                *(
                    burst.http.post(
                        "/graphql", json={"query": RESERVE, "variables": {"order": f"o-{i}"}}
                    )
                    for i in range(ORDERS)
                )
            )
            served_by = _established_connections(workers, server.port)
        assert all(r.status_code == 200 for r in responses)
        assert set(served_by) == set(workers), f"connections per worker {dict(served_by)}"

        for _ in range(SCRAPES):
            samples = await _scrape(server)
            held = _value(samples, "stockpool_reservations_total", outcome="held")
            refused = _value(samples, "stockpool_reservations_total", outcome="INSUFFICIENT_STOCK")
            assert (held, refused) == (UNITS, ORDERS - UNITS), server.output()[-2000:]
            requests = _value(
                samples, "stockpool_requests_total", operation="reserveStock", outcome="ok"
            ) + _value(
                samples, "stockpool_requests_total", operation="reserveStock", outcome="user_error"
            )
            assert requests == ORDERS
            capacity = _value(samples, "stockpool_db_connections_max", pool="shared")
            assert capacity == len(workers) * 2 * POOL_SIZE
            assert _value(samples, "stockpool_bus_up") == 1

        os.kill(workers[0], signal.SIGKILL)
        await _replaced(server, workers[0])
        samples = await _until_capacity(server, len(workers) * 2 * POOL_SIZE)
        assert _value(samples, "stockpool_reservations_total", outcome="held") == UNITS

        assert list(temporary.glob(f"{PREFIX}*/*.db")) != []
    assert list(temporary.glob(f"{PREFIX}*")) == []  # the server's directory went with it


async def _replaced(server: Server, dead: int) -> None:
    deadline = time.monotonic() + RESTART_TIMEOUT
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        started = server.output().count("Application startup complete")
        if dead not in pids and len(pids) == 2 and started >= 3:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"the killed worker was not replaced:\n{server.output()[-3000:]}")


async def _until_capacity(server: Server, expected: float) -> dict:
    """Scrapes until the pools' capacity is the live workers' again (a scrape may reach a
    worker before the replacement has cleared the dead one's gauges)."""
    deadline = time.monotonic() + RESTART_TIMEOUT
    while True:
        samples = await _scrape(server)
        if _value(samples, "stockpool_db_connections_max", pool="shared") == expected:
            return samples
        if time.monotonic() > deadline:
            pytest.fail(f"capacity still {samples} after the restart")
        await asyncio.sleep(0.1)

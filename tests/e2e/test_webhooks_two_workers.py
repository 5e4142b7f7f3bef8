"""The real `stockpool serve --workers 2` on one PostgreSQL database and Redis, with a real
webhook receiver: both workers' relays work one outbox while holds commit on both, and each
message reaches the receiver once."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.test_two_workers_on_postgres import (
    RESERVE,
    UNITS,
    _empty,
    _graphql,
    _has_proc,
    _seed,
    _serve,
    _wait_until_ready,
)
from tests.webhook_receiver import receiving

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HOLDS = UNITS
"""Every hold is one unit of the seeded stock: all of them succeed."""
CREATE = """mutation($url: String!) { createWebhookEndpoint(input: {url: $url,
  events: [RESERVATION_CHANGED]}) { endpoint { id } userErrors { code } } }"""


async def test_two_server_workers_deliver_each_webhook_once(
    postgres_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _has_proc():
        pytest.skip("finds the worker processes through /proc")
    await _empty(postgres_url)
    monkeypatch.setenv("STOCKPOOL_WEBHOOK_ALLOW_PRIVATE", "true")
    token = secrets.token_urlsafe(24)
    async with receiving() as receiver:
        with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
            await _wait_until_ready(server)
            async with _graphql(server, token) as gql:
                await _seed(gql)
                created = await gql(CREATE, {"url": receiver.url})
                assert created["createWebhookEndpoint"]["userErrors"] == []
                # The other worker hears of the endpoint on the bus; at the latest it reads
                # the list again within a second.
                await asyncio.sleep(1.5)
                answers = await asyncio.gather(
                    *(gql(RESERVE, {"order": f"o-{i}"}) for i in range(HOLDS))
                )
                assert all(a["reserveStock"]["userErrors"] == [] for a in answers)
                await receiver.wait_for(lambda: len(receiver.received) >= HOLDS, 60)
                await asyncio.sleep(1.0)  # a second copy, were one on its way, would land
    ids = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert len(ids) == HOLDS and set(ids.values()) == {1}, server.output()[-2000:]
    assert {r.json["data"]["orderRef"] for r in receiver.received} == {
        f"o-{i}" for i in range(HOLDS)
    }

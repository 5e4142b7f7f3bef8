"""The bus heals: Redis stops while a subscriber listens; commits go on, /readyz says the bus
is down, and once Redis is back the subscriber is sent what changed meanwhile, then live
changes again. Stops the shared Redis for a second or two: marked serial."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from api.settings import Settings
from schema.realtime import protocols
from tests import services as external
from tests.api.subscription_client import connected, eventually, http, services_of
from tests.api.test_key_revocation_sockets import partner_key, revoke
from tests.api.test_listings_api import receive
from tests.api.test_subscriptions_api import AVAILABILITY, shop  # noqa: F401 (a fixture)
from tests.conftest import ADMIN_TOKEN

pytestmark = [
    pytest.mark.redis,
    pytest.mark.serial,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

CONVERGED_WITHIN = 5.0
"""Seconds from Redis answering again to the subscriber holding the latest state."""


@pytest.fixture
async def app_settings(database, redis_url) -> Settings:
    return Settings(
        database_url=database.url,
        admin_token=ADMIN_TOKEN,
        broadcast_url=redis_url,
        bus_prefix=f"test-heal-{external.RUN_ID}",
    )


async def run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await process.wait()


async def stop_redis() -> None:
    await run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave")


async def start_redis() -> None:
    await run(
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
        "--save", "", "--appendonly", "no",
    )  # fmt: skip


async def redis_answers() -> bool:
    try:
        await external.check_redis()
    except BaseException:  # check_redis skips (an exception pytest raises) when it does not
        return False
    return True


async def test_after_a_redis_restart_subscribers_get_what_they_missed_then_live_changes_and_sockets_of_keys_revoked_meanwhile_close(
    live_server,
    shop,  # noqa: F811
    caplog,
):
    bus = services_of(live_server).bus
    caplog.set_level(logging.INFO, logger="api.bus")
    async with http(live_server) as gql:
        key_id, secret = await partner_key(gql)
    async with (
        connected(live_server) as client,
        connected(live_server, token=secret) as partner,
        http(live_server) as gql,
    ):
        await client.subscribe("1", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
        [before] = await client.results(1)
        assert before["availabilityChanged"]["published"] == 4
        try:
            await stop_redis()
            await eventually(lambda: not bus.health.up)
            await receive(gql, "TEE", "WH", 2)  # commits go on
            await receive(gql, "TEE", "WH", 3)
            await revoke(gql, key_id)  # the news cannot go on the bus
            ready = await gql.http.get("/readyz")
            assert (ready.status_code, ready.json()) == (
                503,
                {"status": "unavailable", "database": "up", "bus": "down"},
            )
        finally:
            await start_redis()
        for _ in range(100):
            if await redis_answers():
                break
            await asyncio.sleep(0.02)
        back = time.monotonic()
        [missed] = await client.results(1, within=CONVERGED_WITHIN)
        converged = time.monotonic() - back
        assert missed["availabilityChanged"]["published"] == 9
        assert missed["availabilityChanged"]["version"] > before["availabilityChanged"]["version"]
        assert await partner.closed_with() == (protocols.FORBIDDEN, "API key revoked")
        print(f"converged {converged:.2f} s after Redis answered again")

        await receive(gql, "TEE", "WH", 1)
        [live] = await client.results(1)
        assert live["availabilityChanged"]["published"] == 10
        assert await client.silent()
        ready = await gql.http.get("/readyz")
        assert (ready.status_code, ready.json()) == (
            200,
            {"status": "ok", "database": "up", "bus": "up"},
        )
    outage = [(r.levelname, r.getMessage()[:14]) for r in caplog.records if r.name == "api.bus"]
    assert outage == [("WARNING", "event bus down"), ("INFO", "event bus back")]

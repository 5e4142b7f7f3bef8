"""The bus on PostgreSQL (LISTEN/NOTIFY) carries what is published (Redis: in
tests/e2e/test_bus_heals.py and the two-worker tests)."""

from __future__ import annotations

import asyncio

import pytest

from api.bus import AVAILABILITY, EventBus
from tests import services as external


async def first(deliveries, within: float = 5.0):
    return await asyncio.wait_for(anext(deliveries), within)


@pytest.mark.postgres
async def test_a_postgresql_bus_carries_what_is_published(postgres_url):
    bus = EventBus(postgres_url.replace("+asyncpg", ""), f"test-{external.RUN_ID}")
    await bus.connect()
    try:
        async with bus.follow([AVAILABILITY]) as deliveries:
            await bus.publish(AVAILABILITY, {"sku": "TEE"})
            assert await first(deliveries) == (AVAILABILITY, {"sku": "TEE"})
    finally:
        await bus.disconnect()

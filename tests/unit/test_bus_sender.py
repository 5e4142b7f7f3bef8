"""What the bus sender keeps when it is behind: the newest state per key, every event."""

from __future__ import annotations

import asyncio

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS, EventBus, latest_states


def level(sku: str, version: int) -> tuple[str, dict]:
    return (STOCK_LEVELS, {"sku": sku, "location": "WH", "version": version})


def listing(channel: str, sku: str, version: int) -> tuple[str, dict]:
    return (AVAILABILITY, {"channel": channel, "sku": sku, "version": version})


def test_a_newer_state_of_the_same_level_replaces_the_older_in_its_own_place():
    messages = [level("TEE", 1), level("CAP", 1), level("TEE", 2)]
    assert latest_states(messages) == [level("CAP", 1), level("TEE", 2)]


def test_availability_is_merged_per_channel_listing_not_per_sku():
    messages = [listing("web", "TEE", 1), listing("pos", "TEE", 4), listing("web", "TEE", 2)]
    assert latest_states(messages) == [listing("pos", "TEE", 4), listing("web", "TEE", 2)]


def test_every_ledger_event_and_alert_is_kept():
    events = [(STOCK_EVENTS, {"id": n, "sku": "TEE", "location": "WH"}) for n in range(3)]
    alerts = [(ALERTS, {"id": n}) for n in range(2)]
    assert latest_states(events + alerts) == events + alerts


async def test_publishing_returns_before_the_bus_is_reached_and_flush_waits_for_it():
    bus = EventBus("memory://", "test-sender")
    await bus.connect()
    try:
        async with bus.subscribe(STOCK_LEVELS) as received:
            await bus.publish_committed([level("TEE", 1), level("TEE", 2)])
            await bus.publish_committed([level("TEE", 3)])
            await bus.flush()
            first = await asyncio.wait_for(anext(received), timeout=5)
        assert first["version"] == 3  # both calls queued before the sender ran: merged
    finally:
        await bus.disconnect()

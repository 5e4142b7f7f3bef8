"""An idle subscriber costs as little as the server can make it: once its first state is in,
a subscription holds no task of its own (the task that read its snapshot is let go), and its
connection has nothing being written (docs/realtime.md#memory-per-connection)."""

from __future__ import annotations

import pytest

from tests.api.subscription_client import connected, eventually, hub_of
from tests.api.test_subscriptions_api import LEVELS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def subscribed(client) -> None:
    await client.subscribe("1", LEVELS, {"skus": ["A"]})
    await client.send({"type": "ping"})  # answered once the subscribe was taken in
    assert (await client.receive())["type"] == "pong"


async def test_a_subscription_whose_snapshot_is_in_holds_no_task(live_server):
    hub = hub_of(live_server)
    async with connected(live_server) as client:
        await subscribed(client)
        [connection] = hub.connections
        running = connection.operations.running["1"]
        await eventually(lambda: running.task is None)
        assert running.group is not None and running.subscriber is not None
        assert connection.sender.stalled_for(0.0) == 0.0  # no write pending


async def test_stopping_an_idle_subscription_still_leaves_its_group(live_server):
    hub = hub_of(live_server)
    async with connected(live_server) as client:
        await subscribed(client)
        [connection] = hub.connections
        running = connection.operations.running["1"]
        await eventually(lambda: running.task is None)
        groups = hub.groups
        await client.send({"type": "complete", "id": "1"})
        await eventually(lambda: hub.groups == groups - 1)
        assert "1" not in connection.operations

"""Connections that come and go leave nothing behind: reference counting alone frees a
dropped connection, without the cyclic garbage collector, which runs rarely on a server
tuned for many connections (api/gc_tuning.py)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from api import gc_tuning
from schema.realtime.connection import Connection
from tests.api.subscription_client import connected, eventually, hub_of, opened
from tests.api.test_subscriptions_api import LEVELS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ROUNDS = 3
CLIENTS = 20


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def connections_alive() -> list[Connection]:
    return [thing for thing in gc.get_objects() if type(thing) is Connection]


async def connect_subscribe_drop(live_server, cut: bool) -> None:
    async with opened(live_server) as client:
        await client.init()
        await client.subscribe("1", LEVELS, {"skus": ["A"]})
        await client.send({"type": "ping"})
        assert (await client.receive())["type"] == "pong"
        if cut:
            client.socket.transport.abort()  # gone without a close frame


async def test_dropped_connections_are_freed_by_reference_counting_alone(live_server, monkeypatch):
    # No collection on churn either (api/gc_tuning.py): only reference counting frees here.
    monkeypatch.setattr(gc_tuning, "COLLECT_AFTER_CLOSED", 10**9)
    hub = hub_of(live_server)
    async with connected(live_server):
        # Warm-up: the first connections fill caches (documents, the schema's) that stay.
        await asyncio.gather(*(connect_subscribe_drop(live_server, n % 2 == 1) for n in range(4)))
        await eventually(lambda: len(hub.connections) == 1)
        [staying] = hub.connections
        with without_cyclic_gc():
            for _ in range(ROUNDS):
                await asyncio.gather(
                    *(connect_subscribe_drop(live_server, n % 2 == 1) for n in range(CLIENTS))
                )
                await eventually(lambda: len(hub.connections) == 1)
            # The socket watchdog holds the last connection it looked at until its next look.
            await asyncio.sleep(hub.limits.watchdog_interval * 1.5)
            assert connections_alive() == [staying]
            assert hub.admission.connections == 1

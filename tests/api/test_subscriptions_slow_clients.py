"""A client that stops reading costs the server a bounded outbox, not a backlog: per key only
the newest value waits, and when the client reads again it gets the newest values. A socket
that accepts nothing for too long is closed and everything held for it let go.

The changes go straight onto the live server's bus, shaped by api/messages.py as the stock
engine shapes them: what is under test is the way from the bus to a slow socket, and 1,000
committed changes through the engine would take seconds of SQLite writes. SQLite only."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from api.bus import STOCK_LEVELS
from api.messages import stock_level_message
from domain.quantities import Quantities
from domain.stock import StockLevel
from tests.api.subscription_client import connected, hub_of, services_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SKUS = tuple(f"SKU-{n}" for n in range(10))
OPERATIONS = tuple(str(n) for n in range(10))
KEYS = len(OPERATIONS) * len(SKUS)
CHANGES = 1_000
# ~2 KB a message and ten subscriptions of it on one connection: the kernel's buffers fill
# after a few hundred changes, and then the server itself must hold what is not read.
WIDE = " ".join(f"f{n}: onHand" for n in range(60))
LEVELS = f"""subscription($skus: [String!]) {{
  stockLevelChanged(skus: $skus) {{ sku onHand version {WIDE} }} }}"""
# max_queue=1: the client library itself stops reading after one unread message.
NOT_READING = {"max_queue": 1, "ping_interval": None, "close_timeout": 0.5}


def unread_socket(port: int) -> socket.socket:
    """A connected client socket whose kernel buffer holds little."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


class Changes:
    """Stock level changes of SKUS at WH, each SKU's `onHand` and version going up by one."""

    def __init__(self, live_server: Any) -> None:
        self.bus = services_of(live_server).bus
        self.hub = hub_of(live_server)
        self.made = 0
        self.most_waiting = 0

    @property
    def newest(self) -> int:
        return self.made // len(SKUS)

    async def make(self, count: int, outbox: Any = None) -> None:
        """A few at a time, so the server writes in between; then waits until the hub has
        taken them all. Notes the most frames `outbox` held meanwhile."""
        expected = self.hub.received + count
        for _ in range(count):
            sku, version = SKUS[self.made % len(SKUS)], self.made // len(SKUS) + 1
            level = StockLevel(sku, "WH", Quantities(on_hand=version), version, datetime.now(UTC))
            await self.bus.publish(STOCK_LEVELS, stock_level_message(level))
            self.made += 1
            if self.made % len(SKUS) == 0:
                await asyncio.sleep(0.002)
            self._watch(outbox)
        async with asyncio.timeout(10):
            while self.hub.received < expected:
                await asyncio.sleep(0.01)
                self._watch(outbox)

    async def until(self, condition: Any, outbox: Any = None) -> None:
        async with asyncio.timeout(15):
            while not condition():
                await self.make(100, outbox)
                await asyncio.sleep(0.1)

    def _watch(self, outbox: Any) -> None:
        if outbox is not None:
            self.most_waiting = max(self.most_waiting, len(outbox))


async def subscribe_all(client: Any) -> None:
    for operation_id in OPERATIONS:
        await client.subscribe(operation_id, LEVELS, {"skus": list(SKUS)})
    await asyncio.sleep(0.1)


async def test_a_client_that_reads_nothing_costs_one_waiting_value_per_key(live_server):
    hub = hub_of(live_server)
    changes = Changes(live_server)
    sock = unread_socket(live_server.port)
    async with connected(live_server, sock=sock, **NOT_READING) as client:
        await subscribe_all(client)
        [connection] = hub.connections
        assert hub.groups == 1

        def stalled() -> bool:
            return connection.stalled_for(asyncio.get_running_loop().time()) > 0.05

        await changes.until(stalled, connection.outbox)  # the socket's buffers are full
        await changes.make(CHANGES, connection.outbox)

        assert stalled()
        assert max(changes.most_waiting, connection.outbox.peak) <= KEYS
        assert connection.outbox.replaced > 0

        shown: dict[tuple[str, str], int] = {}
        while len(shown) < KEYS or min(shown.values()) < changes.newest:
            message = await client.receive()
            level = message["payload"]["data"]["stockLevelChanged"]
            key = (message["id"], level["sku"])
            assert level["version"] > shown.get(key, 0), f"{key} went back"
            shown[key] = level["version"]
        assert set(shown.values()) == {changes.newest}
        assert await client.silent()


async def test_a_socket_that_accepts_nothing_is_closed_and_its_outbox_let_go(live_server):
    hub = hub_of(live_server)
    hub.limits = replace(hub.limits, send_timeout=0.3, watchdog_interval=0.05)
    sock = unread_socket(live_server.port)
    async with connected(live_server, sock=sock, **NOT_READING) as client:
        await subscribe_all(client)
        assert len(hub.connections) == 1

        await Changes(live_server).until(lambda: not hub.connections)

        assert hub.groups == 0

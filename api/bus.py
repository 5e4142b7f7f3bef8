"""The event bus: broadcaster (in-memory for one process, Redis or PostgreSQL for several)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from broadcaster import Broadcast

log = logging.getLogger(__name__)

STOCK_LEVELS = "stock-levels"
STOCK_EVENTS = "stock-events"
ALERTS = "alerts"
AVAILABILITY = "availability"


Message = tuple[str, dict[str, Any]]

# Topics whose messages carry a whole state: a newer one for the same key replaces an older
# one still waiting to be sent. Ledger rows and alerts are events and are all sent.
_STATE_KEYS = {
    STOCK_LEVELS: ("sku", "location"),
    AVAILABILITY: ("channel", "sku"),
}


def latest_states(messages: list[Message]) -> list[Message]:
    """The messages in order, without stock levels and availability that a later message of
    the same key supersedes (the later one keeps its place)."""
    last: dict[tuple[Any, ...], int] = {}
    for index, (topic, payload) in enumerate(messages):
        fields = _STATE_KEYS.get(topic)
        if fields is not None:
            last[(topic, *(payload.get(name) for name in fields))] = index
    kept = []
    for index, (topic, payload) in enumerate(messages):
        fields = _STATE_KEYS.get(topic)
        if fields is None or last[(topic, *(payload.get(name) for name in fields))] == index:
            kept.append((topic, payload))
    return kept


class EventBus:
    """Topics are namespaced by `prefix`, so several deployments (or test runs) can share one
    Redis without seeing each other's messages.

    What committed transactions publish leaves through one sender task per process, in commit
    order: a command answers its caller without waiting for the bus, and when the bus is
    slower than the commits, only the newest state of each stock level and listing is sent."""

    def __init__(self, url: str, prefix: str = "stockpool") -> None:
        self.url = url
        self.prefix = prefix
        self._broadcast = Broadcast(url)
        self._outgoing: deque[list[Message]] = deque()
        self._sender: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._broadcast.connect()

    async def disconnect(self) -> None:
        await self.flush()
        await self._broadcast.disconnect()

    async def flush(self) -> None:
        """Waits until everything handed to `publish_committed` has been sent."""
        while self._sender is not None:
            await asyncio.shield(self._sender)

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}:{topic}"

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._broadcast.publish(self._channel(topic), orjson.dumps(payload).decode())

    async def publish_committed(self, messages: list[Message]) -> None:
        """Hands what a committed transaction changed to the sender and returns. The change is
        durable already, so a bus failure is logged, never turned into a failed mutation."""
        if not messages:
            return
        self._outgoing.append(messages)
        if self._sender is None:
            self._sender = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        try:
            while self._outgoing:
                waiting: list[Message] = []
                while self._outgoing:
                    waiting += self._outgoing.popleft()
                for topic, payload in latest_states(waiting):
                    try:
                        await self.publish(topic, payload)
                    except Exception:
                        log.exception(
                            "could not publish to %s; subscribers will catch up on reconnect",
                            topic,
                        )
        finally:
            self._sender = None

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        async with self._broadcast.subscribe(self._channel(topic)) as subscriber:

            async def messages() -> AsyncIterator[dict[str, Any]]:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is not None:
                        yield orjson.loads(event.message)

            yield messages()

"""The event bus: broadcaster (in-memory for one process, Redis or PostgreSQL for several)."""

from __future__ import annotations

import logging
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


class EventBus:
    """Topics are namespaced by `prefix`, so several deployments (or test runs) can share one
    Redis without seeing each other's messages."""

    def __init__(self, url: str, prefix: str = "stockpool") -> None:
        self.url = url
        self.prefix = prefix
        self._broadcast = Broadcast(url)

    async def connect(self) -> None:
        await self._broadcast.connect()

    async def disconnect(self) -> None:
        await self._broadcast.disconnect()

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}:{topic}"

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._broadcast.publish(self._channel(topic), orjson.dumps(payload).decode())

    async def publish_committed(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish what a committed transaction changed. The change is durable already, so a
        bus failure is logged, never turned into a failed mutation."""
        for topic, payload in messages:
            try:
                await self.publish(topic, payload)
            except Exception:
                log.exception(
                    "could not publish to %s; subscribers will catch up on reconnect", topic
                )

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        async with self._broadcast.subscribe(self._channel(topic)) as subscriber:

            async def messages() -> AsyncIterator[dict[str, Any]]:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is not None:
                        yield orjson.loads(event.message)

            yield messages()

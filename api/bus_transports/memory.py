"""memory://: the bus of one process. It cannot go away, so its subscriptions never end."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence


class MemorySubscription:
    def __init__(self, transport: MemoryTransport, channels: Sequence[str]) -> None:
        self.channels = frozenset(channels)
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._transport = transport

    async def receive(self) -> tuple[str, str]:
        return await self.queue.get()

    async def close(self) -> None:
        self._transport.subscriptions.discard(self)


class MemoryTransport:
    def __init__(self) -> None:
        self.subscriptions: set[MemorySubscription] = set()

    async def connect(self) -> None:
        pass

    async def close(self) -> None:
        self.subscriptions.clear()

    async def publish(self, channel: str, text: str) -> None:
        for subscription in list(self.subscriptions):
            if channel in subscription.channels:
                subscription.queue.put_nowait((channel, text))

    async def ping(self) -> None:
        pass

    async def subscribe(self, channels: Sequence[str]) -> MemorySubscription:
        subscription = MemorySubscription(self, channels)
        self.subscriptions.add(subscription)
        return subscription

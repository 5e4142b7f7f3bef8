"""The port the event bus carries its messages through, and the adapter for each URL scheme.

A transport publishes text on a channel and opens subscriptions to channels. A subscription
raises from `receive` when its connection is gone; it never reconnects by itself (a silent
reconnect would hide the messages missed meanwhile): the bus opens a new one and tells its
follower to re-read what it may have missed (api/bus.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlparse

CONNECT_TIMEOUT = 1.0
"""Seconds to wait for the bus server to accept a connection."""
COMMAND_TIMEOUT = 2.0
"""Seconds to wait for the bus server to answer a publish or a ping."""
QUIET_SECONDS = 3.0
"""A subscription that heard nothing for this long asks the server if it is still there; one
that then hears nothing for as long again is taken as gone (a connection that died without
a reset, e.g. across a network partition)."""


class Subscription(Protocol):
    async def receive(self) -> tuple[str, str]:
        """The next (channel, text); raises when the connection is lost."""
        ...

    async def close(self) -> None: ...


class Transport(Protocol):
    async def connect(self) -> None:
        """Reaches the server once, so that a wrong URL stops the startup."""
        ...

    async def close(self) -> None: ...

    async def publish(self, channel: str, text: str) -> None: ...

    async def ping(self) -> None:
        """Returns when the server answers; raises otherwise."""
        ...

    async def subscribe(self, channels: Sequence[str]) -> Subscription:
        """Returns once the server has confirmed every channel."""
        ...


def transport_for(url: str) -> Transport:
    scheme = urlparse(url).scheme
    if scheme == "memory":
        from api.bus_transports.memory import MemoryTransport

        return MemoryTransport()
    if scheme in ("redis", "rediss"):
        from api.bus_transports.redis import RedisTransport

        return RedisTransport(url)
    if scheme in ("postgres", "postgresql"):
        from api.bus_transports.postgres import PostgresTransport

        return PostgresTransport(url)
    raise ValueError(f"no event bus for {scheme}:// URLs (memory, redis, postgresql)")

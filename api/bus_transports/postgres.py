"""postgresql://: PostgreSQL LISTEN/NOTIFY through asyncpg (payloads up to 8,000 bytes)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg

from api.bus_transports import COMMAND_TIMEOUT, CONNECT_TIMEOUT, QUIET_SECONDS

_LOST = ("", "")


def _plain(url: str) -> str:
    """asyncpg takes postgresql://, not SQLAlchemy's postgresql+asyncpg://."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


class PostgresSubscription:
    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def heard(self, _connection: Any, _pid: int, channel: str, payload: str) -> None:
        self.queue.put_nowait((channel, payload))

    def lost(self, _connection: Any) -> None:
        self.queue.put_nowait(_LOST)

    async def receive(self) -> tuple[str, str]:
        while True:
            try:
                found = await asyncio.wait_for(self.queue.get(), QUIET_SECONDS)
            except TimeoutError:
                # Quiet: make sure the connection is still there.
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"), QUIET_SECONDS)
                continue
            if found is _LOST:
                raise ConnectionError("the PostgreSQL connection of the bus closed")
            return found

    async def close(self) -> None:
        self._connection.terminate()


class PostgresTransport:
    def __init__(self, url: str) -> None:
        self._url = _plain(url)
        self._connection: Any = None
        self._lock = asyncio.Lock()  # one asyncpg connection runs one command at a time

    async def _run(self, query: str, *args: str) -> None:
        async with self._lock, asyncio.timeout(COMMAND_TIMEOUT):
            if self._connection is None or self._connection.is_closed():
                self._connection = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)
            await self._connection.execute(query, *args)

    async def connect(self) -> None:
        await self.ping()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def publish(self, channel: str, text: str) -> None:
        await self._run("SELECT pg_notify($1, $2)", channel, text)

    async def ping(self) -> None:
        await self._run("SELECT 1")

    async def subscribe(self, channels: Sequence[str]) -> PostgresSubscription:
        connection = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)
        subscription = PostgresSubscription(connection)
        try:
            connection.add_termination_listener(subscription.lost)
            for channel in channels:
                await connection.add_listener(channel, subscription.heard)
        except BaseException:
            connection.terminate()
            raise
        return subscription

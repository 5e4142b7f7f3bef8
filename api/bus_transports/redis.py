"""redis://: Redis pub/sub through redis.asyncio, with every retry of redis-py turned off for
subscriptions (its silent re-subscribe would hide what was missed while it was away)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from api.bus_transports import COMMAND_TIMEOUT, CONNECT_TIMEOUT, QUIET_SECONDS


def _client(url: str, retries: int) -> redis.Redis:
    client: redis.Redis = redis.Redis.from_url(
        url,
        retry=Retry(NoBackoff(), retries),
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_keepalive=True,
    )
    return client


class RedisSubscription:
    def __init__(self, client: redis.Redis, pubsub: Any) -> None:
        self._client = client
        self._pubsub = pubsub
        self._pinged = False

    async def start(self, channels: Sequence[str]) -> None:
        """Subscribes, and reads the server's confirmation of each channel."""
        waiting = set(channels)
        async with asyncio.timeout(COMMAND_TIMEOUT):
            await self._pubsub.subscribe(*channels)
            while waiting:
                message = await self._pubsub.get_message(timeout=COMMAND_TIMEOUT)
                if message is not None and message["type"] == "subscribe":
                    waiting.discard(message["channel"].decode())

    async def receive(self) -> tuple[str, str]:
        while True:
            message = await self._pubsub.get_message(timeout=QUIET_SECONDS)
            if message is None:
                if self._pinged:
                    raise ConnectionError(f"Redis did not answer a ping for {QUIET_SECONDS:g} s")
                await self._pubsub.ping()
                self._pinged = True
                continue
            self._pinged = False
            if message["type"] == "message":
                return message["channel"].decode(), message["data"].decode()

    async def close(self) -> None:
        try:
            await self._pubsub.aclose()
        finally:
            await self._client.aclose()


class RedisTransport:
    def __init__(self, url: str) -> None:
        self._url = url
        # One retry: a pooled connection the server dropped is replaced once, at once; when
        # the server is down, a publish fails in milliseconds instead of backing off.
        self._client = _client(url, retries=1)

    async def connect(self) -> None:
        await self.ping()

    async def close(self) -> None:
        await self._client.aclose()

    async def publish(self, channel: str, text: str) -> None:
        async with asyncio.timeout(COMMAND_TIMEOUT):
            await self._client.publish(channel, text)

    async def ping(self) -> None:
        async with asyncio.timeout(COMMAND_TIMEOUT):
            await self._client.ping()

    async def subscribe(self, channels: Sequence[str]) -> RedisSubscription:
        client = _client(self._url, retries=0)
        subscription = RedisSubscription(client, client.pubsub())
        try:
            await subscription.start(channels)
        except BaseException:
            await subscription.close()
            raise
        return subscription

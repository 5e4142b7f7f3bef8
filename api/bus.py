"""The event bus: what committed transactions changed, carried to every worker's hub.

memory:// reaches this process only; redis:// (or postgresql://) reaches every worker. The
bus heals: when its server goes away, commits go on and what cannot be published is dropped
(one warning per outage, not one per message); every follower subscribes again by itself
(retrying at most `RETRY_CAP` seconds apart) and is then handed `RESUMED`, so that it re-reads
the state it may have missed. The transports are in api/bus_transports/.

Every message the sender publishes carries `publishedAt` (seconds since the epoch), so the
hub that receives it can tell how long it took to reach its sockets (api/observability)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

import orjson

from api.bus_transports import Subscription, Transport, transport_for
from api.observability import metrics

log = logging.getLogger(__name__)

STOCK_LEVELS = "stock-levels"
STOCK_EVENTS = "stock-events"
ALERTS = "alerts"
AVAILABILITY = "availability"
API_KEYS = "api-keys"
"""A key was revoked: `{"key": id}`. Every worker closes the sockets opened with it."""

PUBLISHED_AT = "publishedAt"
"""The key of the moment a message was published, in seconds since the epoch."""

RETRY_FIRST = 0.1
RETRY_CAP = 2.0
"""Seconds between attempts to subscribe again: doubling from `RETRY_FIRST` up to this."""


Message = tuple[str, dict[str, Any]]


class Resumed:
    """Subscribed again after the bus was lost: messages published meanwhile are gone."""

    def __repr__(self) -> str:
        return "RESUMED"


RESUMED: Final = Resumed()
Delivery = Message | Resumed

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


class BusHealth:
    """Whether the bus works, as this process last saw it, and the two log lines of an
    outage: a warning when it starts, an info line when it ends.

    The bus is up while every follower is subscribed and the server answered the last
    publish or ping; a follower subscribing again ends what a failed publish began."""

    def __init__(self) -> None:
        self._followers_lost = 0
        self._failure: str | None = None
        self._down_since = 0.0
        self.dropped = 0
        """Messages not published during the current outage."""

    @property
    def up(self) -> bool:
        return self._followers_lost == 0 and self._failure is None

    def follower_lost(self, error: BaseException) -> None:
        was_up = self.up
        self._followers_lost += 1
        self._changed(was_up, error)

    def follower_back(self) -> None:
        was_up = self.up
        self._followers_lost -= 1
        self._failure = None
        self._changed(was_up)

    def failed(self, error: BaseException, dropped: int = 0) -> None:
        was_up = self.up
        self._failure = repr(error)
        self.dropped += dropped
        self._changed(was_up, error)

    def answered(self) -> None:
        if self._failure is not None:
            was_up = self.up
            self._failure = None
            self._changed(was_up)

    def _changed(self, was_up: bool, error: BaseException | None = None) -> None:
        if was_up != self.up:
            metrics.bus_up(self.up)
        if was_up and not self.up:
            self._down_since = time.monotonic()
            log.warning(
                "event bus down (%s): commits go on, changes are not published until it is "
                "back; then every subscription is sent what changed meanwhile",
                _short(error),
            )
        elif not was_up and self.up:
            log.info(
                "event bus back after %.1f s; %d messages were not published, subscriptions "
                "re-read their state instead",
                time.monotonic() - self._down_since,
                self.dropped,
            )
            self.dropped = 0


def _short(error: BaseException | None) -> str:
    return "" if error is None else f"{type(error).__name__}: {error}"[:200]


class EventBus:
    """Topics are namespaced by `prefix`, so several deployments (or test runs) can share one
    Redis without seeing each other's messages.

    What committed transactions publish leaves through one sender task per process, in commit
    order: a command answers its caller without waiting for the bus, and when the bus is
    slower than the commits, only the newest state of each stock level and listing is sent."""

    def __init__(self, url: str, prefix: str = "stockpool") -> None:
        self.url = url
        self.prefix = prefix
        self.health = BusHealth()
        self._transport: Transport = transport_for(url)
        self._outgoing: deque[tuple[float, list[Message]]] = deque()
        """(when it was committed, by time.perf_counter(); the messages) of each transaction."""
        self._sender: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._transport.connect()

    async def disconnect(self) -> None:
        await self.flush()
        await self._transport.close()

    async def flush(self) -> None:
        """Waits until everything handed to `publish_committed` has been sent (or dropped)."""
        while self._sender is not None:
            await asyncio.shield(self._sender)

    async def ready(self) -> bool:
        """Whether the bus works now: every follower subscribed and the server answering."""
        try:
            await self._transport.ping()
        except Exception as error:
            self.health.failed(error)
        else:
            self.health.answered()
        return self.health.up

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}:{topic}"

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self._transport.publish(self._channel(topic), orjson.dumps(payload).decode())

    async def publish_committed(self, messages: list[Message]) -> None:
        """Hands what a committed transaction changed to the sender and returns."""
        self.send_committed(messages)

    def send_committed(self, messages: list[Message]) -> None:
        """Hands what a committed transaction changed to the sender and returns. The change is
        durable already, so a bus failure is logged, never turned into a failed mutation."""
        if not messages:
            return
        self._outgoing.append((time.perf_counter(), messages))
        if self._sender is None:
            self._sender = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        try:
            while self._outgoing:
                waiting: list[Message] = []
                committed: list[float] = []
                while self._outgoing:
                    at, messages = self._outgoing.popleft()
                    committed.append(at)
                    waiting += messages
                sending = latest_states(waiting)
                for sent, (topic, payload) in enumerate(sending):
                    try:
                        await self.publish(topic, {**payload, PUBLISHED_AT: time.time()})
                    except Exception as error:
                        # Not retried: followers re-read their state when the bus is back.
                        self.health.failed(error, dropped=len(sending) - sent)
                        break
                else:
                    self.health.answered()
                    done = time.perf_counter()
                    for at in committed:
                        metrics.COMMIT_TO_PUBLISH.observe(done - at)
        finally:
            self._sender = None

    @asynccontextmanager
    async def follow(self, topics: Iterable[str]) -> AsyncIterator[AsyncIterator[Delivery]]:
        """Subscribes to `topics` (a failure to subscribe the first time is raised) and yields
        what arrives: (topic, payload), or RESUMED after the bus was lost and is back."""
        topic_of = {self._channel(topic): topic for topic in topics}
        first = await self._transport.subscribe(list(topic_of))
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        follower = asyncio.create_task(self._follow(first, topic_of, deliveries))

        async def delivered() -> AsyncIterator[Delivery]:
            while True:
                yield await deliveries.get()

        try:
            yield delivered()
        finally:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)

    async def _follow(
        self, subscription: Subscription, topic_of: dict[str, str], out: asyncio.Queue[Delivery]
    ) -> None:
        while True:
            try:
                while True:
                    channel, text = await subscription.receive()
                    payload = _payload(channel, text)
                    if payload is not None:
                        out.put_nowait((topic_of[channel], payload))
            except Exception as error:
                self.health.follower_lost(error)
            finally:
                await _close(subscription)
            subscription = await self._subscribe_again(list(topic_of))
            self.health.follower_back()
            out.put_nowait(RESUMED)

    async def _subscribe_again(self, channels: Sequence[str]) -> Subscription:
        delay = RETRY_FIRST
        while True:
            await asyncio.sleep(delay)
            try:
                return await self._transport.subscribe(channels)
            except Exception as error:
                log.debug("the bus is still down: %r", error)
                delay = min(delay * 2, RETRY_CAP)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The payloads of one topic (for tools and tests; the hub follows every topic)."""
        async with self.follow([topic]) as deliveries:

            async def payloads() -> AsyncIterator[dict[str, Any]]:
                async for delivery in deliveries:
                    if not isinstance(delivery, Resumed):
                        yield delivery[1]

            yield payloads()


def _payload(channel: str, text: str) -> dict[str, Any] | None:
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        log.warning("unreadable message on %s dropped: %.100r", channel, text)
        return None
    return payload


async def _close(subscription: Subscription) -> None:
    try:
        await subscription.close()
    except Exception as error:
        log.debug("closing a lost bus subscription: %r", error)

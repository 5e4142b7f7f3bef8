"""The webhook relay: every worker runs one. It claims due deliveries from the outbox, sends
them (Standard Webhooks headers, 10 s, no redirects, a small cap on the response read),
records how each went, disables endpoints that failed too long, and keeps this process's
list of endpoints fresh for the outbox writer (api/database/webhook_outbox.py).

It never holds a transaction open while a request is on its way: a claim commits before the
requests leave, and the outcomes are recorded in a transaction of their own."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from contextlib import AsyncExitStack, suppress
from datetime import timedelta

import httpx
import orjson

from api.bus import EventBus, Resumed
from api.clock import Clock
from api.database import webhook_claims, webhook_disabled, webhook_repository
from api.database.engine import Database
from api.database.webhook_claims import Claimed, Outcome
from api.database.webhook_outbox import REFRESH_SECONDS, Subscribers, subscribers_for
from api.messages import alert_message
from api.observability import metrics
from api.settings import Settings
from api.webhook_targets import check_target
from domain.webhooks import RetrySchedule, WebhookUrlNotAllowed, signatures

log = logging.getLogger(__name__)

WEBHOOK_ENDPOINTS = "webhook-endpoints"
"""Bus topic: an endpoint was created, changed or deleted; every worker reloads its list."""
TIMEOUT_SECONDS = 10.0
RESPONSE_CAP_BYTES = 4096
"""Of a response body, at most this much is read (and 200 characters kept on failure)."""
BATCH = 64
CONCURRENCY = 16
LEASE_SECONDS = 60.0
"""A claim lasts this long: longer than any one request may take."""
IDLE_SECONDS = 0.5
"""How often an idle relay looks for due deliveries written by other workers."""
COMMIT_GRACE = 0.25
"""After this worker wrote deliveries, the relay looks every 20 ms this long for them."""
PURGE_AFTER = timedelta(days=7)
"""Finished deliveries are kept this long for webhookDeliveries."""
ALERTS = "alerts"


class WebhookRelay:
    def __init__(self, database: Database, bus: EventBus, clock: Clock, settings: Settings) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock
        self._allow_private = settings.webhook_allow_private
        self._schedule = RetrySchedule(tuple(settings.webhook_retry_seconds))
        self._disable_after = timedelta(hours=settings.webhook_disable_after_hours)
        self.subscribers: Subscribers = subscribers_for(database.writer.sync_engine)
        self._wake = asyncio.Event()
        self.subscribers.on_write = self._written
        self._written_at = -COMMIT_GRACE
        self._purged_at = 0.0
        self._client: httpx.AsyncClient | None = None
        """While run_forever runs: one client, so connections to endpoints are kept alive."""

    async def reload(self) -> None:
        """Reads the enabled endpoints again (after a change, and every REFRESH_SECONDS)."""
        async with self._database.read() as conn:
            found = await webhook_repository.list_endpoints(conn, enabled_only=True)
        self.subscribers.replace(found, time.monotonic())

    def _written(self) -> None:
        """A transaction of this worker wrote deliveries (it commits in a moment)."""
        self._written_at = time.monotonic()
        self._wake.set()

    async def changed(self) -> None:
        """This worker changed an endpoint: reload now, and tell the others."""
        await self.reload()
        self._wake.set()
        self._bus.send_committed([(WEBHOOK_ENDPOINTS, {})])

    async def run_forever(self) -> None:
        follower = asyncio.create_task(self._follow_changes())
        self._client = _new_client()
        try:
            while True:
                try:
                    busy = await self.run_once()
                except Exception:
                    if _cancelling():
                        raise
                    log.exception("webhook relay failed; retrying in %ss", IDLE_SECONDS)
                    busy = False
                if not busy:
                    # Deliveries this worker wrote are told before their commit: look again
                    # soon, until they show.
                    soon = time.monotonic() - self._written_at < COMMIT_GRACE
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 0.02 if soon else IDLE_SECONDS)
                    self._wake.clear()
        finally:
            follower.cancel()
            with suppress(asyncio.CancelledError):
                await follower
            client, self._client = self._client, None
            await client.aclose()

    async def run_once(self) -> bool:
        """One round: reload if stale, send one batch. True if the batch was full."""
        if time.monotonic() - self.subscribers.loaded_at >= REFRESH_SECONDS:
            await self.reload()
        if not self.subscribers.endpoints:
            return False
        sent = await self.deliver_due()
        await self._upkeep()
        return sent >= BATCH

    async def deliver_due(self) -> int:
        now = self._clock()
        async with self._database.read() as conn:
            if not await webhook_claims.due_exists(conn, now):
                return 0
        async with self._database.transaction() as conn:
            claimed = await webhook_claims.claim(conn, now, BATCH, LEASE_SECONDS)
        if not claimed:
            return 0
        outcomes = await self._send_all(claimed)
        metrics.webhook_attempts((o.status_code, o.delivered) for o in outcomes if o.tried)
        async with self._database.transaction() as conn:
            await webhook_claims.record(
                conn, outcomes, self._clock(), self._schedule, random.random()
            )
            disabled = await webhook_claims.disable_failing(
                conn, self._clock(), self._disable_after
            )
        if disabled:
            for endpoint_id, alert in disabled:
                log.warning("webhook endpoint %s disabled: %s", endpoint_id, alert.message)
            self._bus.send_committed([(ALERTS, alert_message(alert)) for _, alert in disabled])
            await self.changed()
        return len(claimed)

    async def _send_all(self, claimed: list[Claimed]) -> list[Outcome]:
        """Per endpoint: one request first; if it succeeds the rest, CONCURRENCY at a time in
        all; if it fails, the rest are not tried (the endpoint pauses), so a dead endpoint
        costs one request per pause, not one per delivery."""
        by_endpoint: dict[int, list[Claimed]] = {}
        for delivery in claimed:
            by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery)
        limit = asyncio.Semaphore(CONCURRENCY)
        async with AsyncExitStack() as stack:
            client = self._client
            if client is None:  # a round outside run_forever (tests)
                client = _new_client()
                stack.push_async_callback(client.aclose)

            async def one(delivery: Claimed) -> Outcome:
                async with limit:
                    return await self.send(client, delivery)

            async def endpoint(deliveries: list[Claimed]) -> list[Outcome]:
                untried = [Outcome(d, None, None, tried=False) for d in deliveries[1:]]
                try:  # where it points now: once per endpoint and round
                    await check_target(deliveries[0].url, self._allow_private)
                except WebhookUrlNotAllowed as refused:
                    return [Outcome(deliveries[0], None, refused.message), *untried]
                probe = await one(deliveries[0])
                if not probe.delivered:
                    return [probe, *untried]
                return [probe, *await asyncio.gather(*(one(d) for d in deliveries[1:]))]

            done = await asyncio.gather(*(endpoint(d) for d in by_endpoint.values()))
        return [outcome for outcomes in done for outcome in outcomes]

    async def send(self, client: httpx.AsyncClient, delivery: Claimed) -> Outcome:
        body = orjson.dumps(delivery.payload)
        timestamp = int(self._clock().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "stockpool-webhooks",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures(delivery.secrets, delivery.message_id, timestamp, body),
        }
        try:
            status, text = await asyncio.wait_for(
                _post(client, delivery.url, body, headers), TIMEOUT_SECONDS
            )
        except TimeoutError:
            return Outcome(delivery, None, f"no answer within {TIMEOUT_SECONDS:g} s")
        except httpx.HTTPError as error:
            return Outcome(delivery, None, f"{type(error).__name__}: {error}"[:500])
        if 200 <= status < 300:
            return Outcome(delivery, status, None)
        return Outcome(delivery, status, f"HTTP {status}: {text[:200]}")

    async def _follow_changes(self) -> None:
        while True:
            try:
                async with self._bus.follow([WEBHOOK_ENDPOINTS]) as deliveries:
                    async for delivery in deliveries:
                        # RESUMED (changes may have been missed) or an endpoint changed.
                        if isinstance(delivery, Resumed) or delivery[0] == WEBHOOK_ENDPOINTS:
                            await self.reload()
                            self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                if _cancelling():
                    raise
                log.exception("webhook endpoint changes not followed; polling only")
                await asyncio.sleep(REFRESH_SECONDS)

    async def _upkeep(self) -> None:
        if time.monotonic() - self._purged_at < 3600:
            return
        self._purged_at = time.monotonic()
        async with self._database.transaction() as conn:
            # Deliveries another worker wrote for an endpoint in the second before it heard
            # the endpoint was disabled.
            await webhook_disabled.fail_pending(conn)
            dropped = await webhook_claims.purge(conn, self._clock() - PURGE_AFTER)
        if dropped:
            log.info("dropped %d finished webhook deliveries", dropped)


def _new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)


def _cancelling() -> bool:
    """Whether this task is being cancelled (an error raised meanwhile must not swallow it)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    """POSTs and reads at most RESPONSE_CAP_BYTES of the answer."""
    async with client.stream("POST", url, content=body, headers=headers) as response:
        read = b""
        async for chunk in response.aiter_raw():
            read += chunk
            if len(read) >= RESPONSE_CAP_BYTES:
                break
        return response.status_code, read[:RESPONSE_CAP_BYTES].decode("utf-8", "replace")

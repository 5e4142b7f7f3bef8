"""Background work the app runs while it serves: the expired-hold sweeper, the campaign
clock, the connector monitor and the webhook relay."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from api.clock import Clock
from api.services.connectors import ConnectorService
from api.services.listings import ListingService
from api.services.reservations import ReservationService
from api.services.webhook_relay import WebhookRelay

log = logging.getLogger(__name__)

CAMPAIGN_POLL_SECONDS = 5.0
"""How often the campaign clock looks for windows created since it last looked."""


async def sweep_forever(reservations: ReservationService, interval_seconds: float) -> None:
    """Records expired holds in the ledger. Availability never waits for this: an expired
    hold already counts as released everywhere; the sweep only settles the counters."""
    while True:
        try:
            while await reservations.expire_due() > 0:
                pass
        except Exception:
            log.exception("expiry sweep failed; retrying in %ss", interval_seconds)
        await asyncio.sleep(interval_seconds)


async def follow_campaigns(listings: ListingService, clock: Clock) -> None:
    """Republishes listings the moment a campaign window opens or closes. At start it looks
    at every window that ever began or ended, so a restart misses nothing."""
    since = datetime.min.replace(tzinfo=UTC)
    while True:
        try:
            since = await listings.republish_due_campaigns(since)
            upcoming = await listings.next_campaign_boundary(since)
        except Exception:
            log.exception("campaign clock failed; retrying in %ss", CAMPAIGN_POLL_SECONDS)
            upcoming = None
        delay = CAMPAIGN_POLL_SECONDS
        if upcoming is not None:
            delay = min(delay, max((upcoming - clock()).total_seconds(), 0.0) + 0.001)
        with suppress(TimeoutError):
            await asyncio.wait_for(listings.campaigns_changed.wait(), delay)
        listings.campaigns_changed.clear()


@asynccontextmanager
async def running(
    reservations: ReservationService,
    listings: ListingService,
    clock: Clock,
    sweep_seconds: float,
    connectors: ConnectorService | None = None,
    webhooks: WebhookRelay | None = None,
) -> AsyncIterator[None]:
    if webhooks is not None:
        # Before serving: the outbox must know every endpoint from the first commit on.
        await webhooks.reload()
    if connectors is not None:
        # One look before serving: this worker knows at once whether outages cover pools.
        await connectors.look()
    tasks = [
        asyncio.create_task(sweep_forever(reservations, sweep_seconds)),
        asyncio.create_task(follow_campaigns(listings, clock)),
    ]
    if connectors is not None:
        tasks.append(asyncio.create_task(connectors.monitor_forever()))
    if webhooks is not None:
        tasks.append(asyncio.create_task(webhooks.run_forever()))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task

"""Background work the app runs while it serves: the expired-hold sweeper, the campaign
clock, the connector monitor, the webhook relay and the feeds' retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from api.clock import Clock
from api.services.container import Services
from api.services.feeds import FeedService
from api.services.listings import ListingService
from api.services.reservations import ReservationService

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


FEED_RETENTION_POLL_SECONDS = 60.0
"""How often the feeds drop changes older than the retention window."""


async def drop_old_feed_changes_forever(feeds: FeedService) -> None:
    """Keeps the channel feeds within STOCKPOOL_FEED_RETENTION_DAYS (cursors before what is
    dropped get CURSOR_EXPIRED). Every worker runs it; each run is one short transaction."""
    while True:
        try:
            await feeds.drop_expired()
        except Exception:
            log.exception("feed retention failed; retrying in %ss", FEED_RETENTION_POLL_SECONDS)
        await asyncio.sleep(FEED_RETENTION_POLL_SECONDS)


@asynccontextmanager
async def running(services: Services, clock: Clock) -> AsyncIterator[None]:
    """Runs the background work of this worker while the block runs."""
    # Before serving: the outbox must know every endpoint from the first commit on, and this
    # worker whether outages cover pools.
    await services.webhook_relay.reload()
    await services.connectors.look()
    tasks = [
        asyncio.create_task(sweep_forever(services.reservations, services.settings.sweep_seconds)),
        asyncio.create_task(follow_campaigns(services.listings, clock)),
        asyncio.create_task(services.connectors.monitor_forever()),
        asyncio.create_task(services.webhook_relay.run_forever()),
        asyncio.create_task(drop_old_feed_changes_forever(services.feeds)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task

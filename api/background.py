"""Background work the app runs while it serves: the expired-hold sweeper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from api.services.reservations import ReservationService

log = logging.getLogger(__name__)


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


@asynccontextmanager
async def running(reservations: ReservationService, interval_seconds: float) -> AsyncIterator[None]:
    task = asyncio.create_task(sweep_forever(reservations, interval_seconds))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

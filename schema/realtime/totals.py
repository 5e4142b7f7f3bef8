"""Per-SKU totals over every location (domain/stock_totals.py), kept current in each process
for their subscribers as the stock levels change."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress

from api.services.container import Services
from domain.stock import StockLevel
from domain.stock_totals import SkuTotals, totals_of
from schema.realtime.changes import SKU_TOTALS, Change

log = logging.getLogger(__name__)


def totals_change(totals: SkuTotals) -> Change:
    return Change(SKU_TOTALS, totals, ("totals", totals.sku), totals.version)


async def read_totals(services: Services, skus: Iterable[str] | None) -> list[SkuTotals]:
    """The totals as the database has them now (expired holds already let go)."""
    if skus is None:
        return totals_of(await services.queries.stock_levels(None, None))
    levels: list[StockLevel] = []
    for sku in skus:
        levels += await services.queries.stock_levels(sku, None)
    return totals_of(levels)


class TotalsRefresher:
    """Re-reads the totals of SKUs whose levels changed and hands them on.

    Reading the database instead of adding up bus messages keeps totals exactly what the
    `Sku.totals` query answers. SKUs that change while a read runs are read again after it,
    so a burst of changes to one SKU costs a few reads, not one per change."""

    def __init__(
        self,
        services: Services,
        wanted: Callable[[str], bool],
        deliver: Callable[[Change], Awaitable[None]],
    ) -> None:
        self._services = services
        self._wanted = wanted
        self._deliver = deliver
        self._dirty: dict[str, None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def level_changed(self, sku: str) -> None:
        if self._wanted(sku):
            self._dirty[sku] = None
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh_forever(), name="sku-totals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _refresh_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            skus, self._dirty = list(self._dirty), {}
            try:
                for totals in await read_totals(self._services, skus):
                    await self._deliver(totals_change(totals))
            except Exception:
                log.exception("could not refresh the totals of %s; next change retries", skus)

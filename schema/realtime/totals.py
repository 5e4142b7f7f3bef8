"""Per-SKU totals over every location, derived in each process from the stock levels.

A total's `version` is the sum of its levels' versions: every change to any level of the SKU
raises it, and it never goes down, so a client drops totals older than what it shows just
as it does for levels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass

from api.services.container import Services
from domain.quantities import Quantities
from domain.stock import StockLevel
from schema.realtime.changes import SKU_TOTALS, Change

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SkuTotals:
    sku: str
    quantities: Quantities
    version: int
    locations: int


def totals_change(totals: SkuTotals) -> Change:
    return Change(SKU_TOTALS, totals, ("totals", totals.sku), totals.version)


def totals_of(levels: Iterable[StockLevel]) -> list[SkuTotals]:
    """One total per SKU of `levels`, in the order the SKUs first appear."""
    by_sku: dict[str, list[StockLevel]] = {}
    for level in levels:
        by_sku.setdefault(level.sku, []).append(level)
    return [
        SkuTotals(
            sku=sku,
            quantities=sum((level.quantities for level in found), Quantities()),
            version=sum(level.version for level in found),
            locations=len(found),
        )
        for sku, found in by_sku.items()
    ]


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

"""Bundles and kits: reading a bundle's components (api/handlers/bundles.py sets them), the
whole sets they make at each location, and taking a request's bundle lines apart for holds
and sales."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from api.clock import Clock, utc_now
from api.database import batch_writes, stock_repository
from api.database import bundle_repository as repository
from api.database.bundle_repository import BundleLine
from api.database.engine import Database
from domain.bundles import (
    BundledRequest,
    Component,
    bundle_pool,
    leaves,
)
from domain.errors import (
    SkuIsBundle,
    StockpoolError,
    refusal,
)
from domain.reservations import RequestedLine


class BundleService:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def components(self, sku: str) -> list[Component]:
        async with self._database.read() as conn:
            found = await repository.components_by_bundle(conn, [sku])
        return [Component(code, quantity) for code, quantity in found.get(sku, [])]

    async def stock_by_location(self, sku: str) -> list[tuple[str, int]]:
        """Whole bundles the components' available units make at each location that has any
        of them: min over components of floor(available / units per bundle)."""
        async with self._database.read() as conn:
            graph = await repository.graph_below(conn, [sku])
            if sku not in graph.composition:
                return []
            leaf_units = leaves(sku, graph.composition)
            levels = await stock_repository.list_levels(
                conn, now=self._clock(), sku_codes=sorted(leaf_units)
            )
        available: dict[str, dict[str, int]] = defaultdict(dict)
        for level in levels:
            available[level.location][level.sku] = level.quantities.available
        return [(location, bundle_pool(leaf_units, found)) for location, found in available.items()]

    async def reservation_lines(self, reservation_id: str) -> list[BundleLine]:
        async with self._database.read() as conn:
            found = await repository.reservation_bundles(conn, [reservation_id])
        return found.get(reservation_id, [])


async def take_apart(
    conn: AsyncConnection, lines: tuple[RequestedLine, ...], prefix: str | None
) -> tuple[BundledRequest, dict[str, int]]:
    """The request with its bundle lines taken apart (fields of refused lines under
    `prefix`), and the ids of the SKUs in them."""
    graph = await repository.graph_below(conn, {line.sku for line in lines})
    return BundledRequest.of(lines, graph.composition, prefix), graph.ids


async def record_bundle_lines(
    conn: AsyncConnection, reservation_id: str, request: BundledRequest, ids: dict[str, int]
) -> None:
    await batch_writes.insert_bundle_lines(
        conn,
        [
            (reservation_id, number, ids[line.sku], line.quantity)
            for number, line in request.bundle_lines()
        ],
    )


async def refuse_bundles(
    conn: AsyncConnection, sku_ids: Iterable[tuple[int, str]], action: str, field: str = "sku"
) -> None:
    """Refuses a stock change of a bundle: it has no stock of its own."""
    pairs = list(sku_ids)
    bundles = await repository.bundles_among(conn, [sku_id for sku_id, _ in pairs])
    problems: list[StockpoolError] = [
        SkuIsBundle(code, action, tuple(field.split(".")))
        for sku_id, code in pairs
        if sku_id in bundles
    ]
    if problems:
        raise refusal(problems)

"""Bundles and kits: setting a bundle's components, reading them, the whole sets they make at
each location, and taking a request's bundle lines apart for holds and sales."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import bundle_repository as repository
from api.database import catalogue_repository as catalogue
from api.database import stock_repository
from api.database.bundle_repository import BundleLine
from api.database.engine import Database
from api.messages import availability_messages
from api.services.publishing import republish
from domain.access import Principal
from domain.bundles import (
    BundledRequest,
    Component,
    SetBundleComponents,
    bundle_pool,
    find_cycle,
    leaves,
)
from domain.catalogue import Sku
from domain.errors import (
    BundleCycle,
    SkuHasStock,
    SkuIsBundle,
    SkuNotFound,
    StockpoolError,
    refusal,
)
from domain.reservations import RequestedLine


class BundleService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def set_components(self, command: SetBundleComponents, principal: Principal) -> Sku:
        """Replaces the bundle's components and republishes it (and every bundle containing
        it) on every channel listing it."""
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            await repository.serialize_changes(conn)
            bundle_id = await catalogue.sku_id(conn, command.sku)
            component_ids = await _component_ids(conn, command)
            if command.components:
                await _check_can_be_bundle(conn, command, bundle_id)
            await repository.replace_components(
                conn, bundle_id, {component_ids[c.sku]: c.quantity for c in command.components}
            )
            containing = await repository.bundles_containing(conn, [command.sku])
            changed = await republish(conn, now, sku_codes={command.sku, *containing})
            sku = await catalogue.get_sku(conn, command.sku, ("sku",))
        await self._bus.publish_committed(availability_messages(changed))
        return sku

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
    conn: AsyncConnection, lines: tuple[RequestedLine, ...]
) -> tuple[BundledRequest, dict[str, int]]:
    """The request with its bundle lines taken apart, and the ids of the SKUs in them."""
    graph = await repository.graph_below(conn, {line.sku for line in lines})
    return BundledRequest.of(lines, graph.composition), graph.ids


async def record_bundle_lines(
    conn: AsyncConnection, reservation_id: str, request: BundledRequest, ids: dict[str, int]
) -> None:
    await repository.record_reservation_bundles(
        conn,
        reservation_id,
        [
            (number, ids[line.sku], line.quantity)
            for number, line in enumerate(request.lines)
            if line.sku in request.parts
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


async def _component_ids(conn: AsyncConnection, command: SetBundleComponents) -> dict[str, int]:
    known = await catalogue.sku_ids_by_code(conn, {c.sku for c in command.components})
    missing: list[StockpoolError] = [
        SkuNotFound(c.sku, ("components", str(index), "sku"))
        for index, c in enumerate(command.components)
        if c.sku not in known
    ]
    if missing:
        raise refusal(missing)
    return known


async def _check_can_be_bundle(
    conn: AsyncConnection, command: SetBundleComponents, bundle_id: int
) -> None:
    """A bundle has no stock of its own, no listing that backorders it, and never contains
    itself; its units multiplied out stay within the largest quantity."""
    if await repository.has_stock(conn, bundle_id):
        raise SkuHasStock(command.sku)
    backordering = await repository.backordering_listing_channels(conn, bundle_id)
    if backordering:
        raise SkuIsBundle(
            command.sku,
            f"be backordered; turn allowBackorder off on {', '.join(backordering)} first",
        )
    new = command.as_mapping()
    graph = await repository.graph_below(conn, new)
    cycle = find_cycle(command.sku, new, graph.composition)
    if cycle:
        raise BundleCycle(cycle)
    leaves(command.sku, {**graph.composition, command.sku: new})

"""setBundleComponents: a SKU becomes a bundle of other SKUs (or an ordinary SKU again), and
every channel listing it, or a bundle containing it, republishes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import bundle_repository as repository
from api.database import catalogue_repository as catalogue
from api.service_layer.unit_of_work import UnitOfWork
from api.services.publishing import republish
from domain.bundles import SetBundleComponents, find_cycle, leaves
from domain.catalogue import Sku
from domain.errors import (
    BundleCycle,
    SkuHasStock,
    SkuIsBundle,
    SkuNotFound,
    StockpoolError,
    refusal,
)


async def set_bundle_components(uow: UnitOfWork, command: SetBundleComponents) -> Sku:
    """Replaces the bundle's components and republishes it (and every bundle containing
    it) on every channel listing it."""
    conn = uow.conn
    await repository.serialize_changes(conn)
    bundle_id = await catalogue.sku_id(conn, command.sku)
    component_ids = await _component_ids(conn, command)
    if command.components:
        await _check_can_be_bundle(conn, command, bundle_id)
    await repository.replace_components(
        conn, bundle_id, {component_ids[c.sku]: c.quantity for c in command.components}
    )
    containing = await repository.bundles_containing(conn, [command.sku])
    uow.republished(await republish(conn, uow.now, sku_codes={command.sku, *containing}))
    return await catalogue.get_sku(conn, command.sku, ("sku",))


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

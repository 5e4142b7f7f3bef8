"""Bundles in the database: which SKUs are sets of which components, and which request lines
of a reservation were bundles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import (
    bundle_components,
    channels,
    listings,
    reservation_bundle_lines,
    skus,
    stock_levels,
)
from domain.quantities import QUANTITY_NAMES

# Any constant: the key of the PostgreSQL advisory lock every change of a composition takes.
_COMPOSITION_LOCK = 0x5B0_0D1E


@dataclass(frozen=True, slots=True)
class Graph:
    """Part of the bundle graph: direct components per bundle, and the ids of every SKU in it."""

    composition: dict[str, dict[str, int]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BundleLine:
    line_number: int
    sku: str
    quantity: int


async def graph_below(conn: AsyncConnection, sku_codes: Iterable[str]) -> Graph:
    """Every bundle among `sku_codes` with its components, theirs, and so on down (one
    recursive query; nothing found for SKUs that are no bundle)."""
    codes = set(sku_codes)
    if not codes:
        return Graph()
    start = (
        select(
            bundle_components.c.bundle_sku_id,
            bundle_components.c.component_sku_id,
            bundle_components.c.quantity,
        )
        .join(skus, skus.c.id == bundle_components.c.bundle_sku_id)
        .where(skus.c.code.in_(codes))
        .cte("below", recursive=True)
    )
    deeper = bundle_components.alias("deeper")
    below = start.union(
        select(deeper.c.bundle_sku_id, deeper.c.component_sku_id, deeper.c.quantity).join(
            start, deeper.c.bundle_sku_id == start.c.component_sku_id
        )
    )
    bundle = skus.alias("bundle")
    component = skus.alias("component")
    rows = await conn.execute(
        select(
            bundle.c.code.label("bundle"),
            bundle.c.id.label("bundle_id"),
            component.c.code.label("component"),
            component.c.id.label("component_id"),
            below.c.quantity,
        )
        .join(bundle, bundle.c.id == below.c.bundle_sku_id)
        .join(component, component.c.id == below.c.component_sku_id)
    )
    graph = Graph()
    for row in rows:
        graph.composition.setdefault(row.bundle, {})[row.component] = int(row.quantity)
        graph.ids[row.bundle] = int(row.bundle_id)
        graph.ids[row.component] = int(row.component_id)
    return graph


async def bundles_containing(conn: AsyncConnection, sku_codes: Iterable[str]) -> set[str]:
    """The bundles that contain any of `sku_codes`, directly or through other bundles."""
    codes = set(sku_codes)
    if not codes:
        return set()
    rows = await conn.execute(_BUNDLES_CONTAINING, {"codes": sorted(codes)})
    return {row.code for row in rows}


def _bundles_containing() -> Select[tuple[str]]:
    """Built once: the statement is on the path of every stock write (republishing)."""
    start = (
        select(bundle_components.c.bundle_sku_id)
        .join(skus, skus.c.id == bundle_components.c.component_sku_id)
        .where(skus.c.code.in_(bindparam("codes", expanding=True)))
        .cte("containing", recursive=True)
    )
    outer = bundle_components.alias("outer")
    containing = start.union(
        select(outer.c.bundle_sku_id).join(start, outer.c.component_sku_id == start.c.bundle_sku_id)
    )
    return select(skus.c.code).join(containing, containing.c.bundle_sku_id == skus.c.id)


_BUNDLES_CONTAINING = _bundles_containing()


async def is_bundle(conn: AsyncConnection, sku_id: int) -> bool:
    found = await conn.execute(
        select(bundle_components.c.bundle_sku_id)
        .where(bundle_components.c.bundle_sku_id == sku_id)
        .limit(1)
    )
    return found.first() is not None


async def bundles_among(conn: AsyncConnection, sku_ids: Iterable[int]) -> set[int]:
    ids = set(sku_ids)
    if not ids:
        return set()
    rows = await conn.execute(_BUNDLES_AMONG, {"ids": sorted(ids)})
    return {int(row.bundle_sku_id) for row in rows}


# Built once: every hold asks it.
_BUNDLES_AMONG = (
    select(bundle_components.c.bundle_sku_id)
    .where(bundle_components.c.bundle_sku_id.in_(bindparam("ids", expanding=True)))
    .distinct()
)


async def serialize_changes(conn: AsyncConnection) -> None:
    """One composition change at a time, so two concurrent changes cannot close a cycle
    between them. SQLite's single writer serializes them already."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _COMPOSITION_LOCK})


async def has_stock(conn: AsyncConnection, sku_id: int) -> bool:
    """Whether any stock level of the SKU holds a unit in any counter (locking them)."""
    rows = await conn.execute(
        select(*(stock_levels.c[name] for name in QUANTITY_NAMES))
        .where(stock_levels.c.sku_id == sku_id)
        .order_by(stock_levels.c.id)
        .with_for_update()
    )
    return any(any(row) for row in rows)


async def backordering_listing_channels(conn: AsyncConnection, sku_id: int) -> list[str]:
    """Channels whose live listing of the SKU allows backorders."""
    rows = await conn.execute(
        select(channels.c.code)
        .join(listings, listings.c.channel_id == channels.c.id)
        .where(
            listings.c.sku_id == sku_id,
            listings.c.allow_backorder.is_(True),
            listings.c.removed_at.is_(None),
        )
        .order_by(channels.c.code)
    )
    return [row.code for row in rows]


async def replace_components(
    conn: AsyncConnection, bundle_id: int, components: dict[int, int]
) -> None:
    await conn.execute(
        delete(bundle_components).where(bundle_components.c.bundle_sku_id == bundle_id)
    )
    if components:
        await conn.execute(
            insert(bundle_components),
            [
                {"bundle_sku_id": bundle_id, "component_sku_id": c, "quantity": q}
                for c, q in components.items()
            ],
        )


async def components_by_bundle(
    conn: AsyncConnection, bundle_codes: Iterable[str]
) -> dict[str, list[tuple[str, int]]]:
    """Direct components of each of the bundles, by component code."""
    codes = set(bundle_codes)
    if not codes:
        return {}
    bundle = skus.alias("bundle")
    component = skus.alias("component")
    rows = await conn.execute(
        select(
            bundle.c.code.label("bundle"),
            component.c.code.label("component"),
            bundle_components.c.quantity,
        )
        .join(bundle, bundle.c.id == bundle_components.c.bundle_sku_id)
        .join(component, component.c.id == bundle_components.c.component_sku_id)
        .where(bundle.c.code.in_(codes))
        .order_by(bundle.c.code, component.c.code)
    )
    found: dict[str, list[tuple[str, int]]] = {code: [] for code in codes}
    for row in rows:
        found[row.bundle].append((row.component, int(row.quantity)))
    return found


async def reservation_bundles(
    conn: AsyncConnection, reservation_ids: Iterable[str]
) -> dict[str, list[BundleLine]]:
    ids = set(reservation_ids)
    if not ids:
        return {}
    rows = await conn.execute(
        select(
            reservation_bundle_lines.c.reservation_id,
            reservation_bundle_lines.c.line_number,
            reservation_bundle_lines.c.quantity,
            skus.c.code,
        )
        .join(skus, skus.c.id == reservation_bundle_lines.c.bundle_sku_id)
        .where(reservation_bundle_lines.c.reservation_id.in_(ids))
        .order_by(reservation_bundle_lines.c.reservation_id, reservation_bundle_lines.c.line_number)
    )
    found: dict[str, list[BundleLine]] = {reservation_id: [] for reservation_id in ids}
    for row in rows:
        found[row.reservation_id].append(
            BundleLine(int(row.line_number), row.code, int(row.quantity))
        )
    return found

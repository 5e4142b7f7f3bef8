"""Recomputing what each channel may show, in the transaction of the change that moved it.

Listing rows are locked in id order after every stock level the transaction touches, so the
transaction that takes a listing's lock last computes it from everything committed before
it: the stored value is never older than the stock behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import bundle_repository, channel_pools
from api.database import channel_repository as channels
from api.database import listing_repository as listings
from api.database.bundle_repository import Graph
from api.database.change_journal import journal_of
from api.database.channel_pools import Pair
from api.database.listing_repository import ListingRecord
from domain.bundles import bundle_channel_pool, leaves
from domain.listings import SafetyRules
from domain.publishing import NOTHING, ChannelAvailability, ChannelPool, Published, publish
from domain.stock import LedgerEntry

Rules = dict[int, tuple[bool, SafetyRules]]
"""Per channel id: whether it is active, and its safety defaults."""


async def republish(
    conn: AsyncConnection,
    now: datetime,
    *,
    sku_codes: Iterable[str] | None = None,
    channel_ids: Iterable[int] | None = None,
    listing_ids: Iterable[int] | None = None,
    bundles: set[str] | None = None,
) -> list[ChannelAvailability]:
    """Recomputes the chosen listings; returns those whose face (quantity or status) changed,
    with their new version. `bundles`, when the caller knows them, are the bundle SKUs among
    the listings (saving the query that finds them)."""
    records = await listings.lock_where(conn, sku_codes, channel_ids, listing_ids)
    if not records:
        return []
    faces = await published_now(conn, records, now, bundles)
    changed = []
    for record in records:
        published, before = faces[record.id], record.availability
        new_face = not published.same_face(before.published, before.status)
        if (
            not new_face
            and published.sellable == before.sellable
            and published.promised_at == before.promised_at
        ):
            continue
        await listings.save_published(conn, record.id, published, new_face, now)
        if new_face:
            face = before.showing(published, version=before.version + 1, at=now)
            journal_of(conn).availability_changed(record.channel_id, face)
            changed.append(face)
    return changed


async def published_now(
    conn: AsyncConnection,
    records: list[ListingRecord],
    now: datetime,
    bundles: set[str] | None = None,
    rules: Rules | None = None,
) -> dict[int, Published]:
    """What each listing (by id) publishes at `now`: the one computation behind what is
    stored and what is read. Its pools leave out holds whose window has passed, swept or not
    (the rule `stockLevels` follows); a removed listing publishes nothing. A constant number
    of queries, whatever the number of listings; `rules`, when the caller has read the
    channels, saves one."""
    if not records:
        return {}
    if rules is None:
        rules = await channels.rules_by_id(conn, {r.channel_id for r in records})
    graph = await bundle_repository.graph_below(
        conn, {r.listing.sku for r in records} if bundles is None else bundles
    )
    pools = await _pools(conn, records, graph, now)
    found = {}
    for record in records:
        active, safety = rules[record.channel_id]
        found[record.id] = (
            NOTHING
            if record.removed
            else publish(
                pools[(record.channel_id, record.sku_id)], record.listing, safety, active, now
            )
        )
    return found


async def as_of(
    conn: AsyncConnection, records: list[ListingRecord], now: datetime, rules: Rules | None = None
) -> list[ListingRecord]:
    """The listings as a reader sees them at `now`: what they publish computed afresh, so a
    hold whose window has passed is left out before the sweeper records it. The version and
    its moment stay those of the last recorded change (the sweeper, or the next write, moves
    them and pushes the new figures)."""
    faces = await published_now(conn, records, now, rules=rules)
    return [
        replace(record, availability=record.availability.showing(faces[record.id]))
        for record in records
    ]


async def republish_after(
    conn: AsyncConnection, entries: list[LedgerEntry], now: datetime
) -> list[ChannelAvailability]:
    """What the ledger rows a transaction wrote change on every channel listing their SKUs."""
    if not entries:
        return []
    changed = {entry.sku for entry in entries}
    # A bundle's pool moves with its components': republish every bundle containing them.
    bundles = await bundle_repository.bundles_containing(conn, changed)
    return await republish(conn, now, sku_codes=changed | bundles, bundles=bundles)


async def _pools(
    conn: AsyncConnection, records: list[ListingRecord], graph: Graph, now: datetime
) -> dict[Pair, ChannelPool]:
    """The pool behind each listing (see domain/channel_pools.py); a bundle's is the whole
    sets its components' pools make on the channel (domain/bundles.py)."""
    parts = {sku: leaves(sku, graph.composition) for sku in graph.composition}
    wanted = {(r.channel_id, r.sku_id) for r in records if r.listing.sku not in parts}
    for r in records:
        for leaf in parts.get(r.listing.sku, {}):
            wanted.add((r.channel_id, graph.ids[leaf]))
    pools = await channel_pools.pools(
        conn,
        wanted,
        now,
        backordering=[
            (r.channel_id, r.sku_id)
            for r in records
            if not r.removed and r.listing.allow_backorder and r.listing.sku not in parts
        ],
    )
    for r in records:
        leaf_units = parts.get(r.listing.sku)
        if leaf_units:
            leaf_pools = {leaf: pools[(r.channel_id, graph.ids[leaf])] for leaf in leaf_units}
            pools[(r.channel_id, r.sku_id)] = bundle_channel_pool(leaf_units, leaf_pools)
    return pools

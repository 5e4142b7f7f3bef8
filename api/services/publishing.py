"""Recomputing what each channel may show, in the transaction of the change that moved it.

Listing rows are locked in id order after every stock level the transaction touches, so the
transaction that takes a listing's lock last computes it from everything committed before
it: the stored value is never older than the stock behind it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import channel_pools
from api.database import channel_repository as channels
from api.database import listing_repository as listings
from domain.publishing import NOTHING, ChannelAvailability, publish
from domain.stock import LedgerEntry


async def republish(
    conn: AsyncConnection,
    now: datetime,
    *,
    sku_codes: Iterable[str] | None = None,
    channel_ids: Iterable[int] | None = None,
    listing_ids: Iterable[int] | None = None,
) -> list[ChannelAvailability]:
    """Recomputes the chosen listings; returns those whose face (quantity or status) changed,
    with their new version."""
    records = await listings.lock_where(conn, sku_codes, channel_ids, listing_ids)
    if not records:
        return []
    rules = await channels.rules_by_id(conn, {r.channel_id for r in records})
    pools = await channel_pools.pools(
        conn,
        [(r.channel_id, r.sku_id) for r in records],
        now,
        backordering=[
            (r.channel_id, r.sku_id) for r in records if not r.removed and r.listing.allow_backorder
        ],
    )
    changed = []
    for record in records:
        active, safety = rules[record.channel_id]
        published = (
            NOTHING
            if record.removed
            else publish(
                pools[(record.channel_id, record.sku_id)], record.listing, safety, active, now
            )
        )
        before = record.availability
        new_face = not published.same_face(before.published, before.status)
        if (
            not new_face
            and published.sellable == before.sellable
            and published.promised_at == before.promised_at
        ):
            continue
        await listings.save_published(conn, record.id, published, new_face, now)
        if new_face:
            changed.append(
                ChannelAvailability(
                    sku=before.sku,
                    channel=before.channel,
                    external_sku=before.external_sku,
                    published=published.quantity,
                    status=published.status,
                    version=before.version + 1,
                    updated_at=now,
                    sellable=published.sellable,
                    backorderable=published.backorderable,
                    promised_at=published.promised_at,
                )
            )
    return changed


async def republish_after(
    conn: AsyncConnection, entries: list[LedgerEntry], now: datetime
) -> list[ChannelAvailability]:
    """What the ledger rows a transaction wrote change on every channel listing their SKUs."""
    if not entries:
        return []
    return await republish(conn, now, sku_codes={entry.sku for entry in entries})

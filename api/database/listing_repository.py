"""Listings in the database: a SKU on a channel, its rules, campaigns and what it publishes.

A removed listing keeps its row (and its published version, so a client that saw it never
sees a version go backwards when it comes back); only its external SKU is freed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import channels, listing_campaigns, listings, skus
from domain.errors import ExternalSkuTaken, ListingNotFound
from domain.listings import Campaign, Listing, ListingStatus
from domain.publishing import AvailabilityStatus, ChannelAvailability, Published


@dataclass(frozen=True, slots=True)
class ListingRecord:
    id: int
    channel_id: int
    sku_id: int
    listing: Listing
    availability: ChannelAvailability
    removed: bool
    reported_quantity: int | None = None
    reported_at: datetime | None = None


_with_codes = (
    select(listings, skus.c.code.label("sku"), channels.c.code.label("channel"))
    .join(skus, skus.c.id == listings.c.sku_id)
    .join(channels, channels.c.id == listings.c.channel_id)
)


async def upsert(
    conn: AsyncConnection,
    channel_id: int,
    sku_id: int,
    listing: Listing,
    now: datetime,
    keep_campaigns: bool = False,
) -> int:
    """Creates or replaces the listing (reviving a removed one); returns its id. With
    `keep_campaigns` its campaign windows stay as they are."""
    values: dict[str, Any] = {
        "external_sku": listing.external_sku,
        "live_external_sku": listing.external_sku,
        "status": listing.status.value,
        "safety_units": listing.safety_units,
        "safety_basis_points": listing.safety_basis_points,
        "cap": listing.cap,
        "allow_backorder": listing.allow_backorder,
        "backorder_limit": listing.backorder_limit,
        "removed_at": None,
        "updated_at": now,
    }
    try:
        async with conn.begin_nested():
            updated = await conn.execute(
                update(listings)
                .where(listings.c.channel_id == channel_id, listings.c.sku_id == sku_id)
                .values(values)
                .returning(listings.c.id)
            )
            listing_id = updated.scalar()
            if listing_id is None:
                inserted = await conn.execute(
                    insert(listings)
                    .values(
                        channel_id=channel_id,
                        sku_id=sku_id,
                        published=0,
                        published_status=AvailabilityStatus.OUT_OF_STOCK.value,
                        published_sellable=0,
                        published_backorderable=0,
                        published_version=0,
                        published_at=now,
                        created_at=now,
                        **values,
                    )
                    .returning(listings.c.id)
                )
                listing_id = inserted.scalar_one()
    except IntegrityError:
        holder = await find_by_external_sku(conn, channel_id, listing.external_sku)
        raise ExternalSkuTaken(
            listing.channel, listing.external_sku, holder.listing.sku if holder else "?"
        ) from None
    if not keep_campaigns:
        await replace_campaigns(conn, int(listing_id), listing.campaigns)
    return int(listing_id)


async def replace_campaigns(
    conn: AsyncConnection, listing_id: int, campaigns: Iterable[Campaign]
) -> None:
    await conn.execute(
        delete(listing_campaigns).where(listing_campaigns.c.listing_id == listing_id)
    )
    rows = [
        {
            "listing_id": listing_id,
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
            "safety_basis_points": c.safety_basis_points,
        }
        for c in campaigns
    ]
    if rows:
        await conn.execute(insert(listing_campaigns), rows)


async def free_external_skus(conn: AsyncConnection, channel_id: int, sku_ids: list[int]) -> None:
    """Lets the listings of these SKUs give up their external SKUs, within a transaction that
    hands them out again (uniqueness is checked per statement)."""
    await conn.execute(
        update(listings)
        .where(listings.c.channel_id == channel_id, listings.c.sku_id.in_(sku_ids))
        .values(live_external_sku=None)
    )


async def mark_removed(conn: AsyncConnection, listing_id: int, now: datetime) -> None:
    await conn.execute(
        update(listings)
        .where(listings.c.id == listing_id)
        .values(removed_at=now, live_external_sku=None, updated_at=now)
    )


async def record_report(
    conn: AsyncConnection, listing_id: int, quantity: int, now: datetime
) -> None:
    await conn.execute(
        update(listings)
        .where(listings.c.id == listing_id)
        .values(reported_quantity=quantity, reported_at=now)
    )


async def find(conn: AsyncConnection, channel: str, sku: str) -> ListingRecord | None:
    found = await _load(conn, _with_codes.where(channels.c.code == channel, skus.c.code == sku))
    return found[0] if found else None


async def get(
    conn: AsyncConnection, channel: str, sku: str, field: tuple[str, ...] = ("sku",)
) -> ListingRecord:
    record = await find(conn, channel, sku)
    if record is None or record.removed:
        raise ListingNotFound(channel, sku, field)
    return record


async def find_by_external_sku(
    conn: AsyncConnection, channel_id: int, external_sku: str
) -> ListingRecord | None:
    found = await _load(
        conn,
        _with_codes.where(
            listings.c.channel_id == channel_id, listings.c.live_external_sku == external_sku
        ),
    )
    return found[0] if found else None


async def list_for_channel(
    conn: AsyncConnection,
    channel: str,
    sku_codes: list[str] | None = None,
    include_removed: bool = False,
) -> list[ListingRecord]:
    query = _for_channel(sku_codes is not None, include_removed)
    values: dict[str, Any] = {"channel": channel}
    if sku_codes is not None:
        values["skus"] = sku_codes
    return await _load(conn, query, values)


@lru_cache(maxsize=4)
def _for_channel(by_sku: bool, include_removed: bool) -> Select[Any]:
    """Built once per kind: every hold reads its channel's listings."""
    query = _with_codes.where(channels.c.code == bindparam("channel")).order_by(skus.c.code)
    if by_sku:
        query = query.where(skus.c.code.in_(bindparam("skus", expanding=True)))
    if not include_removed:
        query = query.where(listings.c.removed_at.is_(None))
    return query


async def by_ids(conn: AsyncConnection, listing_ids: list[int]) -> list[ListingRecord]:
    query = _with_codes.where(listings.c.id.in_(listing_ids)).order_by(listings.c.id)
    return await _load(conn, query)


async def lock_where(
    conn: AsyncConnection,
    sku_codes: Iterable[str] | None = None,
    channel_ids: Iterable[int] | None = None,
    listing_ids: Iterable[int] | None = None,
) -> list[ListingRecord]:
    """The chosen listings, row-locked in id order: the order every transaction takes them in,
    after the stock levels it touches."""
    chosen = {"skus": sku_codes, "channels": channel_ids, "listings": listing_ids}
    values = {name: list(found) for name, found in chosen.items() if found is not None}
    return await _load(conn, _lock_query(tuple(sorted(values))), values)


@lru_cache(maxsize=8)
def _lock_query(filters: tuple[str, ...]) -> Select[Any]:
    """The lock of the listings chosen by these filters (expanding parameters of their
    names), built once per combination: every stock write republishes through it."""
    columns = {"skus": skus.c.code, "channels": listings.c.channel_id, "listings": listings.c.id}
    query = _with_codes.order_by(listings.c.id).with_for_update(of=listings)
    for name in filters:
        query = query.where(columns[name].in_(bindparam(name, expanding=True)))
    return query


async def _load(
    conn: AsyncConnection, query: Select[Any], values: dict[str, Any] | None = None
) -> list[ListingRecord]:
    rows = (await conn.execute(query, values)).all()
    if not rows:
        return []
    campaigns: dict[int, list[Campaign]] = defaultdict(list)
    found = await conn.execute(
        select(listing_campaigns)
        .where(listing_campaigns.c.listing_id.in_([row.id for row in rows]))
        .order_by(listing_campaigns.c.starts_at, listing_campaigns.c.id)
    )
    for c in found:
        campaigns[int(c.listing_id)].append(
            Campaign(c.starts_at, c.ends_at, int(c.safety_basis_points))
        )
    return [_record_from(row, tuple(campaigns[int(row.id)])) for row in rows]


def _record_from(row: Any, campaigns: tuple[Campaign, ...]) -> ListingRecord:
    listing = Listing(
        sku=row.sku,
        channel=row.channel,
        external_sku=row.external_sku,
        status=ListingStatus(row.status),
        safety_units=_maybe_int(row.safety_units),
        safety_basis_points=_maybe_int(row.safety_basis_points),
        cap=_maybe_int(row.cap),
        allow_backorder=bool(row.allow_backorder),
        backorder_limit=int(row.backorder_limit),
        campaigns=campaigns,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    availability = ChannelAvailability(
        sku=row.sku,
        channel=row.channel,
        external_sku=row.external_sku,
        published=int(row.published),
        status=AvailabilityStatus(row.published_status),
        version=int(row.published_version),
        updated_at=row.published_at,
        sellable=int(row.published_sellable),
        backorderable=int(row.published_backorderable),
        promised_at=row.promised_at,
    )
    return ListingRecord(
        id=int(row.id),
        channel_id=int(row.channel_id),
        sku_id=int(row.sku_id),
        listing=listing,
        availability=availability,
        removed=row.removed_at is not None,
        reported_quantity=_maybe_int(row.reported_quantity),
        reported_at=row.reported_at,
    )


def _maybe_int(value: Any) -> int | None:
    return None if value is None else int(value)


async def save_published(
    conn: AsyncConnection, listing_id: int, published: Published, new_face: bool, now: datetime
) -> None:
    """Stores what the listing publishes; the version moves only with a new face (quantity or
    status), so clients can trust it to order updates."""
    values: dict[str, Any] = {
        "published": published.quantity,
        "published_status": published.status.value,
        "published_sellable": published.sellable,
        "published_backorderable": published.backorderable,
        "promised_at": published.promised_at,
    }
    if new_face:
        values["published_version"] = listings.c.published_version + 1
        values["published_at"] = now
    await conn.execute(update(listings).where(listings.c.id == listing_id).values(values))


async def with_campaign_boundary_between(
    conn: AsyncConnection, after: datetime, until: datetime
) -> list[int]:
    """Listings a campaign of which started or ended in (after, until]."""
    starts = listing_campaigns.c.starts_at
    ends = listing_campaigns.c.ends_at
    query = (
        select(listing_campaigns.c.listing_id)
        .where(((starts > after) & (starts <= until)) | ((ends > after) & (ends <= until)))
        .distinct()
    )
    return sorted(int(i) for i in (await conn.execute(query)).scalars())


async def next_campaign_boundary(conn: AsyncConnection, after: datetime) -> datetime | None:
    found = []
    for moment in (listing_campaigns.c.starts_at, listing_campaigns.c.ends_at):
        earliest = (await conn.execute(select(func.min(moment)).where(moment > after))).scalar()
        if earliest is not None:
            found.append(earliest)
    return min(found, default=None)


async def live_external_skus(conn: AsyncConnection, channel_id: int) -> dict[str, str]:
    """External SKU → SKU code, for the channel's listings that are not removed."""
    query = (
        select(listings.c.live_external_sku, skus.c.code)
        .join(skus, skus.c.id == listings.c.sku_id)
        .where(listings.c.channel_id == channel_id, listings.c.live_external_sku.is_not(None))
    )
    return {row.live_external_sku: row.code for row in await conn.execute(query)}

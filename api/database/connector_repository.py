"""Connector health in the database: the signs of life workers write (at most once a second
per channel), the conditional updates that take a connector down and bring it back (one
worker wins each), and the exposure holds of an outage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import channels, listings, reservation_lines, skus
from api.database.tables.connectors import exposure_holds
from api.database.tables.feeds import feed_entries
from domain.channel_pools import OutageCover
from domain.connectors import Connector, ExposureHold, OutageFallback, Pair, outage_covers
from domain.feeds import FeedStream

PAUSING = OutageFallback.PAUSE_OTHER_LISTINGS_BELOW.value


def connector_values(connector: Connector) -> dict[str, Any]:
    """The settings an update of the channel writes (never what the monitor knows)."""
    return {
        "connector_timeout_seconds": connector.timeout_seconds,
        "outage_fallback": connector.fallback.value,
        "outage_threshold": connector.threshold,
        "connector_watched_since": connector.watched_since,
    }


def connector_from(row: Any) -> Connector:
    return Connector(
        timeout_seconds=row.connector_timeout_seconds,
        fallback=OutageFallback(row.outage_fallback),
        threshold=int(row.outage_threshold),
        watched_since=row.connector_watched_since,
        last_seen_at=row.connector_last_seen,
        heartbeat_at=row.connector_heartbeat_at,
        down_since=row.connector_down_since,
        back_at=row.connector_back_at,
    )


async def note_signs(
    conn: AsyncConnection, seen: Mapping[str, datetime], heartbeats: Mapping[str, datetime]
) -> None:
    """Records the latest sign of life (and heartbeat) of each channel by code, never moving
    either back (another worker may have written a later one)."""
    for column, moments in (
        (channels.c.connector_last_seen, seen),
        (channels.c.connector_heartbeat_at, heartbeats),
    ):
        for code, at in sorted(moments.items()):
            await conn.execute(
                update(channels)
                .where(channels.c.code == code, or_(column.is_(None), column < at))
                .values({column.name: at})
            )


async def watched(conn: AsyncConnection) -> list[tuple[int, str, Connector]]:
    """Channels the monitor looks at: monitored, down, or holding exposure after an outage."""
    rows = await conn.execute(
        select(channels).where(
            or_(
                channels.c.connector_timeout_seconds.is_not(None),
                channels.c.connector_down_since.is_not(None),
                channels.c.connector_back_at.is_not(None),
            )
        )
    )
    return [(int(row.id), row.code, connector_from(row)) for row in rows]


async def mark_down(
    conn: AsyncConnection, channel_id: int, silent_since: datetime, now: datetime
) -> bool:
    """Takes the connector down if it is still monitored, up, and unheard since
    `silent_since`: of two workers trying at once, one changes the row."""
    done = await conn.execute(
        update(channels)
        .where(
            channels.c.id == channel_id,
            channels.c.connector_timeout_seconds.is_not(None),
            channels.c.connector_down_since.is_(None),
            _not_after(channels.c.connector_last_seen, silent_since),
            _not_after(channels.c.connector_watched_since, silent_since),
        )
        .values(connector_down_since=now, connector_back_at=None)
    )
    return done.rowcount == 1


def _not_after(column: Any, moment: datetime) -> Any:
    return or_(column.is_(None), column <= moment)


async def mark_back(conn: AsyncConnection, channel_id: int, seen_at: datetime) -> bool:
    """Brings a down connector back UP, seen at `seen_at`; False if it was not down."""
    seen = channels.c.connector_last_seen
    done = await conn.execute(
        update(channels)
        .where(channels.c.id == channel_id, channels.c.connector_down_since.is_not(None))
        .values(
            connector_down_since=None,
            connector_back_at=seen_at,
            connector_last_seen=case(
                (or_(seen.is_(None), seen < seen_at), literal(seen_at, seen.type)), else_=seen
            ),
        )
    )
    return done.rowcount == 1


async def clear_back(conn: AsyncConnection, channel_id: int) -> None:
    await conn.execute(
        update(channels).where(channels.c.id == channel_id).values(connector_back_at=None)
    )


async def hold_exposure(
    conn: AsyncConnection, channel_id: int, units: Mapping[int, int], since: datetime
) -> None:
    """Holds back `units` per SKU id for the channel (replacing any it held)."""
    await conn.execute(delete(exposure_holds).where(exposure_holds.c.channel_id == channel_id))
    if units:
        await conn.execute(
            insert(exposure_holds),
            [
                {"channel_id": channel_id, "sku_id": sku_id, "units": n, "since": since}
                for sku_id, n in sorted(units.items())
            ],
        )


async def exposure_skus(conn: AsyncConnection, channel_id: int) -> set[str]:
    """The codes of the SKUs the channel's exposure holds."""
    held = await conn.execute(
        select(skus.c.code)
        .join(exposure_holds, exposure_holds.c.sku_id == skus.c.id)
        .where(exposure_holds.c.channel_id == channel_id)
    )
    return set(held.scalars())


async def lift_exposure(conn: AsyncConnection, channel_id: int) -> None:
    await conn.execute(delete(exposure_holds).where(exposure_holds.c.channel_id == channel_id))


async def consume_exposure(conn: AsyncConnection, channel_id: int, sold: Mapping[str, int]) -> None:
    """A sale the channel reports lowers its exposure of each SKU (by code) by the units
    sold, never below 0."""
    units = exposure_holds.c.units
    for sku, n in sorted(sold.items()):
        sku_id = select(skus.c.id).where(skus.c.code == sku).scalar_subquery()
        await conn.execute(
            update(exposure_holds)
            .where(exposure_holds.c.channel_id == channel_id, exposure_holds.c.sku_id == sku_id)
            .values(units=case((units > n, units - n), else_=0))
        )


async def exposure_of(conn: AsyncConnection, channel_ids: Iterable[int]) -> list[ExposureHold]:
    rows = await conn.execute(
        select(channels.c.code.label("channel"), skus.c.code.label("sku"), exposure_holds)
        .join(channels, channels.c.id == exposure_holds.c.channel_id)
        .join(skus, skus.c.id == exposure_holds.c.sku_id)
        .where(exposure_holds.c.channel_id.in_(list(channel_ids)))
        .order_by(channels.c.code, skus.c.code)
    )
    return [ExposureHold(r.channel, r.sku, int(r.units), r.since) for r in rows]


async def published_by_sku(
    conn: AsyncConnection, channel_id: int, seen_at: datetime | None = None
) -> dict[str, int]:
    """What the channel's live listings show on its marketplace, by SKU: as of `seen_at` (the
    connector's last sign of life) the last value its availability feed carried at or before
    that moment; where the feed has none (no change since, or older than its retention), the
    value stored now."""
    rows = await conn.execute(
        select(skus.c.code, listings.c.published)
        .join(skus, skus.c.id == listings.c.sku_id)
        .where(listings.c.channel_id == channel_id, listings.c.removed_at.is_(None))
    )
    shown = {row.code: int(row.published) for row in rows}
    if seen_at is None or not shown:
        return shown
    feed = feed_entries.c
    mine = and_(feed.channel_id == channel_id, feed.stream == FeedStream.AVAILABILITY.value)
    latest = (
        select(feed.subject, func.max(feed.position).label("position"))
        .where(mine, feed.recorded_at <= seen_at, feed.subject.in_(shown))
        .group_by(feed.subject)
        .subquery()
    )
    found = await conn.execute(
        select(feed.subject, feed.payload).join(
            latest, and_(mine, feed.subject == latest.c.subject, feed.position == latest.c.position)
        )
    )
    for row in found:
        shown[row.subject] = int(row.payload["published"])
    return shown


async def covers(conn: AsyncConnection, pairs: Iterable[Pair]) -> dict[Pair, OutageCover]:
    """What other channels' outages take from each (channel, SKU) pool, in one query: the
    exposure held of those SKUs, and the SKUs listed by down channels that pause others."""
    wanted = set(pairs)
    sku_ids = {sku for _, sku in wanted}
    if not sku_ids:
        return {}
    held = select(
        exposure_holds.c.channel_id,
        exposure_holds.c.sku_id,
        exposure_holds.c.units.label("units"),
        literal(0).label("paused"),
    ).where(exposure_holds.c.sku_id.in_(sku_ids))
    paused = (
        select(
            channels.c.id.label("channel_id"),
            listings.c.sku_id,
            null().label("units"),
            channels.c.outage_threshold.label("paused"),
        )
        .join(listings, listings.c.channel_id == channels.c.id)
        .where(
            and_(
                channels.c.connector_down_since.is_not(None),
                channels.c.outage_fallback == PAUSING,
                listings.c.removed_at.is_(None),
                listings.c.sku_id.in_(sku_ids),
            )
        )
    )
    rows = (await conn.execute(union_all(held, paused))).all()
    return outage_covers(
        wanted,
        [(int(r.channel_id), int(r.sku_id), int(r.units)) for r in rows if r.units is not None],
        [(int(r.channel_id), int(r.sku_id), int(r.paused)) for r in rows if r.units is None],
    )


async def channel_covers(
    conn: AsyncConnection, channel_id: int, sku_codes: Mapping[int, str]
) -> dict[str, OutageCover]:
    """Per SKU code, what other channels' outages take from this channel's pool of it."""
    found = await covers(conn, [(channel_id, sku_id) for sku_id in sku_codes])
    return {sku_codes[sku_id]: cover for (_, sku_id), cover in found.items()}


async def oversold_among(conn: AsyncConnection, sku_codes: set[str]) -> set[str]:
    """The SKUs among these with units recorded as oversold and still waiting."""
    if not sku_codes:
        return set()
    found = await conn.execute(
        select(skus.c.code)
        .distinct()
        .join(reservation_lines, reservation_lines.c.sku_id == skus.c.id)
        .where(skus.c.code.in_(sku_codes), reservation_lines.c.oversold > 0)
    )
    return set(found.scalars())

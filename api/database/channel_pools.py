"""The stock behind a SKU on a channel, for republishing many listings at once: the counters
of its levels at the active locations the channel sells from, holds whose window has passed
let go, read in one query and turned into pools by the one definition of a pool
(domain/channel_pools.py); and the units each channel has promised against incoming stock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import connector_repository, incoming, outage_flag
from api.database.holds import still_promising
from api.database.rows import quantities_from
from api.database.stock_repository import expired_holds
from api.database.tables import (
    channel_locations,
    locations,
    reservation_lines,
    reservations,
    stock_levels,
)
from domain.backorders import Incoming
from domain.channel_pools import NO_COVER, channel_pool
from domain.publishing import ChannelPool
from domain.quantities import Quantities

Pair = tuple[int, int]
"""(channel id, SKU id)"""


async def pools(
    conn: AsyncConnection,
    pairs: Iterable[Pair],
    now: datetime,
    backordering: Iterable[Pair] = (),
) -> dict[Pair, ChannelPool]:
    """The pool behind each pair (domain/channel_pools.py defines it, from the counters of
    the SKU's levels at the channel's active locations as of `now`, less what other channels'
    connector outages cover). Only the `backordering`
    pairs (listings that allow backorders) need the channel's open backorders and the dates
    incoming stock is due: the others skip those queries."""
    wanted = set(pairs)
    dates_wanted = set(backordering) & wanted
    if not wanted:
        return {}
    expired = expired_holds(now)
    query = (
        select(
            channel_locations.c.channel_id,
            stock_levels,
            locations.c.code.label("location"),
            func.coalesce(expired.c.expired, 0).label("expired"),
            func.coalesce(expired.c.expired_backordered, 0).label("expired_backordered"),
        )
        .join(locations, locations.c.id == channel_locations.c.location_id)
        .join(stock_levels, stock_levels.c.location_id == channel_locations.c.location_id)
        .outerjoin(expired, expired.c.stock_level_id == stock_levels.c.id)
        .where(
            locations.c.active.is_(True),
            channel_locations.c.channel_id.in_({channel for channel, _ in wanted}),
            stock_levels.c.sku_id.in_({sku for _, sku in wanted}),
        )
    )
    levels: dict[Pair, list[tuple[str, Quantities]]] = defaultdict(list)
    level_ids: dict[tuple[Pair, str], int] = {}
    for row in await conn.execute(query):
        pair = (int(row.channel_id), int(row.sku_id))
        if pair in wanted:
            levels[pair].append((row.location, _as_of(row)))
            level_ids[(pair, row.location)] = int(row.id)
    open_backorders = await channel_backorders(conn, dates_wanted, now)
    schedules = await _schedules(conn, levels, level_ids, dates_wanted)
    # Other channels' connector outages: one query, and none while no outage covers pools.
    covers = await connector_repository.covers(conn, wanted) if outage_flag.may_cover(conn) else {}
    return {
        pair: channel_pool(
            levels.get(pair, []),
            open_backorders.get(pair, 0),
            schedules.get(pair, {}),
            covers.get(pair, NO_COVER),
        )
        for pair in wanted
    }


def _as_of(row: Any) -> Quantities:
    """A level's counters with the units of holds whose window passed let go, swept or not."""
    return quantities_from(row) - Quantities(
        reserved=int(row.expired), backordered=int(row.expired_backordered)
    )


async def _schedules(
    conn: AsyncConnection,
    levels: dict[Pair, list[tuple[str, Quantities]]],
    level_ids: dict[tuple[Pair, str], int],
    pairs: set[Pair],
) -> dict[Pair, dict[str, tuple[Incoming, ...]]]:
    """Per pair and location, the dated incoming stock of levels with units not yet promised."""
    waiting = [
        (pair, location)
        for pair in pairs
        for location, counters in levels.get(pair, [])
        if counters.unpromised_incoming > 0
    ]
    dated = await incoming.schedules(conn, [level_ids[key] for key in waiting])
    found: dict[Pair, dict[str, tuple[Incoming, ...]]] = defaultdict(dict)
    for pair, location in waiting:
        found[pair][location] = dated.get(level_ids[(pair, location)], ())
    return found


async def channel_backorders(
    conn: AsyncConnection, pairs: Iterable[Pair], now: datetime
) -> dict[Pair, int]:
    """Units each channel has promised against incoming stock, per SKU: the backordered
    units of its live holds and its orders (what its backorder limits count against)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = await conn.execute(
        select(
            reservations.c.channel_id,
            reservation_lines.c.sku_id,
            func.sum(reservation_lines.c.backordered).label("backordered"),
        )
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .where(
            reservation_lines.c.sku_id.in_({sku for _, sku in wanted}),
            reservation_lines.c.backordered > 0,
            reservations.c.channel_id.in_({channel for channel, _ in wanted}),
            still_promising(now),
        )
        .group_by(reservations.c.channel_id, reservation_lines.c.sku_id)
    )
    return {(int(r.channel_id), int(r.sku_id)): int(r.backordered) for r in rows}

"""The stock behind a SKU on a channel: summed over the active locations the channel sells
from, with holds whose window has passed already let go."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import incoming
from api.database.holds import still_promising
from api.database.stock_repository import available, expired_holds
from api.database.tables import (
    channel_locations,
    locations,
    reservation_lines,
    reservations,
    stock_levels,
)
from domain.backorders import IncomingStock, earliest_promise
from domain.publishing import ChannelPool

Pair = tuple[int, int]
"""(channel id, SKU id)"""


async def pools(
    conn: AsyncConnection,
    pairs: Iterable[Pair],
    now: datetime,
    backordering: Iterable[Pair] = (),
) -> dict[Pair, ChannelPool]:
    """The pool behind each pair. Only the `backordering` pairs (listings that allow
    backorders) need the channel's open backorders and the dates incoming stock is due: the
    others skip those queries."""
    wanted = set(pairs)
    dates_wanted = set(backordering) & wanted
    if not wanted:
        return {}
    expired = expired_holds(now)
    # Units of holds whose window passed are free already, swept or not.
    query = (
        select(
            channel_locations.c.channel_id,
            stock_levels.c.id,
            stock_levels.c.sku_id,
            locations.c.code.label("location"),
            (available + func.coalesce(expired.c.expired, 0)).label("available"),
            (stock_levels.c.in_transit + stock_levels.c.on_order).label("incoming"),
            (stock_levels.c.backordered - func.coalesce(expired.c.expired_backordered, 0)).label(
                "promised"
            ),
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
    rows = [row for row in await conn.execute(query) if (row.channel_id, row.sku_id) in wanted]
    open_backorders = await channel_backorders(conn, dates_wanted, now)
    waiting = [
        row
        for row in rows
        if row.incoming > row.promised and (row.channel_id, row.sku_id) in dates_wanted
    ]
    dated = await incoming.schedules(conn, [int(row.id) for row in waiting])
    totals: dict[Pair, int] = defaultdict(int)
    arriving: dict[Pair, list[IncomingStock]] = defaultdict(list)
    for row in rows:
        pair = (int(row.channel_id), int(row.sku_id))
        totals[pair] += int(row.available)
        if row.incoming > row.promised:
            arriving[pair].append(
                IncomingStock(
                    row.location,
                    int(row.incoming - row.promised),
                    int(row.promised),
                    dated.get(int(row.id), ()),
                )
            )
    return {
        pair: ChannelPool(
            totals.get(pair, 0),
            sum(s.unpromised for s in arriving.get(pair, [])),
            earliest_promise(arriving.get(pair, [])),
            open_backorders.get(pair, 0),
        )
        for pair in wanted
    }


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

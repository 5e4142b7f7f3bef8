"""The stock behind a SKU on a channel: summed over the active locations the channel sells
from, with holds whose window has passed already let go."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.stock_repository import available, expired_holds
from api.database.tables import channel_locations, locations, stock_levels
from domain.publishing import ChannelPool

Pair = tuple[int, int]
"""(channel id, SKU id)"""


async def pools(
    conn: AsyncConnection, pairs: Iterable[Pair], now: datetime
) -> dict[Pair, ChannelPool]:
    wanted = set(pairs)
    if not wanted:
        return {}
    expired = expired_holds(now)
    # Units of holds whose window passed are available already, swept or not.
    available_now = available + func.coalesce(expired.c.expired, 0)
    query = (
        select(
            channel_locations.c.channel_id,
            stock_levels.c.sku_id,
            func.sum(available_now).label("available"),
            func.sum(stock_levels.c.in_transit + stock_levels.c.on_order).label("incoming"),
        )
        .join(locations, locations.c.id == channel_locations.c.location_id)
        .join(stock_levels, stock_levels.c.location_id == channel_locations.c.location_id)
        .outerjoin(expired, expired.c.stock_level_id == stock_levels.c.id)
        .where(
            locations.c.active.is_(True),
            channel_locations.c.channel_id.in_({channel for channel, _ in wanted}),
            stock_levels.c.sku_id.in_({sku for _, sku in wanted}),
        )
        .group_by(channel_locations.c.channel_id, stock_levels.c.sku_id)
    )
    found = {
        (int(row.channel_id), int(row.sku_id)): ChannelPool(
            int(row.available or 0), int(row.incoming or 0)
        )
        for row in await conn.execute(query)
    }
    return {pair: found.get(pair, ChannelPool()) for pair in wanted}

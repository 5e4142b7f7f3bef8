"""The stock behind one SKU on one channel (its pool), from the counters of the SKU's levels
at the active locations the channel sells from. The one definition of a pool: a hold decides
on it (api/handlers/holds.py) and republishing shows it (api/database/channel_pools.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.backorders import Incoming, IncomingStock, earliest_promise
from domain.publishing import ChannelPool
from domain.quantities import Quantities

LevelsAt = Sequence[tuple[str, Quantities]]
"""(location, counters) of one SKU's levels at a channel's locations, in the channel's order,
holds whose window has passed already let go."""

Schedules = Mapping[str, tuple[Incoming, ...]]
"""Per location, the dated incoming stock of one SKU (see domain/backorders.py)."""

NO_SCHEDULES: Schedules = {}


@dataclass(frozen=True, slots=True)
class OutageCover:
    """What other channels' connector outages take from this channel's pool of a SKU
    (domain/connectors.py): `withheld` units their exposure holds keep back (the pool never
    goes below 0), and while one with PAUSE_OTHER_LISTINGS_BELOW is down, a pool left at or
    below `paused_at_or_below` publishes nothing (no units on hand, no backorder allowance)."""

    withheld: int = 0
    paused_at_or_below: int | None = None

    def apply(self, pool: ChannelPool) -> ChannelPool:
        available = max(pool.available - self.withheld, 0)
        if self.paused_at_or_below is not None and available <= self.paused_at_or_below:
            return ChannelPool(0, backordered=pool.backordered)
        if available == pool.available:
            return pool
        return ChannelPool(available, pool.incoming, pool.expected_at, pool.backordered)


NO_COVER = OutageCover()


def incoming_stock(levels: LevelsAt, schedules: Schedules = NO_SCHEDULES) -> list[IncomingStock]:
    """What is on its way to each of the locations and not yet promised, in their order."""
    return [
        IncomingStock(
            location,
            counters.unpromised_incoming,
            counters.backordered,
            schedules.get(location, ()),
        )
        for location, counters in levels
        if counters.unpromised_incoming > 0
    ]


def channel_pool(
    levels: LevelsAt,
    backordered: int = 0,
    schedules: Schedules = NO_SCHEDULES,
    cover: OutageCover = NO_COVER,
) -> ChannelPool:
    """The SKU's pool on the channel: available units summed over its locations, less what
    other channels' outages `cover` (see OutageCover); incoming units no backorder has
    claimed, due from the earliest date the `schedules` give; and the units the channel has
    `backordered` already (its open backorders)."""
    available = sum(counters.available for _, counters in levels)
    arriving = incoming_stock(levels, schedules)
    if not arriving:
        pool = ChannelPool(available, backordered=backordered)
    else:
        pool = ChannelPool(
            available,
            sum(stock.unpromised for stock in arriving),
            earliest_promise(arriving),
            backordered,
        )
    return pool if cover == NO_COVER else cover.apply(pool)


def covered_availability(
    available: Mapping[tuple[str, str], int],
    locations: Iterable[str],
    covers: Mapping[str, OutageCover],
) -> dict[tuple[str, str], int]:
    """Per (SKU, location), the available units a sale on the channel may take while other
    channels' outages cover its pools: what a SKU's cover takes from its pool is cut from its
    locations last first (`locations` in the channel's order), so routing keeps its order."""
    found = dict(available)
    order = list(locations)
    for sku, cover in covers.items():
        keys = [(sku, location) for location in order if (sku, location) in found]
        total = sum(max(found[key], 0) for key in keys)
        cut = total - cover.apply(ChannelPool(total)).available
        for key in reversed(keys):
            taken = min(cut, max(found[key], 0))
            found[key] -= taken
            cut -= taken
    return found

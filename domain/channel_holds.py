"""A channel can hold only what it publishes: buffers, caps and pauses included."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.errors import (
    InsufficientStock,
    ListingNotFound,
    ListingPaused,
    StockpoolError,
    refusal,
)
from domain.listings import Listing, ListingStatus, SafetyRules
from domain.publishing import ChannelPool, Published, publish
from domain.reservations import RequestedLine


@dataclass(frozen=True, slots=True)
class ListingState:
    listing: Listing
    removed: bool = False


def demand_per_sku(lines: tuple[RequestedLine, ...]) -> dict[str, tuple[int, int]]:
    """Units asked per SKU over every line, with the index of the SKU's first line."""
    demand: dict[str, tuple[int, int]] = {}
    for index, line in enumerate(lines):
        first, total = demand.get(line.sku, (index, 0))
        demand[line.sku] = (first, total + line.quantity)
    return demand


def check_holds(
    channel: str,
    lines: tuple[RequestedLine, ...],
    pools: Mapping[str, ChannelPool],
    listings: Mapping[str, ListingState],
    rules: SafetyRules,
    now: datetime,
) -> dict[str, Published]:
    """What the channel publishes now of each SKU asked for; refuses every SKU whose demand
    exceeds it (backorder allowance included). A SKU the channel never listed is held under
    the channel's defaults; a removed listing holds nothing."""
    problems: list[StockpoolError] = []
    found: dict[str, Published] = {}
    for sku, (index, requested) in demand_per_sku(lines).items():
        state = listings.get(sku)
        if state is not None and state.removed:
            problems.append(ListingNotFound(channel, sku, ("lines", str(index), "sku")))
            continue
        if state is not None and state.listing.status is ListingStatus.PAUSED:
            problems.append(ListingPaused(channel, sku, ("lines", str(index), "sku")))
            continue
        listing = state.listing if state is not None else None
        published = publish(pools.get(sku, ChannelPool()), listing, rules, True, now)
        found[sku] = published
        if requested > published.quantity:
            problems.append(
                InsufficientStock(
                    sku,
                    f"channel {channel}",
                    requested,
                    published.quantity,
                    "published",
                    ("lines", str(index), "quantity"),
                )
            )
    if problems:
        raise refusal(problems)
    return found

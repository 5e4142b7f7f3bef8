"""A channel's pool (domain/channel_pools.py) and a bundle's (domain/bundles.py): the one
definition holds and republishing both use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.backorders import Incoming, IncomingStock
from domain.bundles import bundle_channel_pool
from domain.channel_pools import channel_pool, incoming_stock
from domain.publishing import ChannelPool
from domain.quantities import Quantities

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_pool_sums_available_units_over_the_channels_locations():
    levels = [
        ("A", Quantities(on_hand=10, reserved=3, damaged=1)),
        ("B", Quantities(on_hand=4, committed=4)),
    ]
    assert channel_pool(levels) == ChannelPool(available=6)


def test_incoming_units_count_once_no_backorder_has_claimed_them():
    levels = [
        ("A", Quantities(on_order=5, backordered=2)),
        ("B", Quantities(in_transit=1, backordered=1)),
    ]
    assert channel_pool(levels, backordered=7) == ChannelPool(0, 3, None, 7)
    assert incoming_stock(levels) == [IncomingStock("A", 3, 2)]


def test_the_pool_is_due_when_the_next_unpromised_unit_is():
    soon, middle, later = (NOW + timedelta(days=days) for days in (2, 3, 5))
    levels = [("A", Quantities(on_order=3, backordered=2)), ("B", Quantities(on_order=4))]
    # A's units due soon are promised already: its next one is due later, B's in between.
    schedules = {"A": (Incoming(soon, 2), Incoming(later, 1)), "B": (Incoming(middle, 4),)}
    assert channel_pool(levels, schedules=schedules).expected_at == middle


def test_a_bundles_pool_is_the_whole_sets_its_leaves_pools_make():
    pools = {"TEE": ChannelPool(7, 4), "CAP": ChannelPool(2), "MUG": ChannelPool(100)}
    assert bundle_channel_pool({"TEE": 2, "CAP": 1}, pools) == ChannelPool(2)
    assert bundle_channel_pool({"TEE": 2, "HAT": 1}, pools) == ChannelPool(0)

"""Bundles in the domain: composition checks, leaves, pools, and taking a request apart."""

from __future__ import annotations

import pytest

from domain.bundles import (
    BundledRequest,
    Component,
    SetBundleComponents,
    bundle_pool,
    find_cycle,
    leaves,
    units_short,
)
from domain.channels import RoutingPolicy, SplitPolicy
from domain.errors import BundleCycle, ErrorCode, InsufficientStock, StockpoolError
from domain.publishing import ChannelPool
from domain.reservations import RequestedLine
from domain.routing import Allocation, Site

KIT = {"KIT": {"TEE": 2, "CAP": 1}}


def codes(error: StockpoolError) -> list[tuple[tuple[str, ...], ErrorCode]]:
    return [(p.field, p.code) for p in error.problems]


def test_components_need_positive_quantities_known_once_and_not_the_bundle_itself():
    command = SetBundleComponents(
        "KIT",
        (
            Component("TEE", 0),
            Component("CAP", -1),
            Component("CAP", 2),
            Component("KIT", 1),
        ),
    )
    with pytest.raises(StockpoolError) as refused:
        command.validate()
    assert codes(refused.value) == [
        (("components", "0", "quantity"), ErrorCode.INVALID_QUANTITY),
        (("components", "1", "quantity"), ErrorCode.INVALID_QUANTITY),
        (("components", "2", "sku"), ErrorCode.INVALID_VALUE),
        (("components", "3", "sku"), ErrorCode.BUNDLE_CYCLE),
    ]


def test_a_bundle_that_would_contain_itself_through_another_is_a_cycle():
    composition = {"GIFT": {"KIT": 1, "MUG": 1}, "KIT": {"TEE": 2}}
    assert find_cycle("KIT", ["GIFT"], composition) == ["KIT", "GIFT", "KIT"]
    assert find_cycle("KIT", ["TEE", "MUG"], composition) is None
    assert find_cycle("BOX", ["GIFT"], composition) is None


def test_nested_bundles_multiply_out_and_a_leaf_reached_twice_is_summed():
    composition = {"GIFT": {"KIT": 3, "TEE": 1}, "KIT": {"TEE": 2, "CAP": 1}}
    assert leaves("GIFT", composition) == {"TEE": 7, "CAP": 3}
    assert leaves("TEE", composition) == {"TEE": 1}


def test_leaves_refuse_a_cycle_instead_of_looping():
    with pytest.raises(BundleCycle):
        leaves("A", {"A": {"B": 1}, "B": {"A": 1}})


def test_a_bundle_pool_is_the_fewest_whole_sets_its_components_make():
    assert bundle_pool({"TEE": 2, "CAP": 1}, {"TEE": 7, "CAP": 5}) == 3
    assert bundle_pool({"TEE": 2, "CAP": 1}, {"TEE": 7}) == 0
    assert bundle_pool({}, {"TEE": 7}) == 0


def test_bundles_short_is_decided_by_the_worst_component():
    assert units_short({"TEE": 2, "CAP": 1}, {"TEE": 3, "CAP": 1}) == 2
    assert units_short({"TEE": 2, "CAP": 1}, {}) == 0


def test_a_request_keeps_bundle_lines_in_place_at_zero_and_knows_their_leaves():
    request = BundledRequest.of((RequestedLine("KIT", 3), RequestedLine("TEE", 1)), KIT)
    assert request.has_bundles
    assert request.stocked_skus() == {"TEE", "CAP"}
    assert request.plain_lines() == (RequestedLine("KIT", 0), RequestedLine("TEE", 1))
    assert request.components_of(RequestedLine("KIT", 3, "WH")) == (
        RequestedLine("TEE", 6, "WH"),
        RequestedLine("CAP", 3, "WH"),
    )
    pools = request.with_bundle_pools({"TEE": ChannelPool(7, 4), "CAP": ChannelPool(9)})
    assert pools["KIT"] == ChannelPool(3)
    assert not BundledRequest.of((RequestedLine("TEE", 1),), KIT).has_bundles


def test_bundle_lines_are_placed_after_the_plain_lines_and_refused_at_their_own_line():
    request = BundledRequest.of((RequestedLine("TEE", 3), RequestedLine("KIT", 1)), KIT)
    sites = [Site("WH")]
    available = {("TEE", "WH"): 5, ("CAP", "WH"): 5}
    plain = [Allocation(0, "TEE", "WH", 3)]
    placed = request.route_bundles(
        sites, available, RoutingPolicy.PRIORITY, SplitPolicy.NEVER, plain=plain
    )
    assert placed == [Allocation(1, "TEE", "WH", 2), Allocation(1, "CAP", "WH", 1)]
    greedy = BundledRequest.of((RequestedLine("TEE", 4), RequestedLine("KIT", 1)), KIT)
    with pytest.raises(InsufficientStock) as refused:
        greedy.route_bundles(
            sites,
            available,
            RoutingPolicy.PRIORITY,
            SplitPolicy.NEVER,
            plain=[Allocation(0, "TEE", "WH", 4)],
        )
    assert refused.value.field == ("lines", "1", "quantity")
    assert refused.value.message == (
        "TEE at the channel's locations (for 1 of bundle KIT): 2 requested but only 1 left "
        "after the request's other lines"
    )


def test_a_line_short_of_units_counts_whole_bundles_or_plain_units():
    request = BundledRequest.of((RequestedLine("KIT", 3), RequestedLine("MUG", 2)), KIT)
    assert request.line_short(RequestedLine("KIT", 3), {"TEE": 3}) == 2
    assert request.line_short(RequestedLine("MUG", 2), {"MUG": 1}) == 1

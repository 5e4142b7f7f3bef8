"""The hold rule (domain/holds.py), with no database: refusals, routing and split policies,
backorders against incoming stock, bundles, and the moves a hold makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.backorders import Incoming
from domain.channel_holds import ListingState
from domain.channels import Channel, ChannelKind, ChannelStatus, RoutingPolicy, SplitPolicy
from domain.errors import ErrorCode, StockpoolError
from domain.holds import ChannelView, Hold, StockView, decide_hold
from domain.listings import DEFAULT_SAFETY, Listing, ListingStatus, SafetyRules
from domain.quantities import Quantities
from domain.reservations import (
    Destination,
    RequestedLine,
    ReservationKind,
    ReservationStatus,
    ReserveStock,
)
from domain.routing import Site
from domain.stock import StockEventType, StockMove, StockReason

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SOON = NOW + timedelta(days=3)
LATER = NOW + timedelta(days=9)


def channel(
    *sites: str,
    routing: RoutingPolicy = RoutingPolicy.PRIORITY,
    split: SplitPolicy = SplitPolicy.NEVER,
    status: ChannelStatus = ChannelStatus.ACTIVE,
    safety: SafetyRules = DEFAULT_SAFETY,
    listings: tuple[Listing, ...] = (),
    backordered: dict[str, int] | None = None,
    located: dict[str, tuple[float, float]] | None = None,
) -> ChannelView:
    coordinates = located or {}
    return ChannelView(
        Channel("web", "Web", ChannelKind.WEBSTORE, status, routing, split, sites, safety),
        [Site(code, *coordinates.get(code, (None, None))) for code in sites],
        {listing.sku: ListingState(listing) for listing in listings},
        backordered or {},
    )


def stock(
    levels: dict[tuple[str, str], Quantities],
    schedules: dict[str, dict[str, tuple[Incoming, ...]]] | None = None,
    composition: dict[str, dict[str, int]] | None = None,
    skus: tuple[str, ...] = ("TEE", "CAP", "MUG", "KIT"),
    locations: tuple[str, ...] = ("A", "B", "C", "ELSEWHERE"),
) -> StockView:
    return StockView(levels, schedules or {}, composition or {}, skus, locations)


def on_hand(units: int, **more: int) -> Quantities:
    return Quantities(on_hand=units, **more)


def reserve(*lines: tuple[str, int] | tuple[str, int, str], **kw: Any) -> ReserveStock:
    return ReserveStock("web", "o-1", tuple(RequestedLine(*line) for line in lines), **kw)


def decide(command: ReserveStock, view: ChannelView | None, levels: StockView) -> Hold:
    return decide_hold(command, view, levels, "r-1", NOW)


def placed(hold: Hold) -> list[tuple[int, str, str, int, int]]:
    return [
        (line.line_number, line.sku, line.location, line.reserved, line.backordered)
        for line in hold.reservation.lines
    ]


def refusal_of(
    command: ReserveStock, view: ChannelView | None, levels: StockView
) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    with pytest.raises(StockpoolError) as refused:
        decide(command, view, levels)
    return [(problem.code, problem.field) for problem in refused.value.problems]


# Refusals


def test_an_unknown_channel_is_refused_on_its_field():
    assert refusal_of(reserve(("TEE", 1)), None, stock({})) == [
        (ErrorCode.CHANNEL_NOT_FOUND, ("channel",))
    ]


def test_a_paused_channel_holds_nothing():
    view = channel("A", status=ChannelStatus.PAUSED)
    levels = stock({("TEE", "A"): on_hand(5)})
    assert refusal_of(reserve(("TEE", 1)), view, levels)[0][0] is ErrorCode.CHANNEL_PAUSED


def test_unknown_skus_and_foreign_or_unknown_locations_are_refused_together():
    command = reserve(("NOPE", 1), ("TEE", 1, "ELSEWHERE"), ("TEE", 1, "NOWHERE"))
    assert refusal_of(command, channel("A"), stock({("TEE", "A"): on_hand(5)})) == [
        (ErrorCode.SKU_NOT_FOUND, ("lines", "0", "sku")),
        (ErrorCode.LOCATION_NOT_IN_CHANNEL, ("lines", "1", "location")),
        (ErrorCode.LOCATION_NOT_FOUND, ("lines", "2", "location")),
    ]


def test_a_sku_may_hold_no_more_than_the_channel_publishes_after_its_safety_buffer():
    view = channel("A", safety=SafetyRules(safety_units=2))
    levels = stock({("TEE", "A"): on_hand(5)})
    assert refusal_of(reserve(("TEE", 2), ("TEE", 2)), view, levels) == [
        (ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))
    ]
    assert placed(decide(reserve(("TEE", 3)), view, levels)) == [(0, "TEE", "A", 3, 0)]


def test_paused_and_removed_listings_hold_nothing():
    paused = Listing("TEE", "web", "web-tee", status=ListingStatus.PAUSED)
    view = channel("A", listings=(paused,))
    gone = {"CAP": ListingState(Listing("CAP", "web", "web-cap"), removed=True)}
    removed = ChannelView(view.channel, view.sites, gone, {})
    levels = stock({("TEE", "A"): on_hand(5), ("CAP", "A"): on_hand(5)})
    assert refusal_of(reserve(("TEE", 1)), view, levels)[0][0] is ErrorCode.LISTING_PAUSED
    assert refusal_of(reserve(("CAP", 1)), removed, levels)[0][0] is ErrorCode.LISTING_NOT_FOUND


def test_counters_already_held_are_not_held_again():
    levels = stock({("TEE", "A"): on_hand(5, reserved=4)})
    refused = refusal_of(reserve(("TEE", 2)), channel("A"), levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))]


# Routing and split policies


def test_priority_without_split_takes_the_first_location_that_has_the_whole_line():
    levels = stock({("TEE", "A"): on_hand(3), ("TEE", "B"): on_hand(4)})
    assert placed(decide(reserve(("TEE", 4)), channel("A", "B"), levels)) == [(0, "TEE", "B", 4, 0)]


def test_no_location_with_the_whole_line_refuses_a_channel_that_never_splits():
    levels = stock({("TEE", "A"): on_hand(3), ("TEE", "B"): on_hand(3)})
    refused = refusal_of(reserve(("TEE", 5)), channel("A", "B"), levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))]


def test_a_channel_that_splits_takes_what_each_location_has_in_its_order():
    levels = stock({("TEE", "A"): on_hand(3), ("TEE", "B"): on_hand(3)})
    view = channel("A", "B", split=SplitPolicy.ALLOWED)
    assert placed(decide(reserve(("TEE", 5)), view, levels)) == [
        (0, "TEE", "A", 3, 0),
        (0, "TEE", "B", 2, 0),
    ]


def test_most_available_starts_at_the_location_with_most_units():
    levels = stock({("TEE", "A"): on_hand(2), ("TEE", "B"): on_hand(9)})
    view = channel("A", "B", routing=RoutingPolicy.MOST_AVAILABLE)
    assert placed(decide(reserve(("TEE", 2)), view, levels)) == [(0, "TEE", "B", 2, 0)]


def test_fewest_locations_prefers_the_location_serving_most_lines():
    levels = stock({("TEE", "A"): on_hand(5), ("TEE", "B"): on_hand(5), ("CAP", "B"): on_hand(5)})
    view = channel("A", "B", routing=RoutingPolicy.FEWEST_LOCATIONS)
    assert placed(decide(reserve(("TEE", 1), ("CAP", 1)), view, levels)) == [
        (0, "TEE", "B", 1, 0),
        (1, "CAP", "B", 1, 0),
    ]


def test_nearest_starts_at_the_location_closest_to_the_destination():
    levels = stock({("TEE", "A"): on_hand(5), ("TEE", "B"): on_hand(5)})
    view = channel(
        "A", "B", routing=RoutingPolicy.NEAREST, located={"A": (0.0, 0.0), "B": (50.0, 10.0)}
    )
    command = reserve(("TEE", 1), destination=Destination(51.0, 10.0))
    assert placed(decide(command, view, levels)) == [(0, "TEE", "B", 1, 0)]


def test_a_line_naming_its_location_is_held_there():
    levels = stock({("TEE", "A"): on_hand(5), ("TEE", "B"): on_hand(5)})
    assert placed(decide(reserve(("TEE", 2, "B")), channel("A", "B"), levels)) == [
        (0, "TEE", "B", 2, 0)
    ]


# Backorders


def backordering(limit: int = 5) -> Listing:
    return Listing("TEE", "web", "web-tee", allow_backorder=True, backorder_limit=limit)


def test_units_beyond_stock_on_hand_are_backordered_against_the_incoming_stock_due_first():
    levels = stock(
        {("TEE", "A"): on_hand(1, on_order=4), ("TEE", "B"): on_hand(0, in_transit=4)},
        schedules={"TEE": {"A": (Incoming(LATER, 4),), "B": (Incoming(SOON, 4),)}},
    )
    hold = decide(reserve(("TEE", 3)), channel("A", "B", listings=(backordering(),)), levels)
    assert placed(hold) == [(0, "TEE", "A", 1, 0), (0, "TEE", "B", 0, 2)]
    assert hold.reservation.lines[1].promised_at == SOON
    assert [move.type for move in hold.moves] == [
        StockEventType.RESERVED,
        StockEventType.BACKORDERED,
    ]
    assert hold.moves[1].delta == Quantities(backordered=2)


def test_backorders_stop_at_the_listing_limit_less_the_channels_open_backorders():
    levels = stock(
        {("TEE", "A"): on_hand(0, on_order=10)},
        schedules={"TEE": {"A": (Incoming(SOON, 10),)}},
    )
    view = channel("A", listings=(backordering(limit=5),), backordered={"TEE": 3})
    assert placed(decide(reserve(("TEE", 2)), view, levels)) == [(0, "TEE", "A", 0, 2)]
    refused = refusal_of(reserve(("TEE", 3)), view, levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))]


def test_a_listing_without_backorders_never_promises_incoming_stock():
    levels = stock({("TEE", "A"): on_hand(1, on_order=10)})
    refused = refusal_of(reserve(("TEE", 2)), channel("A"), levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))]


# Bundles


KIT = {"KIT": {"TEE": 2, "CAP": 1}}


def test_a_bundle_line_is_held_as_its_leaves_after_the_plain_lines():
    levels = stock({("TEE", "A"): on_hand(5), ("CAP", "A"): on_hand(5)}, composition=KIT)
    hold = decide(reserve(("KIT", 2), ("TEE", 1)), channel("A"), levels)
    assert placed(hold) == [(0, "TEE", "A", 4, 0), (0, "CAP", "A", 2, 0), (1, "TEE", "A", 1, 0)]
    assert hold.bundle_lines == ((0, RequestedLine("KIT", 2)),)


def test_a_bundle_is_refused_on_its_own_line_when_its_leaves_are_short():
    levels = stock({("TEE", "A"): on_hand(4), ("CAP", "A"): on_hand(5)}, composition=KIT)
    refused = refusal_of(reserve(("TEE", 1), ("KIT", 2)), channel("A"), levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "1", "quantity"))]


def test_a_bundle_may_hold_no_more_whole_sets_than_its_leaves_make():
    levels = stock({("TEE", "A"): on_hand(5), ("CAP", "A"): on_hand(5)}, composition=KIT)
    refused = refusal_of(reserve(("KIT", 3)), channel("A"), levels)
    assert refused == [(ErrorCode.INSUFFICIENT_STOCK, ("lines", "0", "quantity"))]


def test_a_kit_that_never_splits_takes_every_component_from_one_location_that_makes_it():
    levels = stock(
        {
            ("TEE", "A"): on_hand(20),
            ("CAP", "A"): on_hand(5),
            ("TEE", "B"): on_hand(28),
            ("CAP", "B"): on_hand(14),
        },
        composition=KIT,
    )
    hold = decide(reserve(("KIT", 10)), channel("A", "B"), levels)
    assert placed(hold) == [(0, "TEE", "B", 20, 0), (0, "CAP", "B", 10, 0)]


def test_a_kit_that_never_splits_comes_from_the_location_its_routing_policy_prefers():
    levels = stock(
        {
            ("TEE", "A"): on_hand(10),
            ("CAP", "A"): on_hand(5),
            ("TEE", "B"): on_hand(30),
            ("CAP", "B"): on_hand(10),
        },
        composition=KIT,
    )
    by_priority = decide(reserve(("KIT", 3)), channel("A", "B"), levels)
    assert placed(by_priority) == [(0, "TEE", "A", 6, 0), (0, "CAP", "A", 3, 0)]
    view = channel("A", "B", routing=RoutingPolicy.MOST_AVAILABLE)
    assert placed(decide(reserve(("KIT", 3)), view, levels)) == [
        (0, "TEE", "B", 6, 0),
        (0, "CAP", "B", 3, 0),
    ]


SCATTERED_KIT = {
    ("TEE", "A"): on_hand(20),
    ("CAP", "A"): on_hand(5),
    ("TEE", "B"): on_hand(4),
    ("CAP", "B"): on_hand(14),
}
"""Tees for 10 kits only at A, caps for 10 only at B: at most 5 whole kits at one location."""


def test_a_kit_no_one_location_makes_is_refused_by_a_channel_that_never_splits():
    levels = stock(SCATTERED_KIT, composition=KIT)
    with pytest.raises(StockpoolError) as refused:
        decide(reserve(("CAP", 1), ("KIT", 10)), channel("A", "B"), levels)
    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ErrorCode.INSUFFICIENT_STOCK, ("lines", "1", "quantity"))
    ]
    assert refused.value.problems[0].message == (
        "KIT at any one of the channel's locations: 10 requested but only 4 made whole at one "
        "(the channel never splits a line)"
    )


def test_a_kit_on_a_channel_that_splits_may_take_its_components_from_several_locations():
    levels = stock(SCATTERED_KIT, composition=KIT)
    view = channel("A", "B", split=SplitPolicy.ALLOWED)
    assert placed(decide(reserve(("KIT", 10)), view, levels)) == [
        (0, "TEE", "A", 20, 0),
        (0, "CAP", "B", 10, 0),
    ]


# What a hold is


def test_a_hold_is_a_held_reservation_with_one_move_per_line():
    levels = stock({("TEE", "A"): on_hand(5), ("CAP", "B"): on_hand(5)})
    hold = decide(reserve(("TEE", 2), ("CAP", 1), hold_seconds=60), channel("A", "B"), levels)
    reservation = hold.reservation
    assert (reservation.id, reservation.kind, reservation.status) == (
        "r-1",
        ReservationKind.HOLD,
        ReservationStatus.HELD,
    )
    assert (reservation.created_at, reservation.expires_at) == (NOW, NOW + timedelta(seconds=60))
    assert hold.moves == (
        StockMove(
            "TEE", "A", Quantities(reserved=2), StockEventType.RESERVED, StockReason.ORDER, "o-1"
        ),
        StockMove(
            "CAP", "B", Quantities(reserved=1), StockEventType.RESERVED, StockReason.ORDER, "o-1"
        ),
    )

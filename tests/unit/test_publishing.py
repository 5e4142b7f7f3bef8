from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.listings import Campaign, Listing, ListingStatus, SafetyRules
from domain.publishing import (
    AvailabilityStatus,
    ChannelPool,
    Published,
    buffer_for,
    next_campaign_change,
    publish,
    safety_percent_now,
)

NOW = datetime(2025, 11, 11, 12, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=5)
NO_RULES = SafetyRules()

IN_STOCK = AvailabilityStatus.IN_STOCK
LOW_STOCK = AvailabilityStatus.LOW_STOCK
OUT_OF_STOCK = AvailabilityStatus.OUT_OF_STOCK
BACKORDER = AvailabilityStatus.BACKORDER


def listing(**settings_: object) -> Listing:
    return Listing("A-1", "web", "EXT-1", **settings_)


def shown(
    available: int,
    the_listing: Listing | None = None,
    rules: SafetyRules = NO_RULES,
    *,
    channel_active: bool = True,
    incoming: int = 0,
    expected_at: datetime | None = None,
    now: datetime = NOW,
) -> Published:
    pool = ChannelPool(available=available, incoming=incoming, expected_at=expected_at)
    return publish(pool, the_listing, rules, channel_active, now)


def face(published: Published) -> tuple[int, AvailabilityStatus]:
    return published.quantity, published.status


def campaign(starts_at: datetime, ends_at: datetime, percent: int) -> Campaign:
    return Campaign(starts_at, ends_at, percent * 100)


# ---- the buffer ---------------------------------------------------------------------------


def test_without_any_buffer_the_whole_pool_is_published():
    published = shown(12, listing())

    assert face(published) == (12, IN_STOCK)
    assert (published.sellable, published.buffer, published.pool) == (12, 0, 12)


def test_safety_units_are_held_back():
    published = shown(12, listing(safety_units=5))

    assert face(published) == (7, IN_STOCK)
    assert published.buffer == 5


def test_a_buffer_as_large_as_the_pool_leaves_nothing_to_show():
    assert face(shown(5, listing(safety_units=5))) == (0, OUT_OF_STOCK)


def test_a_buffer_larger_than_the_pool_shows_zero_not_a_negative_number():
    published = shown(3, listing(safety_units=10))

    assert face(published) == (0, OUT_OF_STOCK)
    assert published.sellable == 0


@pytest.mark.parametrize(
    ("pool", "percent", "buffer"),
    [(10, 15, 2), (7, 10, 1), (100, 10, 10), (101, 10, 11), (1, 1, 1), (0, 50, 0)],
)
def test_a_percent_buffer_rounds_up_to_a_whole_unit(pool, percent, buffer):
    published = shown(pool, listing(safety_basis_points=percent * 100))

    assert published.buffer == buffer
    assert published.quantity == pool - buffer


def test_a_percent_buffer_of_a_fraction_of_a_percent_still_holds_a_unit_back():
    assert shown(10, listing(safety_basis_points=1)).buffer == 1


def test_the_larger_of_units_and_percent_is_held_back():
    assert shown(100, listing(safety_units=3, safety_basis_points=1000)).buffer == 10
    assert shown(10, listing(safety_units=3, safety_basis_points=1000)).buffer == 3


def test_the_channel_defaults_apply_to_a_listing_without_its_own():
    rules = SafetyRules(safety_units=4, safety_basis_points=2000)

    assert shown(10, listing(), rules).buffer == 4
    assert shown(50, listing(), rules).buffer == 10


def test_listing_safety_units_override_the_channel_default_and_keep_its_percent():
    rules = SafetyRules(safety_units=4, safety_basis_points=2000)

    assert shown(10, listing(safety_units=1), rules).buffer == 2
    assert shown(10, listing(safety_units=9), rules).buffer == 9


def test_listing_safety_percent_overrides_the_channel_default_and_keeps_its_units():
    rules = SafetyRules(safety_units=4, safety_basis_points=2000)

    assert shown(100, listing(safety_basis_points=500), rules).buffer == 5
    assert shown(10, listing(safety_basis_points=500), rules).buffer == 4


def test_a_listing_override_of_zero_beats_the_channel_default():
    rules = SafetyRules(safety_units=4, safety_basis_points=2000)

    published = shown(10, listing(safety_units=0, safety_basis_points=0), rules)

    assert published.buffer == 0
    assert face(published) == (10, IN_STOCK)


def test_without_a_listing_the_channel_defaults_apply_with_no_cap_and_no_backorder():
    rules = SafetyRules(safety_units=2, safety_basis_points=1000, low_stock_threshold=3)

    published = shown(50, None, rules, incoming=20, expected_at=DUE)

    assert face(published) == (45, IN_STOCK)
    assert (published.buffer, published.backorderable, published.promised_at) == (5, 0, None)


def test_a_negative_pool_publishes_nothing():
    published = shown(-3, listing(safety_basis_points=1000))

    assert face(published) == (0, OUT_OF_STOCK)
    assert published.buffer == 0


# ---- cap ----------------------------------------------------------------------------------


def test_a_cap_limits_what_is_shown():
    assert face(shown(100, listing(cap=10))) == (10, IN_STOCK)


def test_a_cap_above_what_is_sellable_changes_nothing():
    assert face(shown(100, listing(safety_units=95, cap=10))) == (5, IN_STOCK)


def test_a_cap_applies_after_the_buffer():
    published = shown(100, listing(safety_units=20, cap=50))

    assert (published.quantity, published.buffer) == (50, 20)


def test_a_cap_of_zero_shows_nothing():
    assert face(shown(100, listing(cap=0))) == (0, OUT_OF_STOCK)


# ---- paused -------------------------------------------------------------------------------


def test_a_paused_channel_shows_nothing():
    published = shown(100, listing(), channel_active=False)

    assert face(published) == (0, OUT_OF_STOCK)
    assert published.pool == 100


def test_a_paused_channel_shows_nothing_even_without_a_listing():
    assert face(shown(100, None, channel_active=False)) == (0, OUT_OF_STOCK)


def test_a_paused_listing_shows_nothing_even_with_backorders_allowed():
    paused = listing(status=ListingStatus.PAUSED, allow_backorder=True, backorder_limit=5)

    published = shown(100, paused, incoming=10, expected_at=DUE)

    assert face(published) == (0, OUT_OF_STOCK)
    assert published.promised_at is None


# ---- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "status"),
    [(1, LOW_STOCK), (4, LOW_STOCK), (5, LOW_STOCK), (6, IN_STOCK), (0, OUT_OF_STOCK)],
)
def test_low_stock_is_at_or_below_the_channel_threshold(available, status):
    assert shown(available, listing(), SafetyRules(low_stock_threshold=5)).status is status


def test_low_stock_is_judged_on_what_is_shown_after_the_buffer():
    rules = SafetyRules(safety_units=10, low_stock_threshold=5)

    assert face(shown(14, listing(), rules)) == (4, LOW_STOCK)
    assert face(shown(16, listing(), rules)) == (6, IN_STOCK)


def test_a_threshold_of_zero_never_reports_low_stock():
    assert face(shown(1, listing())) == (1, IN_STOCK)


# ---- campaigns ----------------------------------------------------------------------------


def test_a_live_campaign_raises_the_percent():
    sale = listing(
        safety_basis_points=1000, campaigns=(campaign(NOW - timedelta(hours=1), DUE, 30),)
    )

    published = shown(100, sale)

    assert (published.buffer, published.quantity) == (30, 70)
    assert safety_percent_now(sale, NO_RULES, NOW) == 3000


def test_a_campaign_counts_from_its_start_inclusive_to_its_end_exclusive():
    sale = listing(campaigns=(campaign(NOW, NOW + timedelta(hours=1), 50),))

    assert buffer_for(100, sale, NO_RULES, NOW - timedelta(microseconds=1)) == 0
    assert buffer_for(100, sale, NO_RULES, NOW) == 50
    assert buffer_for(100, sale, NO_RULES, NOW + timedelta(minutes=59)) == 50
    assert buffer_for(100, sale, NO_RULES, NOW + timedelta(hours=1)) == 0


def test_a_campaign_never_lowers_the_percent():
    sale = listing(safety_basis_points=4000, campaigns=(campaign(NOW, DUE, 10),))

    assert shown(100, sale).buffer == 40


def test_a_campaign_never_lowers_the_channel_default_percent():
    sale = listing(campaigns=(campaign(NOW, DUE, 10),))

    assert shown(100, sale, SafetyRules(safety_basis_points=2500)).buffer == 25


def test_a_campaign_still_leaves_larger_safety_units_in_force():
    sale = listing(safety_units=60, campaigns=(campaign(NOW, DUE, 10),))

    assert shown(100, sale).buffer == 60


def test_the_highest_of_overlapping_live_campaigns_wins():
    sale = listing(
        campaigns=(
            campaign(NOW - timedelta(days=1), DUE, 20),
            campaign(NOW, NOW + timedelta(hours=2), 35),
            campaign(NOW - timedelta(hours=1), NOW + timedelta(hours=1), 25),
            campaign(NOW + timedelta(hours=1), DUE, 90),
        )
    )

    assert shown(100, sale).buffer == 35
    assert shown(100, sale, now=NOW + timedelta(hours=3)).buffer == 90
    assert shown(100, sale, now=DUE).buffer == 0


def test_a_campaign_over_or_not_yet_begun_changes_nothing():
    sale = listing(
        campaigns=(
            campaign(NOW - timedelta(days=2), NOW - timedelta(days=1), 50),
            campaign(NOW + timedelta(days=1), DUE, 50),
        )
    )

    assert shown(100, sale).buffer == 0


def test_the_next_campaign_change_is_the_nearest_start_or_end_after_now():
    campaigns = [
        campaign(NOW - timedelta(days=1), NOW + timedelta(hours=5), 20),
        campaign(NOW + timedelta(hours=2), NOW + timedelta(hours=3), 30),
    ]

    assert next_campaign_change(campaigns, NOW) == NOW + timedelta(hours=2)
    assert next_campaign_change(campaigns, NOW + timedelta(hours=2)) == NOW + timedelta(hours=3)
    assert next_campaign_change(campaigns, NOW + timedelta(hours=4)) == NOW + timedelta(hours=5)


def test_there_is_no_next_campaign_change_once_every_campaign_is_over():
    over = [campaign(NOW - timedelta(days=2), NOW, 20)]

    assert next_campaign_change(over, NOW) is None
    assert next_campaign_change([], NOW) is None


# ---- backorder ----------------------------------------------------------------------------


def backorders(limit: int, **settings_: object) -> Listing:
    return listing(allow_backorder=True, backorder_limit=limit, **settings_)


def test_backorders_add_incoming_units_up_to_the_limit():
    published = shown(10, backorders(5), incoming=20, expected_at=DUE)

    assert face(published) == (15, IN_STOCK)
    assert (published.sellable, published.backorderable, published.promised_at) == (10, 5, DUE)


def test_backorders_are_bounded_by_what_is_incoming():
    published = shown(10, backorders(50), incoming=3, expected_at=DUE)

    assert (published.quantity, published.backorderable) == (13, 3)


def test_without_incoming_units_there_is_nothing_to_backorder_and_no_promise():
    published = shown(10, backorders(5), incoming=0, expected_at=DUE)

    assert face(published) == (10, IN_STOCK)
    assert (published.backorderable, published.promised_at) == (0, None)


def test_backorders_are_not_offered_unless_the_listing_allows_them():
    published = shown(10, listing(backorder_limit=5), incoming=20, expected_at=DUE)

    assert (published.quantity, published.backorderable, published.promised_at) == (10, 0, None)


def test_backorders_stay_within_the_cap():
    published = shown(10, backorders(5, cap=12), incoming=20, expected_at=DUE)

    assert (published.quantity, published.sellable, published.backorderable) == (12, 10, 2)


def test_a_cap_filled_by_units_on_hand_leaves_no_room_for_backorders():
    published = shown(30, backorders(5, cap=12), incoming=20, expected_at=DUE)

    assert face(published) == (12, IN_STOCK)
    assert (published.backorderable, published.promised_at) == (0, None)


def test_with_nothing_sellable_backorderable_units_show_as_backorder():
    published = shown(0, backorders(5), incoming=20, expected_at=DUE)

    assert face(published) == (5, BACKORDER)
    assert (published.sellable, published.promised_at) == (0, DUE)


def test_a_buffer_eating_the_whole_pool_still_leaves_backorders_on_show():
    published = shown(4, backorders(5, safety_units=10), incoming=20, expected_at=DUE)

    assert face(published) == (5, BACKORDER)


def test_a_few_units_on_hand_with_backorders_are_low_stock_not_backorder():
    rules = SafetyRules(low_stock_threshold=5)

    published = shown(2, backorders(5), rules, incoming=20, expected_at=DUE)

    assert face(published) == (7, LOW_STOCK)


def test_a_cap_of_zero_allows_no_backorders_either():
    assert face(shown(0, backorders(5, cap=0), incoming=20, expected_at=DUE)) == (
        0,
        OUT_OF_STOCK,
    )


def test_a_backorder_limit_of_zero_offers_nothing_to_backorder():
    assert face(shown(0, backorders(0), incoming=20, expected_at=DUE)) == (0, OUT_OF_STOCK)


# ---- every rule at once -------------------------------------------------------------------


def test_the_rules_combine_in_order_buffer_then_cap_then_backorder():
    rules = SafetyRules(safety_units=1, safety_basis_points=500, low_stock_threshold=10)
    sale = backorders(
        4,
        safety_units=3,
        cap=40,
        campaigns=(campaign(NOW - timedelta(hours=1), DUE, 20),),
    )

    published = shown(45, sale, rules, incoming=100, expected_at=DUE)

    # buffer = max(3, ceil(45 * 20%) = 9) = 9 → 36 sellable, under the cap of 40;
    # +4 backorderable = 40, exactly the cap.
    assert (published.buffer, published.sellable, published.backorderable) == (9, 36, 4)
    assert face(published) == (40, IN_STOCK)
    assert published.promised_at == DUE


def test_after_the_campaign_the_listing_units_and_channel_percent_apply_again():
    rules = SafetyRules(safety_units=1, safety_basis_points=500, low_stock_threshold=10)
    sale = backorders(
        4, safety_units=3, cap=40, campaigns=(campaign(NOW - timedelta(hours=1), NOW, 20),)
    )

    published = shown(45, sale, rules, incoming=100, expected_at=DUE)

    # buffer = max(3, ceil(45 * 5%) = 3) = 3 → 42 sellable, capped at 40, no room to backorder.
    assert (published.buffer, published.sellable, published.backorderable) == (3, 40, 0)
    assert face(published) == (40, IN_STOCK)
    assert published.promised_at is None


# ---- properties ---------------------------------------------------------------------------

quantities = st.integers(min_value=0, max_value=10_000)
maybe_quantities = st.none() | quantities
basis_points = st.integers(min_value=0, max_value=10_000)
moments = st.integers(min_value=-72, max_value=72).map(lambda h: NOW + timedelta(hours=h))


@st.composite
def campaigns(draw: st.DrawFn) -> Campaign:
    starts_at = draw(moments)
    length = draw(st.integers(min_value=1, max_value=72))
    return Campaign(starts_at, starts_at + timedelta(hours=length), draw(basis_points))


listings = st.builds(
    Listing,
    sku=st.just("A-1"),
    channel=st.just("web"),
    external_sku=st.just("EXT-1"),
    status=st.sampled_from(ListingStatus),
    safety_units=maybe_quantities,
    safety_basis_points=st.none() | basis_points,
    cap=maybe_quantities,
    allow_backorder=st.booleans(),
    backorder_limit=quantities,
    campaigns=st.lists(campaigns(), max_size=3).map(tuple),
)
rules_strategy = st.builds(
    SafetyRules,
    safety_units=quantities,
    safety_basis_points=basis_points,
    low_stock_threshold=quantities,
)


@settings(database=None, max_examples=300)
@given(
    available=st.integers(min_value=-100, max_value=100_000),
    incoming=quantities,
    expected_at=st.none() | moments,
    the_listing=st.none() | listings,
    rules=rules_strategy,
    channel_active=st.booleans(),
)
def test_published_availability_always_keeps_its_promises(
    available, incoming, expected_at, the_listing, rules, channel_active
):
    pool = ChannelPool(available=available, incoming=incoming, expected_at=expected_at)

    published = publish(pool, the_listing, rules, channel_active, NOW)

    pool_now = max(available, 0)
    assert 0 <= published.sellable <= pool_now
    assert published.quantity == published.sellable + published.backorderable
    assert 0 <= published.backorderable <= incoming
    active = channel_active and (the_listing is None or the_listing.status is ListingStatus.ACTIVE)
    if not active:
        assert face(published) == (0, OUT_OF_STOCK)
        return
    assert published.buffer == buffer_for(available, the_listing, rules, NOW)
    if published.sellable > 0:
        assert published.sellable <= pool_now - published.buffer
    else:
        assert pool_now <= published.buffer or (the_listing is not None and the_listing.cap == 0)
    if the_listing is not None and the_listing.cap is not None:
        assert published.quantity <= the_listing.cap
    if the_listing is None or not the_listing.allow_backorder:
        assert published.backorderable == 0
    else:
        assert published.backorderable <= the_listing.backorder_limit
    if published.backorderable:
        assert published.promised_at == expected_at
    else:
        assert published.promised_at is None
    expected_status = (
        OUT_OF_STOCK
        if published.quantity == 0
        else BACKORDER
        if published.sellable == 0
        else LOW_STOCK
        if published.sellable <= rules.low_stock_threshold
        else IN_STOCK
    )
    assert published.status is expected_status

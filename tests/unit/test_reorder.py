"""Reorder policies, velocity and suggestions, against numbers worked out by hand."""

from __future__ import annotations

import pytest

from domain.errors import ErrorCode, StockpoolError
from domain.reorder import (
    ReorderPolicy,
    SalesVelocity,
    SetReorderPolicy,
    StockPosition,
    check_window,
    suggest,
)


def test_a_policy_needs_non_negative_numbers_and_a_lead_time_within_a_year():
    with pytest.raises(StockpoolError) as refused:
        SetReorderPolicy("TEE", reorder_point=-1, lead_time_days=366, safety_stock=-2).validate()
    assert [(p.field, p.code) for p in refused.value.problems] == [
        (("reorderPoint",), ErrorCode.INVALID_QUANTITY),
        (("leadTimeDays",), ErrorCode.INVALID_VALUE),
        (("safetyStock",), ErrorCode.INVALID_QUANTITY),
    ]
    SetReorderPolicy("TEE", reorder_point=0, lead_time_days=0).validate()


def test_a_window_is_one_day_to_a_year():
    check_window(1)
    check_window(365)
    for bad in (0, -3, 366):
        with pytest.raises(StockpoolError):
            check_window(bad)


def test_stock_is_low_at_or_below_the_reorder_point():
    policy = ReorderPolicy("TEE", None, reorder_point=5, lead_time_days=7)
    assert policy.is_low(5)
    assert policy.is_low(0)
    assert not policy.is_low(6)


def test_velocity_and_days_of_stock():
    velocity = SalesVelocity("TEE", None, window_days=30, units_sold=45)
    assert velocity.units_per_day == 1.5
    assert velocity.days_of_stock(12) == 8.0
    assert velocity.demand_over(7) == 11  # 10.5 rounded up
    assert SalesVelocity("TEE", None, 30, 0).days_of_stock(12) is None


def test_a_suggestion_covers_the_lead_time_and_safety_stock_less_what_is_coming():
    policy = ReorderPolicy("TEE", "WH", reorder_point=10, lead_time_days=14, safety_stock=5)
    velocity = SalesVelocity("TEE", "WH", window_days=30, units_sold=60)  # 2 a day
    position = StockPosition(available=8, on_order=10, in_transit=2, backordered=3)
    suggestion = suggest(policy, position, velocity)
    # cover = 2 * 14 + 5 = 33; position = 8 + 10 + 2 - 3 = 17; 33 - 17 = 16
    assert (suggestion.cover, suggestion.suggested_quantity) == (33, 16)
    assert suggestion.below_reorder_point
    assert suggestion.days_of_stock == 4.0
    plenty = suggest(policy, StockPosition(40, 0, 0, 0), velocity)
    assert (plenty.suggested_quantity, plenty.below_reorder_point) == (0, False)

"""The leaky buckets of points, on a clock the tests move."""

from __future__ import annotations

import pytest

from domain.access import Principal, Role
from domain.throttle import Budget, LeakyBuckets, RoleBudgets, Throttled, ThrottleStatus


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


BUDGET = Budget(size=100, restore_rate=10)


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


def test_a_new_payer_starts_with_a_full_bucket_and_pays_what_it_asks(clock):
    buckets = LeakyBuckets(clock)
    assert buckets.take("key", BUDGET, 30) == ThrottleStatus(100, 70, 10)


def test_a_cost_the_bucket_cannot_pay_is_refused_with_the_wait_until_it_can(clock):
    buckets = LeakyBuckets(clock)
    buckets.take("key", BUDGET, 95)
    refused = buckets.take("key", BUDGET, 20)
    assert isinstance(refused, Throttled)
    assert refused.retry_after == pytest.approx(1.5)  # 15 points missing at 10 a second
    assert refused.retry_after_seconds == 2
    assert refused.status.currently_available == 5  # a refusal takes nothing


def test_the_bucket_refills_at_its_restore_rate_up_to_its_size(clock):
    buckets = LeakyBuckets(clock)
    buckets.take("key", BUDGET, 100)
    clock.now += 1.5
    assert buckets.status("key", BUDGET).currently_available == 15
    clock.now += 3600
    assert buckets.status("key", BUDGET).currently_available == 100


def test_a_clock_that_goes_back_refills_nothing(clock):
    buckets = LeakyBuckets(clock)
    buckets.take("key", BUDGET, 100)
    clock.now -= 50
    assert buckets.status("key", BUDGET).currently_available == 0
    clock.now += 51
    assert buckets.status("key", BUDGET).currently_available == 10


def test_settling_refunds_what_was_taken_beyond_the_actual_cost(clock):
    buckets = LeakyBuckets(clock)
    buckets.take("key", BUDGET, 80)
    assert buckets.settle("key", BUDGET, taken=80, cost=5).currently_available == 95


def test_settling_a_dearer_actual_cost_charges_it_down_to_an_empty_bucket(clock):
    buckets = LeakyBuckets(clock)
    buckets.take("key", BUDGET, 50)
    assert buckets.settle("key", BUDGET, taken=50, cost=500).currently_available == 0


def test_payers_have_their_own_buckets_and_only_the_most_recent_are_kept(clock):
    buckets = LeakyBuckets(clock, max_buckets=2)
    buckets.take("a", BUDGET, 100)
    buckets.take("b", BUDGET, 10)
    assert buckets.status("a", BUDGET).currently_available == 0
    buckets.take("c", BUDGET, 10)  # "b" was seen least recently: forgotten
    assert len(buckets) == 2
    assert buckets.status("a", BUDGET).currently_available == 0
    assert buckets.status("b", BUDGET).currently_available == 100


def test_a_budget_without_points_or_restore_rate_is_refused():
    with pytest.raises(ValueError):
        Budget(size=0, restore_rate=1)
    with pytest.raises(ValueError):
        Budget(size=10, restore_rate=0)


BUDGETS = RoleBudgets(admin=Budget(1000, 100), partner=Budget(200, 20), storefront=Budget(50, 5))


def test_admin_and_partner_keys_pay_per_key_whatever_their_address():
    partner = Principal("erp", Role.PARTNER, "web", key_id="k1")
    assert BUDGETS.account(partner, "1.2.3.4") == BUDGETS.account(partner, "5.6.7.8")
    account = BUDGETS.account(partner, "1.2.3.4")
    assert account is not None and account.budget == BUDGETS.partner
    admin = BUDGETS.account(Principal("ops", Role.ADMIN, key_id="k2"), "1.2.3.4")
    assert admin is not None and admin.budget == BUDGETS.admin


def test_a_storefront_key_pays_per_client_address():
    badge = Principal("badge", Role.STOREFRONT, "web", key_id="k3")
    one, other = BUDGETS.account(badge, "1.2.3.4"), BUDGETS.account(badge, "5.6.7.8")
    assert one is not None and other is not None
    assert one.payer != other.payer
    assert one.budget == BUDGETS.storefront


def test_the_operators_environment_token_is_not_limited():
    assert BUDGETS.account(Principal("admin-token", Role.ADMIN), "1.2.3.4") is None

"""Rate limits by cost, like Shopify's GraphQL API: one leaky bucket of points per payer.

A bucket holds at most `Budget.size` points and refills at `Budget.restore_rate` points a
second. A request may run when its cost fits in what the bucket holds now; the cost is then
taken out, and once the request has run the difference between what was taken and what it
really cost is settled (a refund, or a further charge down to an empty bucket). Buckets are
kept for the most recently seen payers only, so any number of payers costs bounded memory:
a payer forgotten had a bucket that was (nearly) full again anyway, or is one of very many."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from domain.access import Principal, Role

DEFAULT_MAX_BUCKETS = 100_000


@dataclass(frozen=True, slots=True)
class Budget:
    size: int
    """Points a full bucket holds: the most one burst of requests may cost."""
    restore_rate: int
    """Points a second the bucket refills by."""

    def __post_init__(self) -> None:
        if self.size < 1 or self.restore_rate < 1:
            raise ValueError(f"a budget needs points and a restore rate, got {self}")


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    maximum_available: int
    currently_available: int
    restore_rate: int


@dataclass(frozen=True, slots=True)
class Throttled:
    """A request that does not fit in its bucket now."""

    status: ThrottleStatus
    retry_after: float
    """Seconds until the bucket holds the request's cost."""

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, at least one, as HTTP's Retry-After wants them."""
        return max(1, math.ceil(self.retry_after))


@dataclass(slots=True)
class _Bucket:
    available: float
    at: float


@dataclass(frozen=True, slots=True)
class Account:
    """Who pays for a request, and with what budget."""

    payer: Hashable
    budget: Budget


@dataclass(frozen=True, slots=True)
class RoleBudgets:
    admin: Budget
    partner: Budget
    storefront: Budget

    def account(self, principal: Principal, address: str) -> Account | None:
        """Admin and partner keys pay per key. A storefront key pays per client address: it
        is public, shared by every shopper of its page, so one shopper (or a stranger who
        copied it) must not spend everyone's budget. A principal with no key id (the
        operator's `STOCKPOOL_ADMIN_TOKEN`) is not limited."""
        if principal.key_id is None:
            return None
        if principal.role is Role.STOREFRONT:
            return Account((principal.key_id, address), self.storefront)
        budget = self.admin if principal.role is Role.ADMIN else self.partner
        return Account(principal.key_id, budget)


class LeakyBuckets:
    """The buckets of one process. `clock` gives seconds (any origin); a clock that goes
    backwards refills nothing until it has caught up."""

    def __init__(self, clock: Callable[[], float], max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        if max_buckets < 1:
            raise ValueError("at least one bucket")
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, payer: Hashable, budget: Budget, cost: int) -> ThrottleStatus | Throttled:
        """Takes `cost` points from the payer's bucket, or says how long until it could."""
        bucket = self._refilled(payer, budget)
        if cost > bucket.available:
            missing = cost - bucket.available
            return Throttled(_status(bucket, budget), missing / budget.restore_rate)
        bucket.available -= max(cost, 0)
        return _status(bucket, budget)

    def settle(self, payer: Hashable, budget: Budget, taken: int, cost: int) -> ThrottleStatus:
        """After the request ran: gives back what was taken beyond its real `cost`, or takes
        what it cost beyond that (never below an empty bucket)."""
        bucket = self._refilled(payer, budget)
        bucket.available = min(float(budget.size), max(0.0, bucket.available + taken - cost))
        return _status(bucket, budget)

    def status(self, payer: Hashable, budget: Budget) -> ThrottleStatus:
        return _status(self._refilled(payer, budget), budget)

    def _refilled(self, payer: Hashable, budget: Budget) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(payer)
        if bucket is None:
            bucket = _Bucket(float(budget.size), now)
            self._buckets[payer] = bucket
            if len(self._buckets) > self._max_buckets:
                self._buckets.popitem(last=False)
            return bucket
        self._buckets.move_to_end(payer)
        elapsed = now - bucket.at
        if elapsed > 0:
            refill = elapsed * budget.restore_rate
            bucket.available = min(float(budget.size), bucket.available + refill)
            bucket.at = now
        return bucket


def _status(bucket: _Bucket, budget: Budget) -> ThrottleStatus:
    return ThrottleStatus(budget.size, math.floor(bucket.available), budget.restore_rate)

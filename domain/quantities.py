"""The counters of one stock level, and the arithmetic on them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import add, attrgetter, sub

MAX_QUANTITY = 1_000_000_000
"""The largest quantity one command may move: anything larger is a typo or an attack."""

MAX_COUNTER = 2_147_483_647
"""The most any stored counter may hold, alone or as a sum a command makes (a stock level's
counters after a move, a bundle line's component units): the top of GraphQL's Int, in which
clients read every quantity. The database's CHECKs hold every quantity column to it too."""

UNAVAILABLE_ON_HAND: tuple[str, ...] = ("damaged", "quarantined", "reserved", "committed")
"""The counters of units on hand that cannot be sold: `available` is on hand less these. The
one definition of the formula; the database's CHECK and SQL expression are built from it."""
_unavailable_on_hand = attrgetter(*UNAVAILABLE_ON_HAND)


@dataclass(frozen=True, slots=True)
class Quantities:
    """Counters of one SKU at one location; also used for a change (a delta) of them."""

    on_hand: int = 0
    damaged: int = 0
    quarantined: int = 0
    reserved: int = 0
    committed: int = 0
    in_transit: int = 0
    on_order: int = 0
    backordered: int = 0
    """Of `in_transit + on_order`, units already promised to backorder holds and orders."""

    @property
    def available(self) -> int:
        unavailable: tuple[int, ...] = _unavailable_on_hand(self)
        return self.on_hand - sum(unavailable)

    def __add__(self, other: Quantities) -> Quantities:
        return Quantities(*map(add, _counters(self), _counters(other)))

    def __sub__(self, other: Quantities) -> Quantities:
        return Quantities(*map(sub, _counters(self), _counters(other)))

    def __mul__(self, factor: int) -> Quantities:
        return Quantities(*(a * factor for a in _counters(self)))

    def as_tuple(self) -> tuple[int, ...]:
        counters: tuple[int, ...] = _counters(self)
        return counters

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in QUANTITY_NAMES}

    @property
    def unpromised_incoming(self) -> int:
        """Incoming units no backorder has claimed yet: what new backorders may promise."""
        return max(self.in_transit + self.on_order - self.backordered, 0)

    def is_consistent(self) -> bool:
        """Every counter and `available` at or above zero: the invariant of a stock level."""
        return all(value >= 0 for value in self.as_tuple()) and self.available >= 0

    def is_zero(self) -> bool:
        return not any(self.as_tuple())

    def over_limit(self) -> str | None:
        """The name of the first counter above MAX_COUNTER, or None when all fit."""
        if max(_counters(self)) <= MAX_COUNTER:
            return None
        for name in QUANTITY_NAMES:
            if getattr(self, name) > MAX_COUNTER:
                return name
        return None


def capped(value: int) -> int:
    """A sum over stored counters (a SKU's total over its locations, a channel's pool) as
    clients read it: at most MAX_COUNTER, which then means "at least that many"."""
    return min(value, MAX_COUNTER)


QUANTITY_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Quantities))
_counters = attrgetter(*QUANTITY_NAMES)  # every counter, in order: a hold's arithmetic
ZERO = Quantities()

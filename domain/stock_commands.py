"""Commands that change one stock level, and the movement of counters each one makes."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands import Command
from domain.errors import (
    CounterTooLarge,
    InsufficientStock,
    InvalidReason,
    StaleQuantity,
    StockpoolError,
)
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.stock import StockChange, StockEventType, StockReason
from domain.validation import MAX_TEXT_LENGTH, Checks

RECEIVE_REASONS = frozenset(
    {StockReason.RECEIVED, StockReason.PRODUCED, StockReason.OPENING_BALANCE}
)

ADJUST_MOVEMENT_PER_UNIT: dict[StockReason, Quantities] = {
    StockReason.DAMAGED: Quantities(damaged=1),
    StockReason.REPAIRED: Quantities(damaged=-1),
    StockReason.WRITE_OFF: Quantities(on_hand=-1, damaged=-1),
    StockReason.SHRINKAGE: Quantities(on_hand=-1),
    StockReason.THEFT: Quantities(on_hand=-1),
    StockReason.FOUND: Quantities(on_hand=1),
    StockReason.CORRECTION_IN: Quantities(on_hand=1),
    StockReason.CORRECTION_OUT: Quantities(on_hand=-1),
    StockReason.QUARANTINED: Quantities(quarantined=1),
    StockReason.RELEASED_FROM_QUARANTINE: Quantities(quarantined=-1),
}
"""What one unit of an adjustment does: units to `damaged` stay on hand; a write-off removes
damaged units from the books; shrinkage and theft remove sellable units."""

SET_REASONS = frozenset({StockReason.STOCK_TAKE, StockReason.CORRECTION})

MAX_IDEMPOTENCY_KEY_LENGTH = 200


def _check_common(checks: Checks, command: StockCommand) -> None:
    checks.code(command.sku, "sku")
    checks.code(command.location, "location")
    checks.optional_text(command.reference, "reference", MAX_TEXT_LENGTH)
    checks.optional_text(command.idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)


def _check_reason(checks: Checks, reason: StockReason, allowed: frozenset[StockReason]) -> None:
    if reason not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        checks.add(InvalidReason(f"reason {reason.value} is not one of {names}", ("reason",)))


def explain_refusal(
    sku: str, location: str, current: Quantities, delta: Quantities
) -> StockpoolError:
    """Why `current + delta` breaks the stock level invariant, in the terms of the counter."""
    after = current + delta
    too_large = after.over_limit()
    if too_large is not None:
        return CounterTooLarge(sku, location, too_large, getattr(after, too_large))
    if delta.backordered > 0 and after.backordered > after.in_transit + after.on_order:
        return InsufficientStock(
            sku, location, delta.backordered, current.unpromised_incoming, "incoming unpromised"
        )
    for name in QUANTITY_NAMES:
        if getattr(after, name) < 0:
            have = getattr(current, name)
            return InsufficientStock(sku, location, have - getattr(after, name), have, _words(name))
    if (
        delta.on_hand < 0
        and delta.available == delta.on_hand
        and current.on_hand + delta.on_hand >= 0
    ):
        held = current.on_hand - current.available
        return InsufficientStock(
            sku,
            location,
            -delta.on_hand,
            current.available,
            f"available: {held} of the {current.on_hand} on hand are damaged, quarantined, "
            "reserved or committed",
        )
    return InsufficientStock(sku, location, current.available - after.available, current.available)


def _words(quantity_name: str) -> str:
    return quantity_name.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ReceiveStock(Command[StockChange]):
    sku: str
    location: str
    quantity: int
    reason: StockReason = StockReason.RECEIVED
    reference: str | None = None
    idempotency_key: str | None = None

    event_type = StockEventType.RECEIVED

    def validate(self) -> None:
        checks = Checks()
        _check_common(checks, self)
        checks.positive_quantity(self.quantity)
        _check_reason(checks, self.reason, RECEIVE_REASONS)
        checks.raise_if_any()

    def movement(self) -> Quantities:
        return Quantities(on_hand=self.quantity)


@dataclass(frozen=True, slots=True)
class AdjustStock(Command[StockChange]):
    sku: str
    location: str
    quantity: int
    reason: StockReason
    reference: str | None = None
    idempotency_key: str | None = None

    event_type = StockEventType.ADJUSTED

    def validate(self) -> None:
        checks = Checks()
        _check_common(checks, self)
        checks.positive_quantity(self.quantity)
        _check_reason(checks, self.reason, frozenset(ADJUST_MOVEMENT_PER_UNIT))
        checks.raise_if_any()

    def movement(self) -> Quantities:
        return ADJUST_MOVEMENT_PER_UNIT[self.reason] * self.quantity


@dataclass(frozen=True, slots=True)
class SetStock(Command[StockChange]):
    """An absolute on-hand count; `change_from_quantity` makes it a compare-and-set."""

    sku: str
    location: str
    quantity: int
    change_from_quantity: int | None = None
    reason: StockReason = StockReason.STOCK_TAKE
    reference: str | None = None
    idempotency_key: str | None = None

    event_type = StockEventType.SET

    def validate(self) -> None:
        checks = Checks()
        _check_common(checks, self)
        checks.non_negative_quantity(self.quantity)
        if self.change_from_quantity is not None:
            checks.non_negative_quantity(self.change_from_quantity, "changeFromQuantity")
        _check_reason(checks, self.reason, SET_REASONS)
        checks.raise_if_any()

    def movement_from(self, on_hand: int) -> Quantities:
        return Quantities(on_hand=self.quantity - on_hand)

    def check_expected(self, actual_on_hand: int) -> None:
        expected = self.change_from_quantity
        if expected is not None and expected != actual_on_hand:
            raise StaleQuantity(self.sku, self.location, expected, actual_on_hand)


StockCommand = ReceiveStock | AdjustStock | SetStock

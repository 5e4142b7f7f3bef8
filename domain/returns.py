"""Customer returns: units an order shipped coming back, quarantined until inspected.

Receiving a return puts its units on hand and in `quarantined` at the receiving location; an
order never takes back more than it shipped (fulfilled), less what already came back.
Inspection, as often as needed, takes each returned unit out of quarantine one of three ways:
restocked (available again), set aside as damaged, or written off (it leaves on hand)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import (
    InvalidReason,
    InvalidTransition,
    InvalidValue,
    OverInspection,
    ReturnExceedsFulfilled,
    StockpoolError,
    refusal,
)
from domain.line_checks import check_document_ref, check_line_count, check_unique_skus
from domain.quantities import Quantities
from domain.stock import StockReason
from domain.stock_commands import MAX_IDEMPOTENCY_KEY_LENGTH
from domain.validation import MAX_TEXT_LENGTH, Checks


class ReturnStatus(Enum):
    RECEIVED = "RECEIVED"
    PARTIALLY_INSPECTED = "PARTIALLY_INSPECTED"
    INSPECTED = "INSPECTED"


class ReturnReason(Enum):
    """Why the customer sent the units back."""

    DEFECTIVE = "DEFECTIVE"
    DAMAGED_IN_DELIVERY = "DAMAGED_IN_DELIVERY"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"
    OTHER = "OTHER"


class InspectionOutcome(Enum):
    RESTOCK = "RESTOCK"
    DAMAGED = "DAMAGED"
    WRITE_OFF = "WRITE_OFF"


class InspectionReason(Enum):
    """What the inspection found."""

    AS_NEW = "AS_NEW"
    REPACKAGED = "REPACKAGED"
    DEFECTIVE = "DEFECTIVE"
    DAMAGED = "DAMAGED"
    MISSING_PARTS = "MISSING_PARTS"
    EXPIRED = "EXPIRED"
    HYGIENE = "HYGIENE"
    OTHER = "OTHER"


REASONS_FOR_OUTCOME: dict[InspectionOutcome, frozenset[InspectionReason]] = {
    InspectionOutcome.RESTOCK: frozenset(
        {InspectionReason.AS_NEW, InspectionReason.REPACKAGED, InspectionReason.OTHER}
    ),
    InspectionOutcome.DAMAGED: frozenset(
        {
            InspectionReason.DEFECTIVE,
            InspectionReason.DAMAGED,
            InspectionReason.MISSING_PARTS,
            InspectionReason.OTHER,
        }
    ),
    InspectionOutcome.WRITE_OFF: frozenset(set(InspectionReason) - {InspectionReason.AS_NEW}),
}

_MOVEMENT_PER_UNIT: dict[InspectionOutcome, Quantities] = {
    InspectionOutcome.RESTOCK: Quantities(quarantined=-1),
    InspectionOutcome.DAMAGED: Quantities(quarantined=-1, damaged=1),
    InspectionOutcome.WRITE_OFF: Quantities(quarantined=-1, on_hand=-1),
}

LEDGER_REASON: dict[InspectionOutcome, StockReason] = {
    InspectionOutcome.RESTOCK: StockReason.RELEASED_FROM_QUARANTINE,
    InspectionOutcome.DAMAGED: StockReason.DAMAGED,
    InspectionOutcome.WRITE_OFF: StockReason.WRITE_OFF,
}


@dataclass(frozen=True, slots=True)
class Inspection:
    outcome: InspectionOutcome
    quantity: int
    reason: InspectionReason
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_number: int
    sku: str
    quantity: int
    reason: ReturnReason
    restocked: int = 0
    damaged: int = 0
    written_off: int = 0
    inspections: tuple[Inspection, ...] = ()

    @property
    def uninspected(self) -> int:
        return self.quantity - self.restocked - self.damaged - self.written_off

    def inspected(self, outcome: InspectionOutcome, units: int) -> ReturnLine:
        return ReturnLine(
            self.line_number,
            self.sku,
            self.quantity,
            self.reason,
            self.restocked + (units if outcome is InspectionOutcome.RESTOCK else 0),
            self.damaged + (units if outcome is InspectionOutcome.DAMAGED else 0),
            self.written_off + (units if outcome is InspectionOutcome.WRITE_OFF else 0),
            self.inspections,
        )


@dataclass(frozen=True, slots=True)
class CustomerReturn:
    id: str
    channel: str
    order_ref: str
    location: str
    status: ReturnStatus
    created_at: datetime
    updated_at: datetime
    reservation_id: str | None = None
    lines: tuple[ReturnLine, ...] = field(default_factory=tuple)

    def status_after_inspection(self, lines: tuple[ReturnLine, ...]) -> ReturnStatus:
        if all(line.uninspected == 0 for line in lines):
            return ReturnStatus.INSPECTED
        return ReturnStatus.PARTIALLY_INSPECTED


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    sku: str
    quantity: int
    reason: ReturnReason

    def movement(self) -> Quantities:
        """Back on hand, but not sellable until inspected."""
        return Quantities(on_hand=self.quantity, quarantined=self.quantity)


@dataclass(frozen=True, slots=True)
class ReceiveReturn(Command[CustomerReturn]):
    """Names the order by its reservation id, or by channel and order reference (or both)."""

    location: str
    lines: tuple[ReturnedLine, ...]
    reservation_id: str | None = None
    channel: str | None = None
    order_ref: str | None = None
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        if self.reservation_id is None and (self.channel is None or self.order_ref is None):
            checks.invalid(
                "name the order by reservationId, or by channel and orderRef", "orderRef"
            )
        if self.reservation_id is not None:
            checks.text(self.reservation_id, "reservationId", 64)
        if self.channel is not None:
            checks.code(self.channel, "channel")
        checks.optional_text(self.order_ref, "orderRef", MAX_TEXT_LENGTH)
        checks.code(self.location, "location")
        checks.optional_text(self.idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)
        check_line_count(checks, len(self.lines))
        for index, line in enumerate(self.lines):
            checks.code(line.sku, f"lines.{index}.sku")
            checks.positive_quantity(line.quantity, f"lines.{index}.quantity")
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()

    def check_returnable(self, fulfilled: Mapping[str, int], returned: Mapping[str, int]) -> None:
        """Refuses lines beyond what the order shipped of the SKU, less what came back."""
        problems: list[StockpoolError] = []
        for index, line in enumerate(self.lines):
            returnable = fulfilled.get(line.sku, 0) - returned.get(line.sku, 0)
            if line.quantity > returnable:
                problems.append(
                    ReturnExceedsFulfilled(
                        line.sku,
                        line.quantity,
                        max(returnable, 0),
                        ("lines", str(index), "quantity"),
                    )
                )
        if problems:
            raise refusal(problems)


@dataclass(frozen=True, slots=True)
class InspectedLine:
    sku: str
    outcome: InspectionOutcome
    quantity: int
    reason: InspectionReason

    def movement(self) -> Quantities:
        return _MOVEMENT_PER_UNIT[self.outcome] * self.quantity


@dataclass(frozen=True, slots=True)
class InspectReturn(Command[CustomerReturn]):
    return_id: str
    lines: tuple[InspectedLine, ...]
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.return_id, self.idempotency_key)
        check_line_count(checks, len(self.lines))
        for index, line in enumerate(self.lines):
            checks.code(line.sku, f"lines.{index}.sku")
            checks.positive_quantity(line.quantity, f"lines.{index}.quantity")
            allowed = REASONS_FOR_OUTCOME[line.outcome]
            if line.reason not in allowed:
                names = ", ".join(sorted(r.value for r in allowed))
                checks.add(
                    InvalidReason(
                        f"{line.outcome.value} takes a reason among {names}",
                        ("lines", str(index), "reason"),
                    )
                )
        check_unique_skus(checks, [f"{line.sku} {line.outcome.value}" for line in self.lines])
        checks.raise_if_any()

    def apply_to(self, customer_return: CustomerReturn) -> tuple[ReturnLine, ...]:
        """The return's lines after this inspection; refuses SKUs the return does not have and
        more units of a SKU than are still waiting for inspection."""
        if customer_return.status is ReturnStatus.INSPECTED:
            raise InvalidTransition(
                customer_return.id, customer_return.status.value, "inspect", "return"
            )
        lines = {line.sku: line for line in customer_return.lines}
        problems: list[StockpoolError] = []
        for index, line in enumerate(self.lines):
            returned = lines.get(line.sku)
            if returned is None:
                problems.append(
                    InvalidValue(
                        f"return {customer_return.id} has no line for {line.sku}",
                        ("lines", str(index), "sku"),
                    )
                )
                continue
            waiting = returned.uninspected
            if line.quantity > waiting:
                problems.append(
                    OverInspection(
                        line.sku, line.quantity, waiting, ("lines", str(index), "quantity")
                    )
                )
                continue
            lines[line.sku] = returned.inspected(line.outcome, line.quantity)
        if problems:
            raise refusal(problems)
        return tuple(lines[line.sku] for line in customer_return.lines)

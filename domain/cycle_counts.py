"""Cycle counts: counting some SKUs at one location and correcting on hand to the count.

Recording a SKU's count notes the difference from on hand at that moment
(`counted - expected`); completing the count applies each difference as a delta to on hand
as it is then, so units sold or received between recording and completion stay counted
exactly once. A count never frees anyone's units: on hand goes down at most to what is held
(reserved, committed) or set aside (damaged, quarantined); what it could not take away is
reported as unresolved and raises an alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.alerts import AlertRaised, AlertType
from domain.commands import Command
from domain.errors import CountIncomplete, InvalidTransition, InvalidValue, StockpoolError, refusal
from domain.line_checks import check_document_ref, check_line_count, check_unique_skus
from domain.stock_commands import MAX_IDEMPOTENCY_KEY_LENGTH
from domain.validation import MAX_TEXT_LENGTH, Checks


class CountStatus(Enum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class CountLine:
    line_number: int
    sku: str
    expected: int | None = None
    """On hand when the count was recorded."""
    counted: int | None = None
    recorded_at: datetime | None = None
    adjusted: int | None = None
    """The change made to on hand at completion."""
    unresolved: int | None = None
    """Units missing from the count that on hand kept, as they were held or set aside."""

    @property
    def discrepancy(self) -> int | None:
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class CountAccuracy:
    skus: int
    matched_skus: int
    expected_units: int
    discrepant_units: int

    @property
    def sku_rate(self) -> float:
        """Share of the counted SKUs whose count matched on hand."""
        return self.matched_skus / self.skus if self.skus else 1.0

    @property
    def unit_rate(self) -> float:
        """1 - units off (either way) per unit expected, never below zero."""
        if self.expected_units == 0:
            return 1.0 if self.discrepant_units == 0 else 0.0
        return max(0.0, 1 - self.discrepant_units / self.expected_units)


@dataclass(frozen=True, slots=True)
class CycleCount:
    id: str
    location: str
    status: CountStatus
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    reference: str | None = None
    lines: tuple[CountLine, ...] = field(default_factory=tuple)

    def require_open(self, action: str) -> None:
        if self.status is not CountStatus.OPEN:
            raise InvalidTransition(self.id, self.status.value, action, "cycle count")

    def require_recorded(self) -> None:
        uncounted = [line.sku for line in self.lines if line.counted is None]
        if uncounted:
            raise CountIncomplete(self.id, uncounted)

    @property
    def accuracy(self) -> CountAccuracy | None:
        """Over the recorded lines; None before any is recorded."""
        recorded = [d for line in self.lines if (d := line.discrepancy) is not None]
        if not recorded:
            return None
        return CountAccuracy(
            skus=len(recorded),
            matched_skus=sum(1 for d in recorded if d == 0),
            expected_units=sum(
                line.expected or 0 for line in self.lines if line.counted is not None
            ),
            discrepant_units=sum(abs(d) for d in recorded),
        )


def settle(discrepancy: int, available: int) -> tuple[int, int]:
    """The change to on hand for a difference, and the units of it left unresolved: missing
    units come out of what is available only."""
    if discrepancy >= 0:
        return discrepancy, 0
    removable = min(-discrepancy, max(available, 0))
    return -removable, -discrepancy - removable


def shortfall_cause(sku: str, location: str) -> str:
    return f"COUNT:{sku}:{location}"


def shortfall(sku: str, location: str, count_id: str, unresolved: int) -> AlertRaised:
    return AlertRaised(
        AlertType.DRIFT,
        shortfall_cause(sku, location),
        f"count {count_id} found {unresolved} of {sku} at {location} missing that are held "
        "or set aside; on hand kept them",
        sku,
        None,
        {"location": location, "countId": count_id, "unresolved": unresolved},
    )


def _check_key(checks: Checks, idempotency_key: str | None) -> None:
    checks.optional_text(idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)


@dataclass(frozen=True, slots=True)
class StartCount(Command[CycleCount]):
    location: str
    skus: tuple[str, ...]
    reference: str | None = None
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.location, "location")
        checks.optional_text(self.reference, "reference", MAX_TEXT_LENGTH)
        _check_key(checks, self.idempotency_key)
        check_line_count(checks, len(self.skus), "skus")
        for index, sku in enumerate(self.skus):
            checks.code(sku, f"skus.{index}")
        seen: set[str] = set()
        for index, sku in enumerate(self.skus):
            if sku in seen:
                checks.invalid(f"{sku} is listed more than once", f"skus.{index}")
            seen.add(sku)
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class CountedLine:
    sku: str
    counted: int


@dataclass(frozen=True, slots=True)
class RecordCount(Command[CycleCount]):
    """Counted quantities for some of a count's SKUs; recording a SKU again replaces it."""

    count_id: str
    lines: tuple[CountedLine, ...]
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.count_id, self.idempotency_key)
        check_line_count(checks, len(self.lines))
        for index, line in enumerate(self.lines):
            checks.code(line.sku, f"lines.{index}.sku")
            checks.non_negative_quantity(line.counted, f"lines.{index}.counted")
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()

    def check_against(self, count: CycleCount) -> None:
        count.require_open("record")
        skus = {line.sku for line in count.lines}
        problems: list[StockpoolError] = [
            InvalidValue(f"count {count.id} does not count {line.sku}", ("lines", str(i), "sku"))
            for i, line in enumerate(self.lines)
            if line.sku not in skus
        ]
        if problems:
            raise refusal(problems)


@dataclass(frozen=True, slots=True)
class CountCommand(Command[CycleCount]):
    """complete, cancel: a transition of a whole count."""

    count_id: str
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.count_id, self.idempotency_key)
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class CompleteCount(CountCommand):
    pass


@dataclass(frozen=True, slots=True)
class CancelCount(CountCommand):
    pass

"""Transfers: units moving from one location to another.

A draft changes no stock. Shipping takes the units off the source's shelves (they must be
available there: holds are never taken) and puts them `inTransit` at the destination, due by
the expected date; each receipt, partial and as often as needed, moves them on hand there
(damaged ones to `damaged`). Only a draft can be cancelled. A shipped transfer whose last units
never come is closed short: what is still on its way is written off as lost in transit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import (
    InvalidReason,
    InvalidTransition,
    InvalidValue,
    OverReceipt,
    SameLocation,
    StockpoolError,
    refusal,
)
from domain.line_checks import (
    check_document_ref,
    check_line_count,
    check_receipt_lines,
    check_unique_skus,
)
from domain.quantities import Quantities
from domain.stock import StockReason
from domain.stock_commands import MAX_IDEMPOTENCY_KEY_LENGTH
from domain.validation import MAX_TEXT_LENGTH, Checks


class TransferStatus(Enum):
    DRAFT = "DRAFT"
    IN_TRANSIT = "IN_TRANSIT"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"
    CLOSED_SHORT = "CLOSED_SHORT"
    """Closed before every unit arrived: what was outstanding is lost in transit."""


ARRIVING_STATUSES = frozenset({TransferStatus.IN_TRANSIT, TransferStatus.PARTIALLY_RECEIVED})
"""Shipped and not yet fully received: its outstanding units are on their way."""

LOSS_REASONS = frozenset({StockReason.SHRINKAGE, StockReason.THEFT, StockReason.WRITE_OFF})
"""Why units still on their way when a transfer is closed short never arrived (units that
arrived damaged are received as `damaged` instead)."""


@dataclass(frozen=True, slots=True)
class TransferLine:
    line_number: int
    sku: str
    quantity: int
    received: int = 0
    damaged: int = 0

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received - self.damaged


@dataclass(frozen=True, slots=True)
class Transfer:
    id: str
    from_location: str
    to_location: str
    status: TransferStatus
    expected_at: datetime
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None = None
    reference: str | None = None
    lines: tuple[TransferLine, ...] = field(default_factory=tuple)

    def require(self, action: str, *allowed: TransferStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(self.id, self.status.value, action, "transfer")

    def lost_in_transit(self, line: TransferLine) -> int:
        """Units of the line written off when the transfer was closed short: those that were
        still on their way (none unless it was)."""
        return line.outstanding if self.status is TransferStatus.CLOSED_SHORT else 0

    def status_after_receipt(self, lines: tuple[TransferLine, ...]) -> TransferStatus:
        if all(line.outstanding == 0 for line in lines):
            return TransferStatus.RECEIVED
        return TransferStatus.PARTIALLY_RECEIVED


def shipping_movements(line: TransferLine) -> tuple[Quantities, Quantities]:
    """What shipping a line does at the source and at the destination."""
    return Quantities(on_hand=-line.quantity), Quantities(in_transit=line.quantity)


@dataclass(frozen=True, slots=True)
class TransferredLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ArrivedLine:
    sku: str
    received: int = 0
    damaged: int = 0

    def movement(self) -> Quantities:
        """Every arriving unit leaves `inTransit` and is on hand; damaged ones are set aside."""
        arriving = self.received + self.damaged
        return Quantities(in_transit=-arriving, on_hand=arriving, damaged=self.damaged)


def _check_common(checks: Checks, idempotency_key: str | None) -> None:
    checks.optional_text(idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)


@dataclass(frozen=True, slots=True)
class CreateTransfer(Command[Transfer]):
    from_location: str
    to_location: str
    expected_at: datetime
    lines: tuple[TransferredLine, ...]
    reference: str | None = None
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.from_location, "from")
        checks.code(self.to_location, "to")
        if self.from_location == self.to_location:
            checks.add(SameLocation(self.to_location))
        checks.optional_text(self.reference, "reference", MAX_TEXT_LENGTH)
        _check_common(checks, self.idempotency_key)
        if self.expected_at.tzinfo is None:
            checks.invalid("expectedAt needs a time zone", "expectedAt")
        check_line_count(checks, len(self.lines))
        for index, line in enumerate(self.lines):
            checks.code(line.sku, f"lines.{index}.sku")
            checks.positive_quantity(line.quantity, f"lines.{index}.quantity")
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class TransferCommand(Command[Transfer]):
    """ship, cancel: a transition of a whole transfer."""

    transfer_id: str
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.transfer_id, self.idempotency_key)
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class ShipTransfer(TransferCommand):
    pass


@dataclass(frozen=True, slots=True)
class CancelTransfer(TransferCommand):
    pass


@dataclass(frozen=True, slots=True)
class ReceiveTransfer(Command[Transfer]):
    transfer_id: str
    lines: tuple[ArrivedLine, ...]
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.transfer_id, self.idempotency_key)
        check_line_count(checks, len(self.lines))
        check_receipt_lines(checks, self.lines)
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()

    def apply_to(self, transfer: Transfer) -> tuple[TransferLine, ...]:
        """The transfer's lines after this receipt; refuses lines the transfer does not have
        and more units than a line still has on the way."""
        transfer.require("receive", *ARRIVING_STATUSES)
        by_sku = {line.sku: line for line in transfer.lines}
        problems: list[StockpoolError] = []
        arriving: dict[str, ArrivedLine] = {}
        for index, line in enumerate(self.lines):
            shipped = by_sku.get(line.sku)
            if shipped is None:
                problems.append(
                    InvalidValue(
                        f"transfer {transfer.id} has no line for {line.sku}",
                        ("lines", str(index), "sku"),
                    )
                )
            elif line.received + line.damaged > shipped.outstanding:
                problems.append(
                    OverReceipt(
                        line.sku,
                        line.received + line.damaged,
                        shipped.outstanding,
                        ("lines", str(index), "received"),
                    )
                )
            else:
                arriving[line.sku] = line
        if problems:
            raise refusal(problems)
        nothing = ArrivedLine("")
        return tuple(
            TransferLine(
                line.line_number,
                line.sku,
                line.quantity,
                line.received + arriving.get(line.sku, nothing).received,
                line.damaged + arriving.get(line.sku, nothing).damaged,
            )
            for line in transfer.lines
        )


@dataclass(frozen=True, slots=True)
class CloseTransfer(Command[Transfer]):
    """Closes a shipped transfer short: its outstanding units are written off, for `reason`."""

    transfer_id: str
    reason: StockReason
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.transfer_id, self.idempotency_key)
        if self.reason not in LOSS_REASONS:
            names = ", ".join(sorted(r.value for r in LOSS_REASONS))
            checks.add(
                InvalidReason(f"reason {self.reason.value} is not one of {names}", ("reason",))
            )
        checks.raise_if_any()

    def write_offs(self, transfer: Transfer) -> list[tuple[str, Quantities]]:
        """Per SKU still on its way, what writing it off does at the destination (`inTransit`
        down); refuses a transfer that is not on its way."""
        transfer.require("close", *ARRIVING_STATUSES)
        return [
            (line.sku, Quantities(in_transit=-line.outstanding))
            for line in transfer.lines
            if line.outstanding > 0
        ]

"""Purchase orders: units expected from a supplier at one location by an expected date.

Creating one raises `onOrder`; each receipt moves units from `onOrder` to on hand (damaged
ones to `damaged`), partially and several times; closing clears what is still outstanding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import InvalidTransition, InvalidValue, OverReceipt, StockpoolError, refusal
from domain.line_checks import (
    check_document_ref,
    check_line_count,
    check_receipt_lines,
    check_unique_skus,
)
from domain.quantities import Quantities
from domain.validation import MAX_NAME_LENGTH, MAX_TEXT_LENGTH, Checks

MAX_IDEMPOTENCY_KEY_LENGTH = 200


class PurchaseOrderStatus(Enum):
    OPEN = "OPEN"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CLOSED = "CLOSED"


OPEN_STATUSES = frozenset({PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED})


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    line_number: int
    sku: str
    ordered: int
    received: int = 0
    damaged: int = 0

    @property
    def outstanding(self) -> int:
        return self.ordered - self.received - self.damaged


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    id: str
    supplier: str
    location: str
    status: PurchaseOrderStatus
    expected_at: datetime
    created_at: datetime
    updated_at: datetime
    reference: str | None = None
    lines: tuple[PurchaseOrderLine, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def require_open(self, action: str) -> None:
        if not self.is_open:
            raise InvalidTransition(self.id, self.status.value, action, "purchase order")

    def status_after_receipt(self, lines: tuple[PurchaseOrderLine, ...]) -> PurchaseOrderStatus:
        if all(line.outstanding == 0 for line in lines):
            return PurchaseOrderStatus.RECEIVED
        return PurchaseOrderStatus.PARTIALLY_RECEIVED


@dataclass(frozen=True, slots=True)
class OrderedLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    sku: str
    received: int = 0
    damaged: int = 0

    def movement(self) -> Quantities:
        """Every arriving unit leaves `onOrder` and is on hand; damaged ones are set aside."""
        arriving = self.received + self.damaged
        return Quantities(on_order=-arriving, on_hand=arriving, damaged=self.damaged)


@dataclass(frozen=True, slots=True)
class CreatePurchaseOrder(Command[PurchaseOrder]):
    supplier: str
    location: str
    expected_at: datetime
    lines: tuple[OrderedLine, ...]
    reference: str | None = None
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.text(self.supplier, "supplier", MAX_NAME_LENGTH)
        checks.code(self.location, "location")
        checks.optional_text(self.reference, "reference", MAX_TEXT_LENGTH)
        checks.optional_text(self.idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)
        if self.expected_at.tzinfo is None:
            checks.invalid("expectedAt needs a time zone", "expectedAt")
        check_line_count(checks, len(self.lines))
        for index, line in enumerate(self.lines):
            checks.code(line.sku, f"lines.{index}.sku")
            checks.positive_quantity(line.quantity, f"lines.{index}.quantity")
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class ReceivePurchaseOrder(Command[PurchaseOrder]):
    purchase_order_id: str
    lines: tuple[ReceivedLine, ...]
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.purchase_order_id, self.idempotency_key)
        check_line_count(checks, len(self.lines))
        check_receipt_lines(checks, self.lines)
        check_unique_skus(checks, [line.sku for line in self.lines])
        checks.raise_if_any()

    def apply_to(self, order: PurchaseOrder) -> tuple[PurchaseOrderLine, ...]:
        """The order's lines after this receipt; refuses lines the order does not have and
        more units than a line still has outstanding."""
        order.require_open("receive")
        by_sku = {line.sku: line for line in order.lines}
        problems: list[StockpoolError] = []
        arriving = {}
        for index, line in enumerate(self.lines):
            ordered = by_sku.get(line.sku)
            if ordered is None:
                problems.append(
                    InvalidValue(
                        f"purchase order {order.id} has no line for {line.sku}",
                        ("lines", str(index), "sku"),
                    )
                )
                continue
            if line.received + line.damaged > ordered.outstanding:
                problems.append(
                    OverReceipt(
                        line.sku,
                        line.received + line.damaged,
                        ordered.outstanding,
                        ("lines", str(index), "received"),
                    )
                )
                continue
            arriving[line.sku] = line
        if problems:
            raise refusal(problems)
        return tuple(
            PurchaseOrderLine(
                line.line_number,
                line.sku,
                line.ordered,
                line.received + (arriving[line.sku].received if line.sku in arriving else 0),
                line.damaged + (arriving[line.sku].damaged if line.sku in arriving else 0),
            )
            for line in order.lines
        )


@dataclass(frozen=True, slots=True)
class ClosePurchaseOrder(Command[PurchaseOrder]):
    purchase_order_id: str
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        check_document_ref(checks, self.purchase_order_id, self.idempotency_key)
        checks.raise_if_any()

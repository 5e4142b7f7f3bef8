"""Checks the commands on a stock document share: which document, the idempotency key,
how many lines, each SKU once, and what a receipt line needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.reservations import MAX_LINES
from domain.stock_commands import MAX_IDEMPOTENCY_KEY_LENGTH
from domain.validation import Checks


class ReceiptLine(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def received(self) -> int: ...
    @property
    def damaged(self) -> int: ...


def check_document_ref(checks: Checks, document_id: str, idempotency_key: str | None) -> None:
    """The id of the document a command acts on, and the key that makes it safe to resend."""
    checks.text(document_id, "id", 64)
    checks.optional_text(idempotency_key, "idempotencyKey", MAX_IDEMPOTENCY_KEY_LENGTH)


def check_line_count(checks: Checks, count: int, field: str = "lines") -> None:
    if count == 0:
        checks.invalid("at least one line is needed", field)
    if count > MAX_LINES:
        checks.invalid(f"at most {MAX_LINES} lines", field)


def check_unique_skus(checks: Checks, skus: Iterable[str], field: str = "lines") -> None:
    seen: set[str] = set()
    for index, sku in enumerate(skus):
        if sku in seen:
            checks.invalid(f"{sku} appears on more than one line", f"{field}.{index}.sku")
        seen.add(sku)


def check_receipt_lines(checks: Checks, lines: Sequence[ReceiptLine]) -> None:
    """Each line names a SKU and arrives with some units, received or damaged."""
    for index, line in enumerate(lines):
        checks.code(line.sku, f"lines.{index}.sku")
        checks.non_negative_quantity(line.received, f"lines.{index}.received")
        checks.non_negative_quantity(line.damaged, f"lines.{index}.damaged")
        if line.received == 0 and line.damaged == 0:
            checks.invalid(
                "a receipt line needs received or damaged units", f"lines.{index}.received"
            )

"""Explicit checks of command input that collect every problem before refusing."""

from __future__ import annotations

import re

from domain.errors import (
    Blank,
    InvalidQuantity,
    InvalidValue,
    QuantityTooLarge,
    StockpoolError,
    TooLong,
    refusal,
)
from domain.quantities import MAX_QUANTITY

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")
LINE_BREAK = re.compile(r"[\t\n\r]")
"""Names, references and keys are one line; other control characters never reach the domain
(schema/input_hygiene.py refuses them in every request)."""
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 500
MAX_SEARCH_LENGTH = 200


class Checks:
    """Collects problems; `raise_if_any` refuses with all of them at once."""

    def __init__(self) -> None:
        self.problems: list[StockpoolError] = []

    def add(self, problem: StockpoolError) -> None:
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise refusal(self.problems)

    def code(self, value: str, field: str) -> None:
        if self.text(value, field, MAX_CODE_LENGTH) and not CODE_PATTERN.match(value):
            self.add(
                InvalidValue(
                    f"{field} may hold letters, digits and . _ / - only, starting with a "
                    "letter or digit",
                    _path(field),
                )
            )

    def text(self, value: str, field: str, max_length: int = MAX_NAME_LENGTH) -> bool:
        if not value.strip():
            self.add(Blank(f"{field} must not be blank", _path(field)))
            return False
        if len(value) > max_length:
            self.add(TooLong(f"{field} is longer than {max_length} characters", _path(field)))
            return False
        if LINE_BREAK.search(value):
            self.invalid(f"{field} is one line: no tab, line feed or carriage return", field)
            return False
        return True

    def optional_text(
        self, value: str | None, field: str, max_length: int = MAX_TEXT_LENGTH
    ) -> None:
        if value is not None:
            self.text(value, field, max_length)

    def positive_quantity(self, value: int, field: str = "quantity") -> None:
        if value <= 0:
            self.add(InvalidQuantity(f"{field} must be a whole number above zero", _path(field)))
        elif value > MAX_QUANTITY:
            self.add(QuantityTooLarge(f"{field} must be at most {MAX_QUANTITY}", _path(field)))

    def non_negative_quantity(self, value: int, field: str = "quantity") -> None:
        if value < 0:
            self.add(InvalidQuantity(f"{field} must not be negative", _path(field)))
        elif value > MAX_QUANTITY:
            self.add(QuantityTooLarge(f"{field} must be at most {MAX_QUANTITY}", _path(field)))

    def invalid(self, message: str, field: str) -> None:
        """An InvalidValue at the dotted field path."""
        self.add(InvalidValue(message, _path(field)))

    def within(self, value: float | int, low: float, high: float, field: str) -> None:
        if not low <= value <= high:
            self.add(InvalidValue(f"{field} must be between {low} and {high}", _path(field)))


def _path(field: str) -> tuple[str, ...]:
    """`lines.0.quantity` names the path ("lines", "0", "quantity")."""
    return tuple(field.split("."))

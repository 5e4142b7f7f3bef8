"""Checks the lines of a stock document share: how many, and each SKU once."""

from __future__ import annotations

from collections.abc import Iterable

from domain.reservations import MAX_LINES
from domain.validation import Checks


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

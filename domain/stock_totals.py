"""A SKU's counters summed over every location that holds a stock level of it.

A total's `version` is the sum of its levels' versions: every change to any level of the SKU
raises it, and it never goes down, so a client drops totals older than what it shows just
as it does for levels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.quantities import Quantities
from domain.stock import StockLevel


@dataclass(frozen=True, slots=True)
class SkuTotals:
    sku: str
    quantities: Quantities
    version: int
    locations: int


def totals_of(levels: Iterable[StockLevel]) -> list[SkuTotals]:
    """One total per SKU of `levels`, in the order the SKUs first appear."""
    by_sku: dict[str, list[StockLevel]] = {}
    for level in levels:
        by_sku.setdefault(level.sku, []).append(level)
    return [
        SkuTotals(
            sku=sku,
            quantities=sum((level.quantities for level in found), Quantities()),
            version=sum(level.version for level in found),
            locations=len(found),
        )
        for sku, found in by_sku.items()
    ]

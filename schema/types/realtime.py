"""Per-SKU totals as subscribers see them."""

from __future__ import annotations

import strawberry

from schema.realtime.totals import SkuTotals as DomainSkuTotals
from schema.types.stock import StockQuantities


@strawberry.type(description="A SKU's counters summed over every location that holds it.")
class SkuTotals:
    sku: str
    totals: StockQuantities
    locations: int = strawberry.field(description="How many locations hold a stock level of it.")
    version: int = strawberry.field(
        description="The sum of its stock levels' versions: grows with every change to any "
        "of them, so drop totals older than what you show."
    )

    @classmethod
    def from_domain(cls, found: DomainSkuTotals) -> SkuTotals:
        return cls(
            sku=found.sku,
            totals=StockQuantities.from_domain(found.quantities),
            locations=found.locations,
            version=found.version,
        )

"""The report of a ledger replay."""

from __future__ import annotations

import strawberry

from domain.ledger import Discrepancy as DomainDiscrepancy
from domain.ledger import LedgerCheckReport as DomainReport
from schema.types.stock import StockQuantities


@strawberry.type(description="A stock level whose counters differ from its ledger.")
class LedgerDiscrepancy:
    sku: str
    location: str
    counters: StockQuantities
    replayed: StockQuantities
    counter_version: int
    replayed_version: int
    broken_chain_at_event: strawberry.ID | None

    @classmethod
    def from_domain(cls, found: DomainDiscrepancy) -> LedgerDiscrepancy:
        return cls(
            sku=found.sku,
            location=found.location,
            counters=StockQuantities.from_domain(found.counters),
            replayed=StockQuantities.from_domain(found.replayed),
            counter_version=found.counter_version,
            replayed_version=found.replayed_version,
            broken_chain_at_event=(
                strawberry.ID(str(found.broken_chain_at)) if found.broken_chain_at else None
            ),
        )


@strawberry.type
class LedgerCheckReport:
    ok: bool
    stock_levels_checked: int
    events_replayed: int
    discrepancies: list[LedgerDiscrepancy]

    @classmethod
    def from_domain(cls, report: DomainReport) -> LedgerCheckReport:
        return cls(
            ok=report.ok,
            stock_levels_checked=report.stock_levels_checked,
            events_replayed=report.events_replayed,
            discrepancies=[LedgerDiscrepancy.from_domain(d) for d in report.discrepancies],
        )

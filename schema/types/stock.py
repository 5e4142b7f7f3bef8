"""Stock levels, their totals per SKU and ledger entries as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import stock, stock_totals
from domain.quantities import Quantities, capped
from schema.node import ID_DESCRIPTION, Node, NodeKind, node_id

StockReason = strawberry.enum(stock.StockReason)
StockEventType = strawberry.enum(stock.StockEventType)


@strawberry.type(description="The counters of a stock level (or a sum of them).")
class StockQuantities:
    on_hand: int
    available: int
    reserved: int
    committed: int
    damaged: int
    quarantined: int
    in_transit: int
    on_order: int
    backordered: int = strawberry.field(
        description="Of inTransit + onOrder, units already promised to backorders."
    )

    @classmethod
    def from_domain(cls, quantities: Quantities) -> StockQuantities:
        """A sum over locations may pass what an Int holds: it reads as MAX_COUNTER."""
        return cls(
            available=capped(quantities.available),
            **{name: capped(value) for name, value in quantities.as_dict().items()},
        )


@strawberry.type(description="One SKU at one location.")
class StockLevel(Node):
    sku: str
    location: str
    on_hand: int
    available: int
    reserved: int
    committed: int
    damaged: int
    quarantined: int
    in_transit: int
    on_order: int
    backordered: int = strawberry.field(
        description="Of inTransit + onOrder, units already promised to backorders."
    )
    version: int = strawberry.field(description="Grows by one with every change.")
    updated_at: datetime | None

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.STOCK_LEVEL, self.sku, self.location)

    @classmethod
    def from_domain(cls, level: stock.StockLevel) -> StockLevel:
        return cls(
            sku=level.sku,
            location=level.location,
            available=level.quantities.available,
            version=level.version,
            updated_at=level.updated_at,
            **level.quantities.as_dict(),
        )


@strawberry.type(description="A SKU's counters summed over every location that holds it.")
class SkuTotals(Node):
    sku: str
    totals: StockQuantities
    locations: int = strawberry.field(description="How many locations hold a stock level of it.")
    version: int = strawberry.field(
        description="The sum of its stock levels' versions: grows with every change to any "
        "of them, so drop totals older than what you show."
    )

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.SKU_TOTALS, self.sku)

    @classmethod
    def from_domain(cls, found: stock_totals.SkuTotals) -> SkuTotals:
        return cls(
            sku=found.sku,
            totals=StockQuantities.from_domain(found.quantities),
            locations=found.locations,
            version=found.version,
        )


@strawberry.type(description="One row of the append-only ledger.")
class StockEvent:
    id: strawberry.ID
    sku: str
    location: str
    type: StockEventType  # type: ignore[valid-type]
    reason: StockReason  # type: ignore[valid-type]
    before: StockQuantities
    after: StockQuantities
    delta: StockQuantities
    version: int
    actor: str
    reference: str | None
    idempotency_key: str | None
    created_at: datetime

    @classmethod
    def from_domain(cls, entry: stock.LedgerEntry) -> StockEvent:
        return cls(
            id=strawberry.ID(str(entry.id)),
            sku=entry.sku,
            location=entry.location,
            type=entry.type,
            reason=entry.reason,
            before=StockQuantities.from_domain(entry.before),
            after=StockQuantities.from_domain(entry.after),
            delta=StockQuantities.from_domain(entry.delta),
            version=entry.version,
            actor=entry.actor,
            reference=entry.reference,
            idempotency_key=entry.idempotency_key,
            created_at=entry.created_at,
        )

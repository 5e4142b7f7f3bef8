"""Purchase orders as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import purchase_orders
from schema.node import Node

PurchaseOrderStatus = strawberry.enum(purchase_orders.PurchaseOrderStatus)


@strawberry.type
class PurchaseOrderLine:
    sku: str
    ordered: int
    received: int = strawberry.field(description="Units received in good condition so far.")
    damaged: int = strawberry.field(description="Units that arrived damaged so far.")
    outstanding: int = strawberry.field(
        description="Units still expected (zero once the order is closed)."
    )

    @classmethod
    def from_domain(
        cls, line: purchase_orders.PurchaseOrderLine, is_open: bool
    ) -> PurchaseOrderLine:
        return cls(
            sku=line.sku,
            ordered=line.ordered,
            received=line.received,
            damaged=line.damaged,
            outstanding=line.outstanding if is_open else 0,
        )


@strawberry.type(description="Units expected from a supplier at one location.")
class PurchaseOrder(Node):
    id: strawberry.ID
    supplier: str
    location: str
    reference: str | None
    status: PurchaseOrderStatus  # type: ignore[valid-type]
    expected_at: datetime = strawberry.field(
        description="When the supplier is due to deliver: the promise date of backorders."
    )
    lines: list[PurchaseOrderLine]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, order: purchase_orders.PurchaseOrder) -> PurchaseOrder:
        return cls(
            id=strawberry.ID(order.id),
            supplier=order.supplier,
            location=order.location,
            reference=order.reference,
            status=order.status,
            expected_at=order.expected_at,
            lines=[PurchaseOrderLine.from_domain(line, order.is_open) for line in order.lines],
            created_at=order.created_at,
            updated_at=order.updated_at,
        )

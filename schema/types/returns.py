"""Customer returns as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import returns
from schema.node import Node

ReturnStatus = strawberry.enum(returns.ReturnStatus)
ReturnReason = strawberry.enum(returns.ReturnReason, description="Why the customer sent it back.")
InspectionOutcome = strawberry.enum(
    returns.InspectionOutcome,
    description="RESTOCK: available again; DAMAGED: set aside; WRITE_OFF: leaves on hand.",
)
InspectionReason = strawberry.enum(returns.InspectionReason, description="What inspection found.")


@strawberry.type
class ReturnInspection:
    outcome: InspectionOutcome  # type: ignore[valid-type]
    quantity: int
    reason: InspectionReason  # type: ignore[valid-type]
    created_at: datetime


@strawberry.type
class ReturnLine:
    sku: str
    quantity: int = strawberry.field(description="Units returned.")
    reason: ReturnReason  # type: ignore[valid-type]
    restocked: int
    damaged: int
    written_off: int
    uninspected: int = strawberry.field(description="Units still quarantined, to be inspected.")
    inspections: list[ReturnInspection]

    @classmethod
    def from_domain(cls, line: returns.ReturnLine) -> ReturnLine:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            reason=line.reason,
            restocked=line.restocked,
            damaged=line.damaged,
            written_off=line.written_off,
            uninspected=line.uninspected,
            inspections=[
                ReturnInspection(
                    outcome=i.outcome, quantity=i.quantity, reason=i.reason, created_at=i.created_at
                )
                for i in line.inspections
            ],
        )


@strawberry.type(description="Units of an order back from the customer, at one location.")
class CustomerReturn(Node):
    id: strawberry.ID
    channel: str
    order_ref: str
    reservation_id: strawberry.ID | None
    location: str
    status: ReturnStatus  # type: ignore[valid-type]
    lines: list[ReturnLine]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, found: returns.CustomerReturn) -> CustomerReturn:
        return cls(
            id=strawberry.ID(found.id),
            channel=found.channel,
            order_ref=found.order_ref,
            reservation_id=strawberry.ID(found.reservation_id) if found.reservation_id else None,
            location=found.location,
            status=found.status,
            lines=[ReturnLine.from_domain(line) for line in found.lines],
            created_at=found.created_at,
            updated_at=found.updated_at,
        )

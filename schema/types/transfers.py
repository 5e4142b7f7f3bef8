"""Transfers as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import transfers
from schema.node import Node

TransferStatus = strawberry.enum(transfers.TransferStatus)


@strawberry.type
class TransferLine:
    sku: str
    quantity: int
    received: int = strawberry.field(description="Units received in good condition so far.")
    damaged: int = strawberry.field(description="Units that arrived damaged so far.")
    outstanding: int = strawberry.field(
        description="Units shipped and not yet received (zero before shipping and once closed)."
    )
    lost_in_transit: int = strawberry.field(
        description="Units written off when the transfer was closed short (zero otherwise)."
    )

    @classmethod
    def from_domain(
        cls, line: transfers.TransferLine, shipped: bool, lost_in_transit: int
    ) -> TransferLine:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            received=line.received,
            damaged=line.damaged,
            outstanding=line.outstanding if shipped else 0,
            lost_in_transit=lost_in_transit,
        )


@strawberry.type(description="Units moving from one location to another.")
class Transfer(Node):
    id: strawberry.ID
    from_location: str = strawberry.field(name="from")
    to_location: str = strawberry.field(name="to")
    reference: str | None
    status: TransferStatus  # type: ignore[valid-type]
    expected_at: datetime = strawberry.field(
        description="When the units are due at the destination: the promise date of backorders."
    )
    shipped_at: datetime | None
    lines: list[TransferLine]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, transfer: transfers.Transfer) -> Transfer:
        shipped = transfer.status in transfers.ARRIVING_STATUSES
        return cls(
            id=strawberry.ID(transfer.id),
            from_location=transfer.from_location,
            to_location=transfer.to_location,
            reference=transfer.reference,
            status=transfer.status,
            expected_at=transfer.expected_at,
            shipped_at=transfer.shipped_at,
            lines=[
                TransferLine.from_domain(line, shipped, transfer.lost_in_transit(line))
                for line in transfer.lines
            ],
            created_at=transfer.created_at,
            updated_at=transfer.updated_at,
        )

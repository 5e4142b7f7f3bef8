"""Reservations and their lines as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import reservations
from schema.context import Info
from schema.node import Node
from schema.types.bundles import ReservationBundleLine

ReservationStatus = strawberry.enum(reservations.ReservationStatus)
ReservationKind = strawberry.enum(reservations.ReservationKind)


@strawberry.type(description="Units of one SKU at one location within a reservation.")
class ReservationLine:
    line_number: int = strawberry.field(description="Index of the request line it serves.")
    sku: str
    location: str
    quantity: int = strawberry.field(description="Units allocated at this location.")
    reserved: int
    committed: int
    fulfilled: int
    oversold: int = strawberry.field(description="Units sold that were not in stock.")
    backordered: int = strawberry.field(
        description="Units promised against incoming stock; they become reserved (or "
        "committed) when it arrives."
    )
    promised_at: datetime | None = strawberry.field(
        description="When the backordered units are due, from the purchase orders behind them."
    )

    @classmethod
    def from_domain(cls, line: reservations.ReservationLine) -> ReservationLine:
        return cls(
            line_number=line.line_number,
            sku=line.sku,
            location=line.location,
            quantity=line.quantity,
            reserved=line.reserved,
            committed=line.committed,
            fulfilled=line.fulfilled,
            oversold=line.oversold,
            backordered=line.backordered,
            promised_at=line.promised_at,
        )


@strawberry.type
class Reservation(Node):
    id: strawberry.ID
    channel: str
    order_ref: str
    kind: ReservationKind  # type: ignore[valid-type]
    status: ReservationStatus  # type: ignore[valid-type]
    expires_at: datetime
    created_at: datetime
    lines: list[ReservationLine]

    @strawberry.field(
        description="The request lines that were bundles; each is held as the lines with its "
        "lineNumber."
    )
    async def bundles(self, info: Info) -> list[ReservationBundleLine]:
        found = await info.context.services.bundles.reservation_lines(str(self.id))
        return [
            ReservationBundleLine(line_number=b.line_number, sku=b.sku, quantity=b.quantity)
            for b in found
        ]

    @classmethod
    def from_domain(cls, reservation: reservations.Reservation) -> Reservation:
        return cls(
            id=strawberry.ID(reservation.id),
            channel=reservation.channel,
            order_ref=reservation.order_ref,
            kind=reservation.kind,
            status=reservation.status,
            expires_at=reservation.expires_at,
            created_at=reservation.created_at,
            lines=[ReservationLine.from_domain(line) for line in reservation.lines],
        )

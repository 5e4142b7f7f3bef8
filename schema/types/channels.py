"""Channels, reservations and alerts as clients see them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain import alerts, channels, listings, reservations
from schema.context import Info
from schema.types.bundles import ReservationBundleLine

ChannelKind = strawberry.enum(channels.ChannelKind)
ChannelStatus = strawberry.enum(channels.ChannelStatus)
RoutingPolicy = strawberry.enum(channels.RoutingPolicy)
SplitPolicy = strawberry.enum(channels.SplitPolicy)
ReservationStatus = strawberry.enum(reservations.ReservationStatus)
ReservationKind = strawberry.enum(reservations.ReservationKind)
AlertType = strawberry.enum(alerts.AlertType)
AlertStatus = strawberry.enum(alerts.AlertStatus)


@strawberry.type
class Channel:
    code: str
    name: str
    kind: ChannelKind  # type: ignore[valid-type]
    status: ChannelStatus  # type: ignore[valid-type]
    routing_policy: RoutingPolicy  # type: ignore[valid-type]
    split_policy: SplitPolicy  # type: ignore[valid-type]
    locations: list[str] = strawberry.field(description="Codes, in routing priority order.")
    safety_units: int = strawberry.field(description="Default buffer in units for its listings.")
    safety_percent: float = strawberry.field(
        description="Default buffer as a percent of the pool (rounded up to whole units)."
    )
    low_stock_threshold: int = strawberry.field(
        description="A listing showing this many or fewer sellable units is LOW_STOCK."
    )
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, channel: channels.Channel) -> Channel:
        return cls(
            code=channel.code,
            name=channel.name,
            kind=channel.kind,
            status=channel.status,
            routing_policy=channel.routing,
            split_policy=channel.split,
            locations=list(channel.locations),
            safety_units=channel.safety.safety_units,
            safety_percent=listings.basis_points_to_percent(channel.safety.safety_basis_points),
            low_stock_threshold=channel.safety.low_stock_threshold,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


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
class Reservation:
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


@strawberry.type
class Alert:
    id: strawberry.ID
    type: AlertType  # type: ignore[valid-type]
    status: AlertStatus  # type: ignore[valid-type]
    message: str
    sku: str | None
    channel: str | None
    details: JSON
    occurrences: int = strawberry.field(description="How often the cause recurred while open.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, alert: alerts.Alert) -> Alert:
        return cls(
            id=strawberry.ID(str(alert.id)),
            type=alert.type,
            status=alert.status,
            message=alert.message,
            sku=alert.sku,
            channel=alert.channel,
            details=cast(JSON, alert.details),
            occurrences=alert.occurrences,
            created_at=alert.created_at,
            updated_at=alert.updated_at,
        )

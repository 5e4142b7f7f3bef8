"""Channels as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import channels, listings
from schema.context import Info
from schema.node import ID_DESCRIPTION, Node, NodeKind, node_id
from schema.types.connectors import Connector, ExposureHold

ChannelKind = strawberry.enum(channels.ChannelKind)
ChannelStatus = strawberry.enum(channels.ChannelStatus)
RoutingPolicy = strawberry.enum(channels.RoutingPolicy)
SplitPolicy = strawberry.enum(channels.SplitPolicy)


@strawberry.type
class Channel(Node):
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
    sales_preempt_holds: bool = strawberry.field(
        description="A sale on this channel that finds too few units takes them from other "
        "channels' unpaid holds (HELD, newest first, each whole: it becomes PREEMPTED) before "
        "anything is recorded as oversold."
    )
    connector: Connector
    created_at: datetime | None
    updated_at: datetime | None

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.CHANNEL, self.code)

    @strawberry.field(
        description="What this channel's last connector outage holds back from the other "
        "channels, per SKU (empty unless its fallback is HOLD_EXPOSURE and it was DOWN)."
    )
    async def exposure_holds(self, info: Info) -> list[ExposureHold]:
        found = await info.context.services.connectors.exposure_holds(self.code)
        return [ExposureHold.from_domain(hold) for hold in found]

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
            sales_preempt_holds=channel.sales_preempt_holds,
            connector=Connector.from_domain(channel.connector),
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )

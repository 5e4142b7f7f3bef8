"""createChannel, updateChannel, setChannelLocations."""

from __future__ import annotations

import strawberry

from domain import channels
from domain.connectors import KEEP
from domain.listings import SafetyRules, percent_to_basis_points
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.channels import Channel, ChannelKind, ChannelStatus, RoutingPolicy, SplitPolicy
from schema.types.connectors import Connector, OutageFallback

TIMEOUT = (
    "Seconds of silence (no request with one of the channel's partner keys) after which its "
    "connector is DOWN: 5 to 86400; null turns monitoring off."
)
FALLBACK = "What happens while its connector is DOWN (see OutageFallback)."
THRESHOLD = "For PAUSE_OTHER_LISTINGS_BELOW: pools at or below this publish 0 (default 0)."


@strawberry.input
class CreateChannelInput:
    code: str
    name: str
    kind: ChannelKind  # type: ignore[valid-type]
    status: ChannelStatus = channels.ChannelStatus.ACTIVE  # type: ignore[valid-type]
    routing_policy: RoutingPolicy = channels.RoutingPolicy.PRIORITY  # type: ignore[valid-type]
    split_policy: SplitPolicy = channels.SplitPolicy.NEVER  # type: ignore[valid-type]
    safety_units: int = 0
    safety_percent: float = 0
    low_stock_threshold: int = 0
    connector_timeout_seconds: int | None = strawberry.field(default=None, description=TIMEOUT)
    outage_fallback: OutageFallback | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description=FALLBACK
    )
    fallback_threshold: int | None = strawberry.field(default=None, description=THRESHOLD)


@strawberry.input(description="Fields left out keep their value.")
class UpdateChannelInput:
    code: str
    name: str | None = None
    kind: ChannelKind | None = None  # type: ignore[valid-type]
    status: ChannelStatus | None = None  # type: ignore[valid-type]
    routing_policy: RoutingPolicy | None = None  # type: ignore[valid-type]
    split_policy: SplitPolicy | None = None  # type: ignore[valid-type]
    safety_units: int | None = None
    safety_percent: float | None = None
    low_stock_threshold: int | None = None
    sales_preempt_holds: bool | None = None
    connector_timeout_seconds: int | None = strawberry.field(
        default=strawberry.UNSET, description=TIMEOUT
    )
    outage_fallback: OutageFallback | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description=FALLBACK
    )
    fallback_threshold: int | None = strawberry.field(default=None, description=THRESHOLD)


@strawberry.input
class SetChannelLocationsInput:
    channel: str
    locations: list[str] = strawberry.field(description="In routing priority order.")


@strawberry.input
class ReportChannelHeartbeatInput:
    channel: str


@strawberry.type
class ConnectorPayload:
    connector: Connector | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ChannelPayload:
    channel: Channel | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(channel: channels.Channel | None, errors: list[UserError]) -> ChannelPayload:
    return ChannelPayload(
        channel=Channel.from_domain(channel) if channel else None, user_errors=errors
    )


@strawberry.type
class ChannelMutations:
    @strawberry.mutation
    async def create_channel(self, info: Info, input: CreateChannelInput) -> ChannelPayload:
        command = channels.CreateChannel(
            input.code,
            input.name,
            input.kind,
            input.status,
            input.routing_policy,
            input.split_policy,
            SafetyRules(
                input.safety_units,
                percent_to_basis_points(input.safety_percent),
                input.low_stock_threshold,
            ),
            input.connector_timeout_seconds,
            input.outage_fallback,
            input.fallback_threshold,
        )
        return _payload(*await attempt(info.context.dispatch(command)))

    @strawberry.mutation
    async def update_channel(self, info: Info, input: UpdateChannelInput) -> ChannelPayload:
        timeout = input.connector_timeout_seconds
        command = channels.UpdateChannel(
            input.code,
            input.name,
            input.kind,
            input.status,
            input.routing_policy,
            input.split_policy,
            input.safety_units,
            None if input.safety_percent is None else percent_to_basis_points(input.safety_percent),
            input.low_stock_threshold,
            input.sales_preempt_holds,
            KEEP if input.connector_timeout_seconds is strawberry.UNSET else timeout,
            input.outage_fallback,
            input.fallback_threshold,
        )
        return _payload(*await attempt(info.context.dispatch(command)))

    @strawberry.mutation(
        description="The channel's connector is alive and has reported the sales of its last "
        "outage: an outage's exposure holds lift. Admins and the channel's partner keys."
    )
    async def report_channel_heartbeat(
        self, info: Info, input: ReportChannelHeartbeatInput
    ) -> ConnectorPayload:
        services, caller = info.context.services, info.context.caller
        channel, errors = await attempt(services.connectors.heartbeat(input.channel, caller))
        return ConnectorPayload(
            connector=Connector.from_domain(channel.connector) if channel else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Replaces the channel's locations with this ordered list.")
    async def set_channel_locations(
        self, info: Info, input: SetChannelLocationsInput
    ) -> ChannelPayload:
        command = channels.SetChannelLocations(input.channel, tuple(input.locations))
        return _payload(*await attempt(info.context.dispatch(command)))

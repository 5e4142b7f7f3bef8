"""A channel's connector health and its exposure holds, as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import connectors

ConnectorStatus = strawberry.enum(
    connectors.ConnectorStatus,
    description="UP: heard within its timeout; DOWN: silent past it (its outage fallback "
    "applies); UNKNOWN: not monitored, or never heard since monitoring began.",
)
OutageFallback = strawberry.enum(
    connectors.OutageFallback,
    description="What stockpool does while a channel's connector is DOWN. NONE: only the "
    "CONNECTOR_DOWN alert. HOLD_EXPOSURE: what the channel published when it went down is held "
    "back from every other channel's pool until it is back and has sent reportChannelHeartbeat "
    "(or one more timeout passed). PAUSE_OTHER_LISTINGS_BELOW: while it is down, every other "
    "channel publishes 0 of a SKU it lists whose pool there is at or below fallbackThreshold.",
)


@strawberry.type(description="The health of the channel's connector (its partner integration).")
class Connector:
    status: ConnectorStatus  # type: ignore[valid-type]
    last_seen_at: datetime | None = strawberry.field(
        description="The last request made with one of the channel's partner keys (written "
        "at most once a second)."
    )
    timeout_seconds: int | None = strawberry.field(
        description="Silent longer than this, the connector is DOWN; null: not monitored."
    )
    fallback: OutageFallback  # type: ignore[valid-type]
    fallback_threshold: int | None = strawberry.field(
        description="For PAUSE_OTHER_LISTINGS_BELOW: the pool at or below which other channels "
        "publish 0; null for the other fallbacks."
    )
    down_since: datetime | None = strawberry.field(description="When it went DOWN, if it is.")
    holding_since: datetime | None = strawberry.field(
        description="Back from an outage with its exposure still held: when it came back."
    )

    @classmethod
    def from_domain(cls, connector: connectors.Connector) -> Connector:
        pausing = connector.fallback is connectors.OutageFallback.PAUSE_OTHER_LISTINGS_BELOW
        return cls(
            status=connector.status,
            last_seen_at=connector.last_seen_at,
            timeout_seconds=connector.timeout_seconds,
            fallback=connector.fallback,
            fallback_threshold=connector.threshold if pausing else None,
            down_since=connector.down_since,
            holding_since=connector.back_at,
        )


@strawberry.type(
    description="Units a channel whose connector went DOWN may still sell, held back from every "
    "other channel's pool (a pool deduction, not a stock movement: no ledger row)."
)
class ExposureHold:
    sku: str
    units: int = strawberry.field(description="Lowered by the sales the channel reports.")
    since: datetime

    @classmethod
    def from_domain(cls, hold: connectors.ExposureHold) -> ExposureHold:
        return cls(sku=hold.sku, units=hold.units, since=hold.since)

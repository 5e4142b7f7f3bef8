"""Webhook endpoints and their deliveries as clients see them (docs/webhooks.md)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import webhooks

WebhookEvent = strawberry.enum(
    webhooks.WebhookEvent,
    description="What an endpoint receives: AVAILABILITY_CHANGED (availability.changed), "
    "STOCK_LEVEL_CHANGED, RESERVATION_CHANGED, ALERT_RAISED.",
)
WebhookDeliveryStatus = strawberry.enum(
    webhooks.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING (waiting for its first or next attempt), DELIVERED (a 2xx answer), "
    "FAILED (every attempt of the retry schedule failed), SUPERSEDED (a newer state of the "
    "same availability or stock level was sent instead).",
)


@strawberry.type(description="A URL that receives signed POSTs when what it subscribed to changes.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    events: list[WebhookEvent]  # type: ignore[valid-type]
    channel: str | None = strawberry.field(
        description="Bound to one channel: it receives only that channel's availability and "
        "reservations."
    )
    enabled: bool = strawberry.field(
        description="False once disabled by hand, or after failing for "
        "STOCKPOOL_WEBHOOK_DISABLE_AFTER_HOURS (a WEBHOOK_DISABLED alert is raised)."
    )
    disabled_at: datetime | None
    previous_secret_until: datetime | None = strawberry.field(
        description="After rotateWebhookSecret: until when requests are signed with the "
        "previous secret too."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, endpoint: webhooks.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(endpoint.id)),
            url=endpoint.url,
            events=list(endpoint.events),
            channel=endpoint.channel,
            enabled=endpoint.enabled,
            disabled_at=endpoint.disabled_at,
            previous_secret_until=endpoint.previous_secret_until,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


@strawberry.type(description="One message to one endpoint, with every attempt to send it.")
class WebhookDelivery:
    id: strawberry.ID
    endpoint: strawberry.ID
    message_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every attempt."
    )
    event: WebhookEvent  # type: ignore[valid-type]
    status: WebhookDeliveryStatus  # type: ignore[valid-type]
    version: int | None = strawberry.field(
        description="The version of the availability or stock level it carries."
    )
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last answer (null: none came)."
    )
    last_error: str | None
    created_at: datetime

    @classmethod
    def from_domain(cls, delivery: webhooks.Delivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(delivery.id)),
            endpoint=strawberry.ID(str(delivery.endpoint_id)),
            message_id=delivery.message_id,
            event=delivery.event,
            status=delivery.status,
            version=delivery.version,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
        )

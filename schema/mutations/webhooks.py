"""createWebhookEndpoint, updateWebhookEndpoint, deleteWebhookEndpoint, rotateWebhookSecret,
redeliverWebhook."""

from __future__ import annotations

import strawberry

from domain.webhooks import WebhookEndpoint as DomainEndpoint
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="https only; hosts resolving to private addresses are refused."
    )
    events: list[WebhookEvent]  # type: ignore[valid-type]
    channel: str | None = strawberry.field(
        default=None,
        description="Receive only this channel's availability and reservations. Partner keys: "
        "their own channel (the default for them).",
    )


@strawberry.type
class WebhookSecretPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_…): shown this once, store it now.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    events: list[WebhookEvent] | None = None  # type: ignore[valid-type]
    enabled: bool | None = strawberry.field(
        default=None, description="true enables a disabled endpoint again."
    )


@strawberry.input
class WebhookEndpointInput:
    id: strawberry.ID


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RedeliverWebhookInput:
    id: strawberry.ID = strawberry.field(description="A WebhookDelivery's id.")


@strawberry.type
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Admin keys for any channel; partner keys for their own.")
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookSecretPayload:
        webhooks = info.context.services.webhooks
        return _secret_payload(
            *await attempt(
                webhooks.create(info.context.caller, input.url, input.events, input.channel)
            )
        )

    @strawberry.mutation
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        webhooks = info.context.services.webhooks
        return _endpoint_payload(
            *await attempt(
                webhooks.update(
                    info.context.caller, str(input.id), input.url, input.events, input.enabled
                )
            )
        )

    @strawberry.mutation(description="Its pending deliveries are dropped, never sent.")
    async def delete_webhook_endpoint(
        self, info: Info, input: WebhookEndpointInput
    ) -> WebhookEndpointPayload:
        webhooks = info.context.services.webhooks
        return _endpoint_payload(
            *await attempt(webhooks.delete(info.context.caller, str(input.id)))
        )

    @strawberry.mutation(
        description="A new secret, shown once; the previous one keeps signing (both "
        "signatures in webhook-signature) for 24 hours."
    )
    async def rotate_webhook_secret(
        self, info: Info, input: WebhookEndpointInput
    ) -> WebhookSecretPayload:
        webhooks = info.context.services.webhooks
        return _secret_payload(
            *await attempt(webhooks.rotate_secret(info.context.caller, str(input.id)))
        )

    @strawberry.mutation(
        description="Sends a delivery again, with the same webhook-id (a state older than "
        "one already sent to the endpoint is SUPERSEDED instead)."
    )
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookPayload:
        webhooks = info.context.services.webhooks
        delivery, errors = await attempt(webhooks.redeliver(info.context.caller, str(input.id)))
        return RedeliverWebhookPayload(
            delivery=WebhookDelivery.from_domain(delivery) if delivery else None,
            user_errors=errors,
        )


def _secret_payload(
    created: tuple[DomainEndpoint, str] | None, errors: list[UserError]
) -> WebhookSecretPayload:
    """An endpoint with its secret (shown once), or the reasons there is none."""
    if created is None:
        return WebhookSecretPayload(user_errors=errors)
    endpoint, secret = created
    return WebhookSecretPayload(endpoint=WebhookEndpoint.from_domain(endpoint), secret=secret)


def _endpoint_payload(
    endpoint: DomainEndpoint | None, errors: list[UserError]
) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(
        endpoint=WebhookEndpoint.from_domain(endpoint) if endpoint else None, user_errors=errors
    )

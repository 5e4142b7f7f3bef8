"""webhookEndpoints and webhookDeliveries (docs/webhooks.md)."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.errors import public
from schema.permissions import ReadsMoreThanPublished
from schema.types.pagination import Connection, connection, decode_cursor, page_size
from schema.types.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="Every endpoint (admin keys); a partner key's channel's endpoints.",
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        found = await public(info.context.services.webhooks.endpoints(info.context.caller))
        return [WebhookEndpoint.from_domain(endpoint) for endpoint in found]

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="An endpoint's deliveries, newest first; finished ones are kept 7 days.",
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint: strawberry.ID,
        status: WebhookDeliveryStatus | None = None,  # type: ignore[valid-type]
        first: int = 50,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        found, has_next = await public(
            info.context.services.webhooks.deliveries(
                info.context.caller,
                str(endpoint),
                status,
                page_size(first),
                decode_cursor("delivery", after),
            )
        )
        items = [(d.id, WebhookDelivery.from_domain(d)) for d in found]
        return connection(items, "delivery", has_next, after)

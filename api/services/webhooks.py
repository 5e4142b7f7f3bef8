"""The webhook endpoints' operations (create, update, delete, rotate the secret, list) and
the deliveries' (list, redeliver), each checking who asks (domain/webhooks.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from api.clock import Clock
from api.database import webhook_repository
from api.database.channel_repository import find_channel
from api.database.engine import Database
from api.database.webhook_repository import Change
from api.webhook_targets import check_target
from domain.access import Principal
from domain.errors import ChannelNotFound
from domain.webhooks import (
    ROTATION_OVERLAP,
    Delivery,
    DeliveryStatus,
    WebhookDeliveryNotFound,
    WebhookEndpoint,
    WebhookEndpointNotFound,
    WebhookEvent,
    check_events,
    manages,
    new_secret,
    require_may_subscribe,
)

Changed = Callable[[], Awaitable[None]]


class WebhookService:
    def __init__(
        self, database: Database, clock: Clock, allow_private: bool, changed: Changed
    ) -> None:
        self._database = database
        self._clock = clock
        self._allow_private = allow_private
        self._changed = changed
        """Told after an endpoint changed (the relay reloads and tells the other workers)."""

    async def create(
        self,
        principal: Principal,
        url: str,
        events: Sequence[WebhookEvent],
        channel: str | None,
    ) -> tuple[WebhookEndpoint, str]:
        """The endpoint and its secret, shown this once."""
        if channel is None and principal.channel is not None:
            channel = principal.channel
        events = check_events(events)
        require_may_subscribe(principal, events, channel)
        await check_target(url, self._allow_private)
        secret = new_secret()
        async with self._database.transaction() as conn:
            channel_id = None
            if channel is not None:
                record = await find_channel(conn, channel)
                if record is None:
                    raise ChannelNotFound(channel)
                channel_id = record.id
            endpoint = await webhook_repository.insert_endpoint(
                conn, url, events, channel_id, secret, self._clock()
            )
        await self._changed()
        return endpoint, secret

    async def update(
        self,
        principal: Principal,
        endpoint_id: str,
        url: str | None,
        events: Sequence[WebhookEvent] | None,
        enabled: bool | None,
    ) -> WebhookEndpoint:
        found = await self._endpoint(principal, endpoint_id)
        if events is not None:
            events = check_events(events)
            require_may_subscribe(principal, events, found.channel)
        if url is not None:
            await check_target(url, self._allow_private)
        change = Change(url, tuple(events) if events is not None else None, enabled)
        async with self._database.transaction() as conn:
            endpoint = await webhook_repository.update_endpoint(
                conn, found.id, change, self._clock()
            )
        await self._changed()
        return endpoint

    async def delete(self, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint and its deliveries are gone; pending ones are never sent."""
        found = await self._endpoint(principal, endpoint_id)
        async with self._database.transaction() as conn:
            await webhook_repository.delete_endpoint(conn, found.id)
        await self._changed()
        return found

    async def rotate_secret(
        self, principal: Principal, endpoint_id: str
    ) -> tuple[WebhookEndpoint, str]:
        """A new secret, shown this once; the previous one signs too for ROTATION_OVERLAP."""
        found = await self._endpoint(principal, endpoint_id)
        secret = new_secret()
        now = self._clock()
        async with self._database.transaction() as conn:
            endpoint = await webhook_repository.rotate_secret(
                conn, found.id, secret, now + ROTATION_OVERLAP, now
            )
        return endpoint, secret

    async def endpoints(self, principal: Principal) -> list[WebhookEndpoint]:
        require_may_subscribe(principal, [], principal.channel)
        async with self._database.read() as conn:
            found = await webhook_repository.list_endpoints(conn, principal.channel)
        return [endpoint for endpoint in found if manages(principal, endpoint)]

    async def deliveries(
        self,
        principal: Principal,
        endpoint_id: str,
        status: DeliveryStatus | None,
        first: int,
        before_id: int | None,
    ) -> tuple[list[Delivery], bool]:
        found = await self._endpoint(principal, endpoint_id, ("endpoint",))
        async with self._database.read() as conn:
            return await webhook_repository.deliveries(conn, found.id, status, first, before_id)

    async def redeliver(self, principal: Principal, delivery_id: str) -> Delivery:
        """Sends the delivery again (the same `webhook-id`), whatever became of it."""
        number = _number(delivery_id)
        async with self._database.transaction() as conn:
            found = await webhook_repository.find_delivery(conn, number) if number else None
            endpoint = (
                await webhook_repository.find_endpoint(conn, found.endpoint_id) if found else None
            )
            if found is None or endpoint is None or not manages(principal, endpoint):
                raise WebhookDeliveryNotFound(delivery_id)
            delivery = await webhook_repository.redeliver(conn, found.id, self._clock())
        await self._changed()
        return delivery

    async def _endpoint(
        self, principal: Principal, endpoint_id: str, field: tuple[str, ...] = ("id",)
    ) -> WebhookEndpoint:
        require_may_subscribe(principal, [], principal.channel)
        number = _number(endpoint_id)
        async with self._database.read() as conn:
            found = await webhook_repository.find_endpoint(conn, number) if number else None
        if found is None or not manages(principal, found):
            raise WebhookEndpointNotFound(endpoint_id, field)
        return found


def _number(identifier: str) -> int | None:
    """A row id from a GraphQL ID; None for anything that cannot be one."""
    if not identifier.isascii() or not identifier.isdigit() or len(identifier) > 18:
        return None
    return int(identifier)

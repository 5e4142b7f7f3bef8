"""Webhook endpoints and the pages of their deliveries (the outbox itself is written by
api/database/webhook_outbox.py and worked by api/database/webhook_claims.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import webhook_disabled
from api.database.tables import channels, webhook_deliveries, webhook_endpoints
from domain.webhooks import Delivery, DeliveryStatus, WebhookEndpoint, WebhookEvent, coalesces

_endpoints = select(webhook_endpoints, channels.c.code.label("channel")).outerjoin(
    channels, channels.c.id == webhook_endpoints.c.channel_id
)


@dataclass(frozen=True, slots=True)
class Change:
    """What updateWebhookEndpoint changes (None: left as it is)."""

    url: str | None = None
    events: tuple[WebhookEvent, ...] | None = None
    enabled: bool | None = None


async def insert_endpoint(
    conn: AsyncConnection,
    url: str,
    events: Sequence[WebhookEvent],
    channel_id: int | None,
    secret: str,
    now: datetime,
) -> WebhookEndpoint:
    created = await conn.execute(
        insert(webhook_endpoints)
        .values(
            url=url,
            events=[event.value for event in events],
            channel_id=channel_id,
            secret=secret,
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        .returning(webhook_endpoints.c.id)
    )
    return await _get(conn, int(created.scalar_one()))


async def find_endpoint(conn: AsyncConnection, endpoint_id: int) -> WebhookEndpoint | None:
    row = (await conn.execute(_endpoints.where(webhook_endpoints.c.id == endpoint_id))).first()
    return endpoint_from(row) if row else None


async def _get(conn: AsyncConnection, endpoint_id: int) -> WebhookEndpoint:
    found = await find_endpoint(conn, endpoint_id)
    if found is None:
        raise LookupError(endpoint_id)
    return found


async def list_endpoints(
    conn: AsyncConnection, channel: str | None = None, enabled_only: bool = False
) -> list[WebhookEndpoint]:
    query = _endpoints.order_by(webhook_endpoints.c.id)
    if channel is not None:
        query = query.where(channels.c.code == channel)
    if enabled_only:
        query = query.where(webhook_endpoints.c.enabled)
    return [endpoint_from(row) for row in await conn.execute(query)]


async def update_endpoint(
    conn: AsyncConnection, endpoint_id: int, change: Change, now: datetime
) -> WebhookEndpoint:
    values: dict[str, Any] = {"updated_at": now}
    if change.url is not None:
        values["url"] = change.url
    if change.events is not None:
        values["events"] = [event.value for event in change.events]
    if change.enabled is not None:
        values["enabled"] = change.enabled
        # Enabled again: it starts with a clean record; disabled by hand: since now.
        values["disabled_at"] = None if change.enabled else now
        values["failing_since"] = None
    await conn.execute(
        update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(values)
    )
    if change.enabled is False:
        await webhook_disabled.fail_pending(conn, [endpoint_id])
    elif change.enabled:
        await webhook_disabled.resume(conn, endpoint_id, now)
    return await _get(conn, endpoint_id)


async def rotate_secret(
    conn: AsyncConnection, endpoint_id: int, secret: str, previous_until: datetime, now: datetime
) -> WebhookEndpoint:
    await conn.execute(
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(
            previous_secret=webhook_endpoints.c.secret,
            previous_secret_until=previous_until,
            secret=secret,
            updated_at=now,
        )
    )
    return await _get(conn, endpoint_id)


async def delete_endpoint(conn: AsyncConnection, endpoint_id: int) -> None:
    """The endpoint and every delivery of it."""
    await conn.execute(
        delete(webhook_deliveries).where(webhook_deliveries.c.endpoint_id == endpoint_id)
    )
    await conn.execute(delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id))


async def deliveries(
    conn: AsyncConnection,
    endpoint_id: int,
    status: DeliveryStatus | None,
    first: int,
    before_id: int | None,
) -> tuple[list[Delivery], bool]:
    """Newest first; `before_id` continues after the last delivery of the previous page."""
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.endpoint_id == endpoint_id)
        .order_by(webhook_deliveries.c.id.desc())
        .limit(first + 1)
    )
    if status is not None:
        query = query.where(webhook_deliveries.c.status == status.value)
    if before_id is not None:
        query = query.where(webhook_deliveries.c.id < before_id)
    rows = (await conn.execute(query)).all()
    return [delivery_from(row) for row in rows[:first]], len(rows) > first


async def find_delivery(conn: AsyncConnection, delivery_id: int) -> Delivery | None:
    row = (
        await conn.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id))
    ).first()
    return delivery_from(row) if row else None


async def redeliver(conn: AsyncConnection, delivery_id: int, now: datetime) -> Delivery:
    """Pending again, due now, with the same `webhook-id`; SUPERSEDED instead if it is a state
    (availability, stock level) older than one already sent or waiting for its endpoint."""
    status = DeliveryStatus.PENDING if not await _outdated(conn, delivery_id) else None
    await conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            status=(status or DeliveryStatus.SUPERSEDED).value,
            next_attempt_at=now if status else None,
            claimed_until=None,
        )
    )
    found = await find_delivery(conn, delivery_id)
    if found is None:
        raise LookupError(delivery_id)
    return found


async def _outdated(conn: AsyncConnection, delivery_id: int) -> bool:
    D = webhook_deliveries.c
    mine = (
        await conn.execute(
            select(D.endpoint_id, D.coalescing_key, D.version).where(D.id == delivery_id)
        )
    ).one()
    if not coalesces(mine.coalescing_key):
        return False
    newer = await conn.execute(
        select(D.id)
        .where(
            D.endpoint_id == mine.endpoint_id,
            D.coalescing_key == mine.coalescing_key,
            D.version > mine.version,
            D.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERED.value]),
        )
        .limit(1)
    )
    return newer.first() is not None


def endpoint_from(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=int(row.id),
        url=row.url,
        events=tuple(WebhookEvent(name) for name in row.events),
        channel=row.channel,
        enabled=bool(row.enabled),
        created_at=row.created_at,
        updated_at=row.updated_at,
        disabled_at=row.disabled_at,
        previous_secret_until=row.previous_secret_until,
        paused_until=row.paused_until,
    )


def delivery_from(row: Any) -> Delivery:
    return Delivery(
        id=int(row.id),
        endpoint_id=int(row.endpoint_id),
        message_id=row.message_id,
        event=WebhookEvent(row.event),
        status=DeliveryStatus(row.status),
        attempts=int(row.attempts),
        created_at=row.created_at,
        version=row.version,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
    )

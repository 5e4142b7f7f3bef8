"""The webhook outbox, written in the transaction of the change it tells.

`Journal.write` (api/database/change_journal.py) hands every transaction's changes here just
before commit: one delivery row per change and endpoint that wants it, in the same
transaction, so a committed change is never lost and a rolled-back one never sent.

Which endpoints want what is this process's `Subscribers`, kept fresh by the relay
(api/services/webhook_relay.py): loaded before the worker serves, reloaded at once when this
worker changes an endpoint or the bus says another did, and at least every
`REFRESH_SECONDS`. With no endpoint, writing costs no query at all. A change committed by
another worker in the moment between an endpoint's creation and that worker's reload is not
sent to it (docs/webhooks.md#when-an-endpoint-starts-receiving)."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from api import webhook_data
from api.database.tables import webhook_deliveries
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.reservations import Reservation
from domain.stock import LedgerEntry
from domain.webhooks import (
    DeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    availability_key,
    stock_level_key,
)

if TYPE_CHECKING:
    from api.database.change_journal import Journal

REFRESH_SECONDS = 1.0


@dataclass(slots=True)
class Subscribers:
    """The enabled endpoints of one database, as this process last read them."""

    endpoints: tuple[WebhookEndpoint, ...] = ()
    loaded_at: float = 0.0
    on_write: Callable[[], None] | None = None
    """Told when a transaction wrote deliveries (wakes this worker's relay)."""
    wanted: frozenset[WebhookEvent] = field(default_factory=frozenset)

    def replace(self, endpoints: Sequence[WebhookEndpoint], at: float) -> None:
        self.endpoints = tuple(e for e in endpoints if e.enabled)
        self.wanted = frozenset(event for e in self.endpoints for event in e.events)
        self.loaded_at = at


_subscribers: weakref.WeakKeyDictionary[Engine, Subscribers] = weakref.WeakKeyDictionary()


def subscribers_for(engine: Engine) -> Subscribers:
    """The one `Subscribers` of the database `engine` writes to, in this process."""
    found = _subscribers.get(engine)
    if found is None:
        found = _subscribers[engine] = Subscribers()
    return found


Change = tuple[WebhookEvent, str | None, str | None, int | None, dict[str, Any]]
"""(event, channel, coalescing key, version, data)."""


async def write(
    conn: AsyncConnection,
    journal: Journal,
    reservations: Sequence[tuple[int, Reservation]],
) -> None:
    """One delivery row per change and endpoint that wants it."""
    subscribers = _subscribers.get(conn.sync_engine)
    if subscribers is None or not subscribers.endpoints:
        return
    changes = _changes(
        subscribers.wanted,
        journal.with_cursors([value for _, value in journal.availability]),
        journal.ledger,
        [reservation for _, reservation in reservations],
        journal.alerts,
    )
    now = journal.now or datetime.now(UTC)
    wanting = [
        (endpoint, change)
        for change in changes
        for endpoint in subscribers.endpoints
        if endpoint.wants(change[0], change[1])
    ]
    if not wanting:
        return
    await conn.execute(
        webhook_deliveries.insert(),
        [_row(endpoint.id, change, now) for endpoint, change in wanting],
    )
    # A paused endpoint (it failed a moment ago) is not sent these now: no need to wake.
    if subscribers.on_write is not None and any(not e.paused(now) for e, _ in wanting):
        subscribers.on_write()


def _changes(
    wanted: frozenset[WebhookEvent],
    availability: list[ChannelAvailability],
    ledger: list[LedgerEntry],
    reservations: list[Reservation],
    alerts: list[Alert],
) -> list[Change]:
    changes: list[Change] = []
    if WebhookEvent.AVAILABILITY_CHANGED in wanted:
        changes += [
            (
                WebhookEvent.AVAILABILITY_CHANGED,
                value.channel,
                availability_key(value.channel, value.sku),
                value.version,
                webhook_data.availability_data(value),
            )
            for value in availability
        ]
    if WebhookEvent.STOCK_LEVEL_CHANGED in wanted:
        newest = {(entry.sku, entry.location): entry for entry in ledger}
        changes += [
            (
                WebhookEvent.STOCK_LEVEL_CHANGED,
                None,
                stock_level_key(entry.sku, entry.location),
                entry.version,
                webhook_data.stock_level_data(entry.stock_level()),
            )
            for entry in newest.values()
        ]
    if WebhookEvent.RESERVATION_CHANGED in wanted:
        changes += [
            (
                WebhookEvent.RESERVATION_CHANGED,
                reservation.channel,
                None,
                None,
                webhook_data.reservation_data(reservation),
            )
            for reservation in reservations
        ]
    if WebhookEvent.ALERT_RAISED in wanted:
        changes += [
            (WebhookEvent.ALERT_RAISED, alert.channel, None, None, webhook_data.alert_data(alert))
            for alert in alerts
        ]
    return changes


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def _row(endpoint_id: int, change: Change, now: datetime) -> dict[str, Any]:
    event, _, key, version, data = change
    return {
        "endpoint_id": endpoint_id,
        "message_id": new_message_id(),
        "event": event.value,
        "coalescing_key": key,
        "version": version,
        "payload": {"type": event.type, "timestamp": now.isoformat(), "data": data},
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }

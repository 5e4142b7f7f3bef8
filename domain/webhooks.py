"""Outbound webhooks: endpoints, the events they take, Standard Webhooks signatures, the retry
schedule and the refusals of the webhook operations (docs/webhooks.md)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.access import Principal, Role
from domain.errors import ErrorCode, FieldPath, Forbidden, InvalidValue, StockpoolError, TooLong

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
"""Random bytes behind a new secret (Standard Webhooks asks for 24 to 64)."""
ROTATION_OVERLAP = timedelta(hours=24)
"""After a rotation, requests are signed with the new and the previous secret this long."""
MAX_URL_LENGTH = 2048
COALESCED_PREFIXES = ("availability:", "stock_level:")


class WebhookEvent(Enum):
    AVAILABILITY_CHANGED = "AVAILABILITY_CHANGED"
    STOCK_LEVEL_CHANGED = "STOCK_LEVEL_CHANGED"
    RESERVATION_CHANGED = "RESERVATION_CHANGED"
    ALERT_RAISED = "ALERT_RAISED"

    @property
    def type(self) -> str:
        """The `type` of the request body: `availability.changed` and so on."""
        subject, _, happened = self.value.lower().rpartition("_")
        return f"{subject}.{happened}"

    @property
    def channel_bound(self) -> bool:
        """Whether a change of this kind belongs to one channel (a channel-bound endpoint
        receives only its own channel's)."""
        return self in (WebhookEvent.AVAILABILITY_CHANGED, WebhookEvent.RESERVATION_CHANGED)


class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    SUPERSEDED = "SUPERSEDED"
    """A newer version of the same availability or stock level replaced it before it left."""


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: int
    url: str
    events: tuple[WebhookEvent, ...]
    channel: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None = None
    previous_secret_until: datetime | None = None
    """While a rotation overlaps: until when the previous secret still signs too."""
    paused_until: datetime | None = None
    """After a failed request: nothing more is sent to it until then."""

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def wants(self, event: WebhookEvent, channel: str | None) -> bool:
        if not self.enabled or event not in self.events:
            return False
        return self.channel is None or not event.channel_bound or channel == self.channel


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    endpoint_id: int
    message_id: str
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    version: int | None = None
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None


class WebhookUrlNotAllowed(StockpoolError):
    code = ErrorCode.WEBHOOK_URL_NOT_ALLOWED

    def __init__(self, url: str, why: str, field: FieldPath = ("url",)) -> None:
        super().__init__(f"{url[:200]!r} may not receive webhooks: {why}", field)


class WebhookEndpointNotFound(StockpoolError):
    code = ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND

    def __init__(self, endpoint_id: str, field: FieldPath = ("id",)) -> None:
        super().__init__(f"no webhook endpoint with id {endpoint_id[:100]!r}", field)


class WebhookDeliveryNotFound(StockpoolError):
    code = ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND

    def __init__(self, delivery_id: str, field: FieldPath = ("id",)) -> None:
        super().__init__(f"no webhook delivery with id {delivery_id[:100]!r}", field)


def check_url_text(url: str) -> None:
    """What can be told of a URL without resolving it (api/webhook_targets.py resolves)."""
    if len(url) > MAX_URL_LENGTH:
        raise TooLong(f"a webhook URL is at most {MAX_URL_LENGTH} characters", ("url",))
    if not url.lower().startswith(("https://", "http://")):
        raise WebhookUrlNotAllowed(url, "only https:// URLs receive webhooks")


def check_events(events: Sequence[WebhookEvent]) -> tuple[WebhookEvent, ...]:
    """The events, each once, in their declared order; at least one."""
    if not events:
        raise InvalidValue("name at least one event", ("events",))
    return tuple(event for event in WebhookEvent if event in events)


def new_secret() -> str:
    """`whsec_` and the base64 of SECRET_BYTES random bytes: shown once, stored to sign."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret: the base64-decoded part after `whsec_`."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ and base64") from None


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks v1: base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signatures(secrets_: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret in use, space-separated."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_)


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Seconds to wait after each failed attempt; when they run out the delivery FAILED."""

    delays: tuple[float, ...]
    jitter: float = 0.1
    """Each wait is stretched or shrunk by up to this fraction, so endpoints that failed
    together are not all retried in the same second."""

    def next_delay(self, attempts: int, spread: float) -> float | None:
        """The wait after `attempts` attempts failed (None: give up). `spread` in [0, 1)."""
        if attempts < 1 or attempts > len(self.delays):
            return None
        delay = self.delays[attempts - 1]
        return max(delay * (1 + self.jitter * (2 * spread - 1)), 0.0)

    @property
    def most_attempts(self) -> int:
        return len(self.delays) + 1


def coalesces(key: str | None) -> bool:
    """Whether deliveries of this key carry a whole state (a newer replaces an older one)."""
    return key is not None and key.startswith(COALESCED_PREFIXES)


def availability_key(channel: str, sku: str) -> str:
    return f"availability:{channel}:{sku}"


def stock_level_key(sku: str, location: str) -> str:
    return f"stock_level:{sku}:{location}"


def require_may_subscribe(
    principal: Principal, events: Sequence[WebhookEvent], channel: str | None
) -> None:
    """Admin keys: any events, any channel or none. Partner keys: their own channel only,
    and only its availability and reservations (what they may read). Storefront keys: none."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is not Role.PARTNER:
        raise Forbidden(f"a {principal.role.value} key may not manage webhooks")
    if channel != principal.channel:
        raise Forbidden(f"this partner key may not subscribe to channel {channel!r}")
    others = [event.value for event in events if not event.channel_bound]
    if others:
        raise Forbidden(f"a partner key may not subscribe to {', '.join(others)}")


def manages(principal: Principal, endpoint: WebhookEndpoint) -> bool:
    """Whether the endpoint exists for this key (a partner sees its channel's only)."""
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.PARTNER and endpoint.channel == principal.channel

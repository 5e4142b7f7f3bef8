"""Who is calling: API key roles and what each may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import ChannelRequired, Forbidden, InvalidValue
from domain.validation import MAX_NAME_LENGTH, Checks


class Role(Enum):
    ADMIN = "admin"
    PARTNER = "partner"
    STOREFRONT = "storefront"


ROLES_BOUND_TO_A_CHANNEL = frozenset({Role.PARTNER, Role.STOREFRONT})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request or connection."""

    name: str
    role: Role
    channel: str | None = None
    key_id: str | None = None
    expires_at: datetime | None = None
    """When the key stops working by itself (None: only when revoked)."""

    @property
    def actor(self) -> str:
        return f"key:{self.name}" if self.key_id else self.name

    @property
    def idempotency_scope(self) -> str:
        """Keys are scoped to the tenant, so one partner cannot replay another's responses."""
        return f"channel:{self.channel}" if self.channel else "admin"

    def require_channel(self, channel: str) -> None:
        """Admins act for every channel; a partner only for the one its key is bound to."""
        if self.role is Role.ADMIN:
            return
        if self.role is Role.PARTNER and self.channel == channel:
            return
        raise Forbidden(f"this {self.role.value} key may not act for channel {channel!r}")

    def sees(self, channel: str) -> bool:
        """Whether what belongs to `channel` (its reservations, say) exists for this key: a
        key bound to another channel is told it does not."""
        return self.channel is None or self.channel == channel

    def has_expired(self, now: datetime) -> bool:
        """Whether the key has ended by itself: from `expires_at` on, it is nothing."""
        return self.expires_at is not None and self.expires_at <= now

    @property
    def reads_only_published(self) -> bool:
        """A storefront key is embedded in public pages: it reads what its channel publishes
        (`availability`, `availabilityChanged`) and nothing else."""
        return self.role is Role.STOREFRONT

    def require_view(self, channel: str) -> None:
        """Reading what a channel shows: admins, and keys of any role bound to that channel."""
        if self.role is Role.ADMIN or self.channel == channel:
            return
        raise Forbidden(f"this {self.role.value} key may not read channel {channel!r}")

    def require_admin(self) -> None:
        if self.role is not Role.ADMIN:
            raise Forbidden(f"a {self.role.value} key may not do that; it needs an admin key")


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: Role
    prefix: str
    channel: str | None = None
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CreateApiKey(Command[tuple[ApiKey, str]]):
    """Answers the new key and its secret, which is shown this once and never stored."""

    name: str
    role: Role
    channel: str | None = None
    expires_at: datetime | None = None
    """When the key stops working by itself; None: only when revoked."""

    def validate(self) -> None:
        checks = Checks()
        checks.text(self.name, "name", MAX_NAME_LENGTH)
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            checks.invalid("expiresAt needs a time zone", "expiresAt")
        if self.channel is not None:
            checks.code(self.channel, "channel")
        if self.role in ROLES_BOUND_TO_A_CHANNEL and self.channel is None:
            checks.add(
                ChannelRequired(f"a {self.role.value} key must be bound to a channel", ("channel",))
            )
        if self.role is Role.ADMIN and self.channel is not None:
            checks.add(InvalidValue("an admin key is not bound to a channel", ("channel",)))
        checks.raise_if_any()

    def check_expiry(self, now: datetime) -> None:
        """A key that would be born expired is refused (run with the transaction's clock)."""
        if self.expires_at is not None and self.expires_at <= now:
            raise InvalidValue("expiresAt must be in the future", ("expiresAt",))


@dataclass(frozen=True, slots=True)
class RevokeApiKey(Command[ApiKey]):
    """The key stops working: at once on this worker, within the key cache's lifetime on
    the others."""

    key_id: str

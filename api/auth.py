"""API keys: minted once, stored hashed, checked on every request and connection."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.clock import Clock, utc_now
from api.database.engine import Database
from api.database.rows import aware
from api.database.tables import api_keys
from domain.access import ApiKey, CreateApiKey, Principal, RevokeApiKey, Role
from domain.errors import ApiKeyNotFound

ENV_ADMIN_NAME = "admin-token"
KEY_CACHE_SECONDS = 5.0
"""How long a worker trusts a key it looked up: another worker's revocation takes effect
within this long (this worker's own, at once). Expiry is checked on every request, cached
or not, so the cache never extends a key's life."""
KEY_CACHE_SIZE = 10_000
KEY_PREFIX_LENGTH = 10
"""The characters of a minted key kept in clear (`ApiKey.prefix`): what listings and logs show."""


def key_prefix(secret: str) -> str:
    return secret[:KEY_PREFIX_LENGTH]


def hash_key(secret: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 cannot be brute-forced back.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApiKeyService:
    def __init__(self, database: Database, admin_token: str | None, clock: Clock = utc_now) -> None:
        self._database = database
        self._admin_token = admin_token
        self._clock = clock
        # Every request authenticates: known keys are kept briefly instead of read each time.
        self._known: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def authenticate(self, secret: str | None) -> Principal | None:
        """The key's principal; None for an unknown, revoked or expired key."""
        if not secret or len(secret) > 200:
            return None
        if self._admin_token and hmac.compare_digest(secret, self._admin_token):
            return Principal(ENV_ADMIN_NAME, Role.ADMIN)
        digest = hash_key(secret)
        known = self._known.get(digest)
        if known is not None and known[1] > time.monotonic():
            return self._unless_expired(digest, known[0])
        principal = await self._look_up(digest)
        if principal is None:
            self._known.pop(digest, None)
            return None
        if self._unless_expired(digest, principal) is None:
            return None
        self._known[digest] = (principal, time.monotonic() + KEY_CACHE_SECONDS)
        self._known.move_to_end(digest)
        while len(self._known) > KEY_CACHE_SIZE:
            self._known.popitem(last=False)
        return principal

    def _unless_expired(self, digest: str, principal: Principal) -> Principal | None:
        if principal.has_expired(self._clock()):
            self._known.pop(digest, None)
            return None
        return principal

    async def _look_up(self, digest: str) -> Principal | None:
        async with self._database.read() as conn:
            row = (
                await conn.execute(
                    select(api_keys).where(
                        api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None)
                    )
                )
            ).first()
        if row is None:
            return None
        expires_at = aware(row.expires_at) if row.expires_at else None
        return Principal(row.name, Role(row.role), row.channel, row.id, expires_at)

    def forget(self, command: RevokeApiKey, _: ApiKey) -> None:
        """The `on_commit` of revokeApiKey: this worker stops trusting the key at once."""
        self.forget_key(command.key_id)

    def forget_key(self, key_id: str) -> None:
        """Stops trusting a key now (the hub calls it when another worker revoked it)."""
        for digest, (known, _expires) in list(self._known.items()):
            if known.key_id == key_id:
                del self._known[digest]

    async def revoked_among(self, key_ids: Collection[str]) -> set[str]:
        """Which of these keys are revoked (the hub asks after a bus outage, in which
        revocations may have gone unheard)."""
        async with self._database.read() as conn:
            rows = await conn.execute(
                select(api_keys.c.id).where(
                    api_keys.c.id.in_(list(key_ids)), api_keys.c.revoked_at.is_not(None)
                )
            )
            return {row.id for row in rows}

    async def list(self, principal: Principal) -> list[ApiKey]:
        principal.require_admin()
        async with self._database.read() as conn:
            rows = await conn.execute(select(api_keys).order_by(api_keys.c.created_at))
            return [_key_from(row) for row in rows]


async def mint_key(
    conn: AsyncConnection, command: CreateApiKey, now: datetime
) -> tuple[ApiKey, str]:
    secret = f"sp_{command.role.value[0]}_{secrets.token_urlsafe(32)}"
    return await store_key(conn, secrets.token_hex(8), secret, command, now), secret


async def store_key(
    conn: AsyncConnection, key_id: str, secret: str, command: CreateApiKey, now: datetime
) -> ApiKey:
    """Writes the key with its secret's hash only (the secret itself is never stored)."""
    await conn.execute(
        insert(api_keys).values(
            id=key_id,
            name=command.name,
            role=command.role.value,
            channel=command.channel,
            prefix=key_prefix(secret),
            key_hash=hash_key(secret),
            created_at=now,
            expires_at=command.expires_at,
        )
    )
    return await _get(conn, key_id)


async def revoke_key(conn: AsyncConnection, key_id: str, now: datetime) -> ApiKey:
    await conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return await _get(conn, key_id)


async def _get(conn: AsyncConnection, key_id: str) -> ApiKey:
    row = (await conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
    if row is None:
        raise ApiKeyNotFound(key_id)
    return _key_from(row)


def _key_from(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        channel=row.channel,
        created_at=aware(row.created_at),
        revoked_at=aware(row.revoked_at) if row.revoked_at else None,
        expires_at=aware(row.expires_at) if row.expires_at else None,
    )

"""The demo store's storefront key: one for the database, found again by every worker and
every restart instead of a new key minted each time.

Keys are stored hashed, so a server cannot read a key's secret back. This one key does not
need that protection: it is public by design (the demo store page hands it to every
visitor, and a storefront key reads only what its channel publishes), so its secret is
derived from its row's id (`demo_secret`). Whoever can read the table can work it out, as
whoever can open the page can. Only keys whose stored hash matches that derivation count as
the demo key, so no other key's secret is ever derivable. Revoking it (`revokeApiKey`) mints
a fresh one on the next visit."""

from __future__ import annotations

import hashlib
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime

from sqlalchemy import or_, select

from api.auth import hash_key, store_key
from api.database.tables import api_keys
from api.services.container import Services
from domain.access import CreateApiKey, Principal, RevokeApiKey, Role

DEMO_CHANNEL = "web"
DEMO_KEY_NAME = "demo-store"
DEMO_KEY = CreateApiKey(DEMO_KEY_NAME, Role.STOREFRONT, DEMO_CHANNEL)
DEMO_ADMIN = Principal("demo-store", Role.ADMIN)


def demo_secret(key_id: str) -> str:
    digest = hashlib.sha256(f"stockpool demo-store key {key_id}".encode()).digest()
    return "sp_s_" + urlsafe_b64encode(digest).decode().rstrip("=")


async def demo_store_secret(services: Services, now: datetime) -> str:
    """The live demo key's secret, minting the key when there is none. Two workers that
    both found none mint one each; then both keep the oldest and revoke the rest, along with
    keys earlier versions minted under the same name on every start."""
    found, _ = await _live_demo_keys(services, now)
    if found:
        return demo_secret(found[0])
    async with services.database.transaction() as conn:
        key_id = secrets.token_hex(8)
        await store_key(conn, key_id, demo_secret(key_id), DEMO_KEY, now)
    (oldest, *others), earlier = await _live_demo_keys(services, now)
    for extra in [*others, *earlier]:
        await services.dispatch(RevokeApiKey(extra), DEMO_ADMIN)
    return demo_secret(oldest)


async def _live_demo_keys(services: Services, now: datetime) -> tuple[list[str], list[str]]:
    """Ids of the unrevoked, unexpired keys named as the demo key, oldest first: those
    whose secret is derived (the demo key), and the others."""
    async with services.database.read() as conn:
        rows = await conn.execute(
            select(api_keys.c.id, api_keys.c.key_hash)
            .where(
                api_keys.c.name == DEMO_KEY_NAME,
                api_keys.c.role == Role.STOREFRONT.value,
                api_keys.c.channel == DEMO_CHANNEL,
                api_keys.c.revoked_at.is_(None),
                or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
            )
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        derived: list[str] = []
        other: list[str] = []
        for row in rows:
            is_derived = row.key_hash == hash_key(demo_secret(row.id))
            (derived if is_derived else other).append(row.id)
        return derived, other

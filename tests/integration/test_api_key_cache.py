"""Every request authenticates, so a worker keeps keys it looked up for a few seconds: its
own revocations take effect at once, another worker's within KEY_CACHE_SECONDS."""

from __future__ import annotations

import asyncio

import pytest

from api import auth
from api.auth import ApiKeyService
from domain.access import CreateApiKey, RevokeApiKey, Role
from tests.conftest import ADMIN


async def test_a_key_revoked_here_is_refused_at_once(services):
    key, secret = await services.dispatch(CreateApiKey("shop", Role.ADMIN), ADMIN)
    assert await services.api_keys.authenticate(secret) is not None
    await services.dispatch(RevokeApiKey(key.id), ADMIN)
    assert await services.api_keys.authenticate(secret) is None


async def test_a_key_revoked_by_another_worker_is_refused_once_the_cache_lapses(
    services, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(auth, "KEY_CACHE_SECONDS", 0.2)
    other_worker = ApiKeyService(services.database, None)
    key, secret = await services.dispatch(CreateApiKey("shop", Role.ADMIN), ADMIN)
    assert (await other_worker.authenticate(secret)).key_id == key.id
    await services.dispatch(RevokeApiKey(key.id), ADMIN)
    assert await other_worker.authenticate(secret) is not None  # still within its cache
    await asyncio.sleep(0.25)
    assert await other_worker.authenticate(secret) is None


async def test_unknown_keys_are_looked_up_every_time_and_never_kept(services):
    assert await services.api_keys.authenticate("sp_a_not-a-key") is None
    key, secret = await services.dispatch(CreateApiKey("shop", Role.ADMIN), ADMIN)
    assert (await services.api_keys.authenticate(secret)).key_id == key.id

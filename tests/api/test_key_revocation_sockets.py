"""Keys that end close their sockets: a revoked key's open WebSockets are closed with 4403 by
every worker (the revocation goes on the bus), and so are an expired key's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.settings import Settings
from schema.realtime import protocols
from tests import services as external
from tests.api.subscription_client import connected, http, opened
from tests.api.test_subscriptions_api import AVAILABILITY, shop  # noqa: F401 (a fixture)
from tests.conftest import serving
from tests.integration.clock import MovableClock

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id } secret userErrors { code } } }"""
REVOKE_KEY = """mutation($id: ID!) { revokeApiKey(input: {id: $id}) {
  apiKey { revokedAt } userErrors { code } } }"""
RESERVE = """mutation { reserveStock(input: {channel: "web", orderRef: "after-revocation",
  lines: [{sku: "TEE", quantity: 1}]}) { reservation { id } userErrors { code } } }"""
LEVELS = '{ stockLevels(sku: "TEE") { reserved } }'


async def partner_key(gql: Any, **fields: Any) -> tuple[str, str]:
    data = await gql(
        CREATE_KEY, {"input": {"name": "connector", "role": "PARTNER", "channel": "web", **fields}}
    )
    created = data["createApiKey"]
    assert created["userErrors"] == []
    return created["apiKey"]["id"], created["secret"]


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


async def revoke(gql: Any, key_id: str) -> None:
    revoked = (await gql(REVOKE_KEY, {"id": key_id}))["revokeApiKey"]
    assert revoked["userErrors"] == [] and revoked["apiKey"]["revokedAt"] is not None


async def test_revoking_a_key_closes_its_open_sockets_with_4403(live_server, shop):  # noqa: F811
    key_id, secret = await partner_key(shop)
    async with (
        connected(live_server, token=secret) as partner,
        connected(live_server) as admin_socket,
    ):
        await partner.subscribe("live", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
        await partner.results(1)
        await revoke(shop, key_id)
        assert await partner.closed_with() == (protocols.FORBIDDEN, "API key revoked")
        with pytest.raises(ConnectionClosed):
            await partner.subscribe("late", RESERVE)
        # Sockets of other keys stay open.
        await admin_socket.subscribe("q", LEVELS)
        assert (await admin_socket.results(1)) == [{"stockLevels": [{"reserved": 0}]}]
    async with opened(live_server) as again:
        await again.send({"type": "connection_init", "payload": bearer(secret)})
        assert await again.closed_with() == (protocols.FORBIDDEN, "Forbidden")
    assert (await shop(LEVELS))["stockLevels"] == [{"reserved": 0}]


@pytest.mark.redis
async def test_a_revocation_made_on_one_worker_closes_the_sockets_held_by_another(
    database,
    redis_url,
    shop,  # noqa: F811
):
    settings = Settings(
        database_url=database.url,
        admin_token="test-admin-token",
        broadcast_url=redis_url,
        bus_prefix=f"test-revoke-{external.RUN_ID}",
    )
    async with serving(create_app(settings)) as one, serving(create_app(settings)) as other:
        async with http(one) as gql:
            key_id, secret = await partner_key(gql)
            async with connected(other, token=secret) as partner:
                await partner.subscribe("live", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
                await partner.results(1)
                await revoke(gql, key_id)
                assert await partner.closed_with() == (protocols.FORBIDDEN, "API key revoked")
        async with opened(other) as again:
            await again.send({"type": "connection_init", "payload": bearer(secret)})
            assert await again.closed_with() == (protocols.FORBIDDEN, "Forbidden")


async def test_a_key_that_expires_closes_its_open_sockets_with_4403(app_settings):
    clock = MovableClock()
    async with serving(create_app(app_settings, clock)) as server, http(server) as gql:
        await gql(
            'mutation { createChannel(input: {code: "web", name: "web", kind: WEBSTORE})'
            " { userErrors { code } } }"
        )
        expires_at = clock.now + timedelta(minutes=10)
        _, secret = await partner_key(gql, expiresAt=expires_at.isoformat())
        async with connected(server, token=secret) as partner:
            await partner.silent(0.2)
            clock.advance(9 * 60)
            await partner.silent(1.2)  # the watchdog looked at least once: still valid
            clock.advance(60)
            assert await partner.closed_with(within=3) == (protocols.FORBIDDEN, "API key expired")

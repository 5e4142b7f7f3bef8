"""Rate limits by cost: partner keys per key, storefront keys per client address, HTTP 429
with Retry-After and THROTTLED when the bucket cannot pay, on HTTP and on WebSocket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests import services as external
from tests.api.subscription_client import connected, http
from tests.conftest import ADMIN_TOKEN, GraphQLClient
from tests.integration.clock import MovableClock

TEN_POINTS = "{ " + " ".join(f"v{i}: viewer {{ name }}" for i in range(10)) + " }"
ONE_POINT = '{ availability(channel: "web", skus: ["A"]) { sku published } }'
CHANNEL = 'mutation { createChannel(input: {code: "web", name: "web", kind: WEBSTORE}) { userErrors { code } } }'
KEY = """mutation($role: Role!) { createApiKey(input: {name: "k", role: $role, channel: "web"}) {
  secret userErrors { code } } }"""

Clients = Callable[..., GraphQLClient]


async def mint(admin: GraphQLClient, role: str) -> str:
    await admin(CHANNEL)
    created = (await admin(KEY, {"role": role}))["createApiKey"]
    assert created["userErrors"] == []
    secret: str = created["secret"]
    return secret


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def clients(database: Any, clock: MovableClock) -> AsyncIterator[Clients]:
    """GraphQL clients of one app whose clock the test moves, each from its own address."""
    settings = Settings(
        database_url=database.url,
        admin_token=ADMIN_TOKEN,
        bus_prefix=f"test-{external.RUN_ID}",
        rate_limit_partner=(50, 10),
        rate_limit_storefront=(3, 1),
        trusted_proxies=("10.0.0.1",),
    )
    app = create_app(settings, clock)
    opened: list[httpx.AsyncClient] = []

    def client(
        token: str = ADMIN_TOKEN, address: str = "192.0.2.1", **headers: str
    ) -> GraphQLClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        session = httpx.AsyncClient(transport=transport, base_url="http://x", headers=headers)
        opened.append(session)
        return GraphQLClient(session, token)

    async with app.router.lifespan_context(app):
        yield client
        for session in opened:
            await session.aclose()


async def test_a_partner_key_that_spends_its_bucket_gets_429_until_it_refills(clients, clock):
    partner = clients(await mint(clients(), "PARTNER"))
    for spent in range(1, 6):
        body = (await partner.post(TEN_POINTS)).json()
        assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 50 - 10 * spent
    refused = await partner.post(TEN_POINTS)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"  # 10 points at 10 a second
    body = refused.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["THROTTLED"]
    assert body["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 50,
        "currentlyAvailable": 0,
        "restoreRate": 10,
    }
    clock.advance(1)
    assert (await partner.post(TEN_POINTS)).status_code == 200


async def test_a_throttled_request_is_a_429_in_either_media_type(clients):
    secret = await mint(clients(), "PARTNER")
    for _ in range(5):
        await clients(secret).post(TEN_POINTS)
    modern = clients(secret, accept="application/graphql-response+json")
    refused = await modern.post(TEN_POINTS)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


async def test_the_cost_is_settled_with_what_was_really_returned(clients):
    partner = clients(await mint(clients(), "PARTNER"))
    cost = (await partner.post("{ channels { code } }")).json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 20  # channels are counted as 20 before running
    assert cost["actualQueryCost"] == 1  # one channel came back
    assert cost["throttleStatus"]["currentlyAvailable"] == 49


async def test_a_storefront_key_has_a_bucket_per_client_address(clients):
    secret = await mint(clients(), "STOREFRONT")
    shopper = clients(secret, "198.51.100.7")
    for _ in range(3):
        assert (await shopper.post(ONE_POINT)).status_code == 200
    assert (await shopper.post(ONE_POINT)).status_code == 429
    another = clients(secret, "198.51.100.8")
    assert (await another.post(ONE_POINT)).status_code == 200


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(clients):
    secret = await mint(clients(), "STOREFRONT")
    for _ in range(3):
        await clients(secret, "198.51.100.7").post(ONE_POINT)
    # The throttled shopper claims to be someone else: its own peer address still pays.
    lying = clients(secret, "198.51.100.7", **{"x-forwarded-for": "203.0.113.50"})
    assert (await lying.post(ONE_POINT)).status_code == 429
    # Behind the trusted proxy, the address it forwards is the client.
    proxied = clients(secret, "10.0.0.1", **{"x-forwarded-for": "198.51.100.7"})
    assert (await proxied.post(ONE_POINT)).status_code == 429
    other = clients(secret, "10.0.0.1", **{"x-forwarded-for": "203.0.113.50"})
    assert (await other.post(ONE_POINT)).status_code == 200


async def test_the_operators_environment_token_is_priced_but_never_throttled(clients):
    admin = clients()
    for _ in range(6):
        response = await admin.post(TEN_POINTS)
        assert response.status_code == 200
        assert response.json()["extensions"]["cost"]["throttleStatus"] is None


# ---- WebSocket: the live server runs with these settings -------------------------------------

SUBSCRIBE_20 = """subscription($skus: [String!]) {
  availabilityChanged(channel: "web", skus: $skus) { sku published } }"""


@pytest.fixture
async def app_settings(database: Any) -> Settings:
    return Settings(
        database_url=database.url,
        admin_token=ADMIN_TOKEN,
        bus_prefix=f"test-{external.RUN_ID}",
        rate_limit_partner=(30, 1),
    )


async def test_a_websocket_subscription_is_charged_and_a_throttled_one_refused(live_server):
    async with http(live_server) as admin:
        secret = await mint(admin, "PARTNER")
    skus = {"skus": [f"SKU-{i}" for i in range(20)]}
    async with connected(live_server, token=secret) as socket:
        await socket.subscribe("1", SUBSCRIBE_20, skus)
        await socket.subscribe("2", SUBSCRIBE_20, skus)
        refused = await socket.receive()
        while refused.get("id") != "2":
            refused = await socket.receive()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "THROTTLED"
        # The connection stays open; a query is answered with its cost.
        await socket.subscribe("3", "{ viewer { name } }")
        answer = await socket.receive()
        while answer.get("id") != "3":
            answer = await socket.receive()
        cost = answer["payload"]["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 1
        assert 30 - 20 - 1 <= cost["throttleStatus"]["currentlyAvailable"] <= 30 - 20 - 1 + 3


async def test_a_websocket_operation_over_the_cost_limit_is_refused(live_server):
    async with http(live_server) as admin:
        secret = await mint(admin, "PARTNER")
    async with connected(live_server, token=secret) as socket:
        await socket.subscribe("1", "{ ledgerCheck { ok } }")
        refused = await socket.receive()
        assert refused["type"] == "error" and refused["id"] == "1"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"

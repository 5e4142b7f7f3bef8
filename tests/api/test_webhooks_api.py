"""Outbound webhooks over HTTP, against a real receiver on loopback: signed to the Standard
Webhooks spec, retried with the same webhook-id, coalesced, never sent for a rolled-back
change, and refused for private targets."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests.api.stock_operations import RECEIVE
from tests.api.webhook_helpers import CREATE, RESERVE, deliveries, eventually, shop, subscribe
from tests.conftest import GraphQLClient
from tests.webhook_receiver import receiving


@pytest.fixture
async def app_settings(app_settings: Settings) -> Settings:
    return replace(
        app_settings,
        webhook_allow_private=True,
        webhook_retry_seconds=(0.05, 0.05, 0.05),
    )


@pytest.fixture
async def receiver():
    async with receiving() as receiver:
        yield receiver


def spec_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    """The Standard Webhooks algorithm, written out from the spec."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def test_a_change_is_posted_signed_with_the_secret_shown_once(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["STOCK_LEVEL_CHANGED"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})
    await receiver.wait_for(lambda: receiver.received)
    [request] = receiver.received
    assert request.headers["webhook-signature"] == spec_signature(
        secret, request.headers, request.body
    )
    assert request.headers["webhook-id"].startswith("msg_")
    assert int(request.headers["webhook-timestamp"]) > 0
    assert request.json["type"] == "stock_level.changed"
    data = request.json["data"]
    assert (data["sku"], data["location"], data["onHand"], data["available"]) == (
        "TEE",
        "WH",
        503,
        503,
    )
    assert set(data) >= {"version", "inTransit", "onOrder", "reserved", "committed", "updatedAt"}
    listed = await gql("{ webhookEndpoints { id url events secret: url } }")
    assert "whsec_" not in str(listed)


async def test_a_receiver_failing_twice_gets_the_same_message_a_third_time(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["STOCK_LEVEL_CHANGED"])
    receiver.answers = [500, 502]
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    await receiver.wait_for(lambda: len(receiver.received) == 3)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    endpoint = created["endpoint"]["id"]
    # The outcome is recorded just after the answer.
    [delivery] = await eventually(lambda: deliveries(gql, endpoint, "DELIVERED"), bool)
    assert (delivery["attempts"], delivery["lastStatusCode"]) == (3, 200)
    assert delivery["messageId"] == receiver.received[0].headers["webhook-id"]


async def test_a_rolled_back_mutation_sends_nothing(gql, receiver):
    await shop(gql, units=2)
    await subscribe(
        gql, receiver.url, ["STOCK_LEVEL_CHANGED", "RESERVATION_CHANGED", "AVAILABILITY_CHANGED"]
    )
    refused = await gql(RESERVE, {"order": "too-many", "quantity": 5})
    assert refused["reserveStock"]["userErrors"] == [{"code": "INSUFFICIENT_STOCK"}]
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    await receiver.wait_for(lambda: receiver.of_type("stock_level.changed"))
    # Only the receipt was sent: the refused hold's transaction wrote no delivery.
    assert [
        r.json["type"] for r in receiver.received if r.json["type"] != "availability.changed"
    ] == ["stock_level.changed"]
    assert receiver.of_type("reservation.changed") == []


async def test_five_changes_while_the_receiver_is_down_arrive_as_the_newest(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["AVAILABILITY_CHANGED"], channel="web")
    receiver.down = True
    for quantity in range(1, 6):
        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": quantity}})
    newest = 500 + 1 + 2 + 3 + 4 + 5
    receiver.down = False

    def published() -> list[int]:
        return [r.json["data"]["published"] for r in receiver.received]

    await receiver.wait_for(lambda: newest in published())
    sent = [r.json["data"] for r in receiver.received]
    assert all(d["channel"] == "web" and d["sku"] == "TEE" for d in sent)
    # Once the newest state was sent, nothing older ever followed it.
    after_newest = sent[published().index(newest) :]
    assert {d["published"] for d in after_newest} == {newest}
    endpoint = created["endpoint"]["id"]
    states = await eventually(
        lambda: deliveries(gql, endpoint),
        lambda found: all(d["status"] != "PENDING" for d in found),
    )
    delivered = [d for d in states if d["status"] == "DELIVERED"]
    assert max(d["version"] for d in delivered) == max(d["version"] for d in states)
    assert {d["status"] for d in states} == {"DELIVERED", "SUPERSEDED"}


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "https://127.0.0.1/in",
        "https://localhost/in",
        "https://10.1.2.3/in",
        "https://192.168.0.5/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://[::ffff:127.0.0.1]/in",
        "ftp://example.com/in",
    ],
)
async def test_private_and_plain_http_targets_are_refused(app_settings, url):
    app = create_app(replace(app_settings, webhook_allow_private=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            client = GraphQLClient(http)
            data = await client(CREATE, {"input": {"url": url, "events": ["ALERT_RAISED"]}})
    payload = data["createWebhookEndpoint"]
    assert payload["endpoint"] is None
    assert payload["userErrors"][0]["code"] == "WEBHOOK_URL_NOT_ALLOWED"
    assert payload["userErrors"][0]["field"] == ["input", "url"]

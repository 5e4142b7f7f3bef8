"""Who may manage webhook endpoints, what a channel-bound endpoint receives, and the
endpoint and delivery operations' refusals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.settings import Settings
from tests.api.stock_operations import RECEIVE
from tests.api.webhook_helpers import (
    CREATE,
    ENDPOINT,
    RESERVE,
    deliveries,
    eventually,
    shop,
    subscribe,
)
from tests.webhook_receiver import receiving

CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret userErrors { code } } }"""
UPDATE = f"""mutation($input: UpdateWebhookEndpointInput!) {{ updateWebhookEndpoint(input: $input) {{
  {ENDPOINT} userErrors {{ field code }} }} }}"""
DELETE = f"""mutation($input: WebhookEndpointInput!) {{ deleteWebhookEndpoint(input: $input) {{
  {ENDPOINT} userErrors {{ field code }} }} }}"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) {
  delivery { id status attempts } userErrors { field code } } }"""
LIST = "{ webhookEndpoints { id channel events } }"


@pytest.fixture
async def app_settings(app_settings: Settings) -> Settings:
    return replace(app_settings, webhook_allow_private=True, webhook_retry_seconds=(0.05,))


@pytest.fixture
async def receiver():
    async with receiving() as receiver:
        yield receiver


async def key(gql, role: str, channel: str):
    data = await gql(CREATE_KEY, {"input": {"name": role, "role": role, "channel": channel}})
    return gql.as_key(data["createApiKey"]["secret"])


def codes(payload):
    return [(tuple(e["field"] or ()), e["code"]) for e in payload["userErrors"]]


async def test_a_partner_subscribes_its_own_channel_to_what_it_may_read(gql, receiver):
    await shop(gql)
    partner = await key(gql, "PARTNER", "web")
    own = await partner(
        CREATE,
        {"input": {"url": receiver.url, "events": ["AVAILABILITY_CHANGED", "RESERVATION_CHANGED"]}},
    )
    assert own["createWebhookEndpoint"]["endpoint"]["channel"] == "web"
    other = await partner(
        CREATE,
        {"input": {"url": receiver.url, "events": ["AVAILABILITY_CHANGED"], "channel": "pos"}},
    )
    stock = await partner(
        CREATE, {"input": {"url": receiver.url, "events": ["STOCK_LEVEL_CHANGED"]}}
    )
    assert codes(other["createWebhookEndpoint"]) == [((), "FORBIDDEN")]
    assert codes(stock["createWebhookEndpoint"]) == [((), "FORBIDDEN")]
    storefront = await key(gql, "STOREFRONT", "web")
    refused = await storefront.post(LIST)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    made = await storefront(CREATE, {"input": {"url": receiver.url, "events": ["ALERT_RAISED"]}})
    assert codes(made["createWebhookEndpoint"]) == [((), "FORBIDDEN")]
    admins = await subscribe(gql, receiver.url, ["ALERT_RAISED"])
    assert [e["channel"] for e in (await partner(LIST))["webhookEndpoints"]] == ["web"]
    assert len((await gql(LIST))["webhookEndpoints"]) == 2
    hidden = await partner(DELETE, {"input": {"id": admins["endpoint"]["id"]}})
    assert codes(hidden["deleteWebhookEndpoint"]) == [
        (("input", "id"), "WEBHOOK_ENDPOINT_NOT_FOUND")
    ]


async def test_a_channel_bound_endpoint_receives_only_its_channels_changes(gql, receiver):
    await shop(gql)
    await subscribe(gql, receiver.url, ["AVAILABILITY_CHANGED", "RESERVATION_CHANGED"], "pos")
    await gql(RESERVE, {"order": "web-1", "quantity": 2})
    await gql(
        """mutation { reserveStock(input: {channel: "pos", orderRef: "pos-1",
           lines: [{sku: "TEE", quantity: 1}]}) { userErrors { code } } }"""
    )
    await receiver.wait_for(lambda: receiver.of_type("reservation.changed"))
    # Both holds moved what pos shows (one pool): it gets their newest state, maybe only it.
    await receiver.wait_for(
        lambda: (
            497 in [r.json["data"]["published"] for r in receiver.of_type("availability.changed")]
        )
    )
    [held] = receiver.of_type("reservation.changed")
    assert (held.json["data"]["orderRef"], held.json["data"]["status"]) == ("pos-1", "HELD")
    assert held.json["data"]["lines"][0]["sku"] == "TEE"
    assert {r.json["data"]["channel"] for r in receiver.received} == {"pos"}


async def test_endpoints_are_updated_disabled_and_deleted(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["STOCK_LEVEL_CHANGED"])
    endpoint = created["endpoint"]["id"]
    off = await gql(
        UPDATE,
        {
            "input": {
                "id": endpoint,
                "enabled": False,
                "events": ["ALERT_RAISED", "STOCK_LEVEL_CHANGED"],
            }
        },
    )
    assert off["updateWebhookEndpoint"]["endpoint"]["enabled"] is False
    assert off["updateWebhookEndpoint"]["endpoint"]["events"] == [
        "STOCK_LEVEL_CHANGED",
        "ALERT_RAISED",
    ]
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    assert await deliveries(gql, endpoint) == []
    on = await gql(UPDATE, {"input": {"id": endpoint, "enabled": True}})
    assert on["updateWebhookEndpoint"]["endpoint"]["disabledAt"] is None
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    await receiver.wait_for(lambda: receiver.received)
    gone = await gql(DELETE, {"input": {"id": endpoint}})
    assert gone["deleteWebhookEndpoint"]["endpoint"]["id"] == endpoint
    assert (await gql(LIST))["webhookEndpoints"] == []
    again = await gql(DELETE, {"input": {"id": endpoint}})
    assert codes(again["deleteWebhookEndpoint"]) == [
        (("input", "id"), "WEBHOOK_ENDPOINT_NOT_FOUND")
    ]
    bad = await gql(UPDATE, {"input": {"id": "not-a-number", "url": "https://x.example"}})
    assert codes(bad["updateWebhookEndpoint"]) == [(("input", "id"), "WEBHOOK_ENDPOINT_NOT_FOUND")]


async def test_a_failed_delivery_is_sent_again_on_request(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["STOCK_LEVEL_CHANGED"])
    endpoint = created["endpoint"]["id"]
    receiver.down = True
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    [failed] = await eventually(lambda: deliveries(gql, endpoint, "FAILED"), bool)
    assert failed["attempts"] == 2 and failed["lastStatusCode"] == 503
    receiver.down = False
    sent = await gql(REDELIVER, {"input": {"id": failed["id"]}})
    assert sent["redeliverWebhook"]["delivery"]["status"] == "PENDING"
    [done] = await eventually(lambda: deliveries(gql, endpoint, "DELIVERED"), bool)
    assert done["id"] == failed["id"] and done["attempts"] == 3
    assert {r.headers["webhook-id"] for r in receiver.received} == {failed["messageId"]}
    unknown = await gql(REDELIVER, {"input": {"id": "999999"}})
    assert codes(unknown["redeliverWebhook"]) == [(("input", "id"), "WEBHOOK_DELIVERY_NOT_FOUND")]
    missing = await gql.post(
        'query { webhookDeliveries(endpoint: "424242") { edges { node { id } } } }'
    )
    assert missing.json()["errors"][0]["extensions"]["code"] == "WEBHOOK_ENDPOINT_NOT_FOUND"
    no_events = await gql(CREATE, {"input": {"url": receiver.url, "events": []}})
    assert codes(no_events["createWebhookEndpoint"]) == [(("input", "events"), "INVALID_VALUE")]


async def test_redelivering_an_older_state_than_one_sent_supersedes_it(gql, receiver):
    await shop(gql)
    created = await subscribe(gql, receiver.url, ["AVAILABILITY_CHANGED"], "web")
    endpoint = created["endpoint"]["id"]
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    await eventually(lambda: deliveries(gql, endpoint, "DELIVERED"), lambda found: len(found) == 1)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    newer, older = await eventually(
        lambda: deliveries(gql, endpoint, "DELIVERED"), lambda found: len(found) == 2
    )
    assert newer["version"] > older["version"]
    stale = await gql(REDELIVER, {"input": {"id": older["id"]}})
    assert stale["redeliverWebhook"]["delivery"]["status"] == "SUPERSEDED"
    fresh = await gql(REDELIVER, {"input": {"id": newer["id"]}})
    assert fresh["redeliverWebhook"]["delivery"]["status"] == "PENDING"
    await receiver.wait_for(lambda: len(receiver.received) == 3)
    assert [r.json["data"]["version"] for r in receiver.received] == [
        older["version"],
        newer["version"],
        newer["version"],
    ]

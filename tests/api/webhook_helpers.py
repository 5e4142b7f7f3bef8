"""GraphQL documents and set-up the webhook tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tests.api.stock_operations import RECEIVE, seed

T = TypeVar("T")

ENDPOINT = "endpoint { id url events channel enabled disabledAt previousSecretUntil }"
CREATE = f"""mutation($input: CreateWebhookEndpointInput!) {{ createWebhookEndpoint(input: $input) {{
  {ENDPOINT} secret userErrors {{ field message code }} }} }}"""
DELIVERIES = """query($endpoint: ID!, $status: WebhookDeliveryStatus, $first: Int) {
  webhookDeliveries(endpoint: $endpoint, status: $status, first: $first) {
    edges { node { id messageId event status version attempts lastStatusCode lastError } }
    pageInfo { hasNextPage } } }"""
RESERVE = """mutation($order: String!, $quantity: Int!) { reserveStock(input: {channel: "web",
  orderRef: $order, lines: [{sku: "TEE", quantity: $quantity}]}) {
  reservation { id status } userErrors { code } } }"""


async def shop(gql: Any, units: int = 500) -> None:
    """Locations WH, SKU TEE with `units` at WH, channels web and pos listing it."""
    await seed(gql, skus=("TEE",), locations=("WH",))
    for code in ("web", "pos"):
        await gql(
            f'mutation {{ createChannel(input: {{code: "{code}", name: "{code}", kind: WEBSTORE}}) '
            "{ userErrors { code } } }"
        )
        await gql(
            "mutation($input: SetChannelLocationsInput!) { setChannelLocations(input: $input) "
            "{ userErrors { code } } }",
            {"input": {"channel": code, "locations": ["WH"]}},
        )
        await gql(
            "mutation($input: UpsertListingInput!) { upsertListing(input: $input) "
            "{ userErrors { code } } }",
            {"input": {"channel": code, "sku": "TEE", "externalSku": f"{code}-TEE"}},
        )
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": units}})


async def subscribe(
    gql: Any, url: str, events: list[str], channel: str | None = None
) -> dict[str, Any]:
    data = await gql(CREATE, {"input": {"url": url, "events": events, "channel": channel}})
    created: dict[str, Any] = data["createWebhookEndpoint"]
    assert created["userErrors"] == [], created
    return created


async def deliveries(gql: Any, endpoint: str, status: str | None = None) -> list[dict[str, Any]]:
    data = await gql(DELIVERIES, {"endpoint": endpoint, "status": status, "first": 100})
    return [edge["node"] for edge in data["webhookDeliveries"]["edges"]]


async def eventually(
    read: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 15.0
) -> T:
    """Reads until `done(value)`; fails the test if that takes more than `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            value = await read()
            if done(value):
                return value
            await asyncio.sleep(0.02)

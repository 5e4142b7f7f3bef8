"""/metrics after known traffic, scraped and parsed as Prometheus would: requests by operation
and outcome (never the client's own operation name), holds by outcome, oversold units, the
group-commit batch sizes, the delays of the bus, sockets and subscriptions by role, and what
the database holds (active alerts, the webhook outbox). Two workers adding up:
tests/e2e/test_metrics_two_workers.py."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from schema import request_metrics
from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import connected, http
from tests.api.test_listings_api import listed
from tests.api.test_reservations_api import RESERVE, channel, lines
from tests.conftest import GraphQLClient

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SALE = """mutation($input: RecordChannelSaleInput!) { recordChannelSale(input: $input) {
  reservation { lines { sku committed oversold } } userErrors { code } } }"""
AVAILABILITY = """subscription($channel: String!) {
  availabilityChanged(channel: $channel) { sku published version } }"""
STOREFRONT_KEY = """mutation { createApiKey(input: {name: "shop", role: STOREFRONT, channel: "web"}) {
  secret userErrors { code } } }"""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
async def app(app_settings):
    app = create_app(app_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def gql(app) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as client:
        yield GraphQLClient(client)


@pytest.fixture
async def shop(gql):
    await seed(gql)
    await channel(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
    return gql


def hold(quantity: int, order: str) -> dict[str, Any]:
    return {"input": {"channel": "web", "orderRef": order, "lines": lines(("TEE", quantity))}}


async def test_holds_refusals_and_oversold_units_are_counted_once_each(shop, app):
    before = await scrape(shop.http)
    held = await shop(RESERVE, hold(2, "o-1"))
    assert held["reserveStock"]["userErrors"] == []
    refused = await shop(RESERVE, hold(10, "o-2"))
    assert [e["code"] for e in refused["reserveStock"]["userErrors"]] == ["INSUFFICIENT_STOCK"]
    sale = {"input": {"channel": "web", "orderRef": "m-1", "lines": lines(("TEE", 5))}}
    sold = await shop(SALE, sale)
    assert [line["oversold"] for line in sold["recordChannelSale"]["reservation"]["lines"]] == [2]
    await shop(SALE, sale)  # a connector's retry: a replay, nothing sold again
    await app.state.services.bus.flush()
    after = await scrape(shop.http)

    assert grew(before, after, "stockpool_reservations_total", outcome="held") == 1
    assert grew(before, after, "stockpool_reservations_total", outcome="INSUFFICIENT_STOCK") == 1
    assert grew(before, after, "stockpool_units_oversold_total", channel="web") == 2
    assert grew(before, after, "stockpool_group_commit_batch_size_count") == 2
    assert grew(before, after, "stockpool_group_commit_batch_size_sum") == 2
    assert grew(before, after, "stockpool_commit_to_publish_seconds_count") >= 2
    requests = "stockpool_requests_total"
    assert grew(before, after, requests, operation="reserveStock", outcome="ok") == 1
    assert grew(before, after, requests, operation="reserveStock", outcome="user_error") == 1
    assert grew(before, after, requests, operation="recordChannelSale", outcome="ok") == 2
    durations = "stockpool_request_duration_seconds_count"
    assert grew(before, after, durations, operation="reserveStock") == 2
    assert value(after, "stockpool_alerts_active", type="OVERSELL", status="OPEN") == 1
    assert value(after, "stockpool_alerts_active", type="LOW_STOCK", status="ACKNOWLEDGED") == 0
    assert value(after, "stockpool_webhook_outbox_pending") == 0
    assert value(after, "stockpool_bus_up") == 1


@SQLITE
async def test_operations_are_labelled_by_root_fields_never_by_the_clients_name(gql, monkeypatch):
    # The worker's labels start empty, as in a new worker: tests run before this one in the
    # same process (tests/hostile sends hundreds of combinations) may have used up the cap.
    monkeypatch.setattr(request_metrics, "LABELS", request_metrics.OperationLabels())
    before = await scrape(gql.http)
    named = await gql.http.post(
        "/graphql",
        json={
            "query": "query MyCheckout123 { channels { code } }",
            "operationName": "MyCheckout123",
        },
        headers={"authorization": f"Bearer {gql.token}"},
    )
    assert named.status_code == 200
    await gql("{ locations { code } channels { code } }")
    assert (await gql.post("{ noSuchField }")).status_code == 200
    assert (await gql.post("{ channels { ")).status_code == 200
    refused = await gql.post('{ availability(channel: "nope", skus: ["TEE"]) { sku } }')
    assert refused.json()["errors"][0]["path"] == ["availability"]  # a field refused
    assert (await gql.as_key("wrong").post("{ channels { code } }")).status_code == 401
    assert (await gql.as_key(None).post("{ channels { code } }")).status_code == 401
    after = await scrape(gql.http)

    def requests(operation: str, outcome: str) -> float:
        return grew(before, after, "stockpool_requests_total", operation=operation, outcome=outcome)

    assert requests("channels", "ok") == 1
    assert requests("channels+locations", "ok") == 1
    assert requests("invalid", "invalid") == 2
    assert requests("none", "unauthenticated") == 2
    assert requests("availability", "error") == 1
    labels = {dict(key[1]).get("operation") for key in after}
    assert "MyCheckout123" not in labels


@SQLITE
async def test_the_database_pools_and_their_connections_in_use_are_shown(gql):
    samples = await scrape(gql.http)
    assert value(samples, "stockpool_db_connections_max", pool="read") >= 1
    assert value(samples, "stockpool_db_connections_max", pool="write") >= 1
    assert value(samples, "stockpool_db_connections_in_use", pool="write") >= 0


@SQLITE
async def test_a_metrics_token_closes_the_page_to_anyone_without_it(app_settings):
    settings = dataclasses.replace(app_settings, metrics_token="scrape-me")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as client:
            assert (await client.get("/metrics")).status_code == 401
            wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert "stockpool_" not in wrong.text
            samples = await scrape(client, authorization="Bearer scrape-me")
    assert value(samples, "stockpool_bus_up") == 1


@SQLITE
async def test_sockets_and_subscriptions_are_counted_by_role_and_changes_reach_them(live_server):
    async with http(live_server) as gql:
        await seed(gql)
        await channel(gql)
        await listed(gql, "TEE", "W-TEE")
        secret = (await gql(STOREFRONT_KEY))["createApiKey"]["secret"]
        before = await scrape(gql.http)
        async with (
            connected(live_server) as admin,
            connected(live_server, token=secret) as shopper,
        ):
            await shopper.subscribe("1", AVAILABILITY, {"channel": "web"})
            await admin.subscribe("1", AVAILABILITY, {"channel": "web"})
            await admin.subscribe("2", AVAILABILITY, {"channel": "web"})
            await shopper.results(1)  # the snapshots
            await admin.results(2)
            await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})
            await shopper.results(1)  # the change
            await admin.results(2)
            during = await until(
                gql.http,
                lambda s: (
                    grew(
                        before, s, "stockpool_publish_to_socket_seconds_count", topic="availability"
                    )
                    >= 1
                ),
            )
        after = await until(
            gql.http,
            lambda s: (
                value(s, "stockpool_websocket_connections", role="admin")
                == value(before, "stockpool_websocket_connections", role="admin")
            ),
        )

    assert grew(before, during, "stockpool_websocket_connections", role="admin") == 1
    assert grew(before, during, "stockpool_websocket_connections", role="storefront") == 1
    assert grew(before, during, "stockpool_subscriptions", role="admin") == 2
    assert grew(before, during, "stockpool_subscriptions", role="storefront") == 1
    assert grew(before, after, "stockpool_websocket_connections", role="storefront") == 0
    assert grew(before, after, "stockpool_subscriptions", role="admin") == 0
    assert grew(before, after, "stockpool_subscriptions", role="storefront") == 0


async def until(client: httpx.AsyncClient, condition: Any, within: float = 5.0) -> Samples:
    """Scrapes until `condition(samples)` holds (the server reacts on its own time)."""
    for _ in range(int(within / 0.05)):
        samples = await scrape(client)
        if condition(samples):
            return samples
        await asyncio.sleep(0.05)
    pytest.fail(f"still not so after {within} s")

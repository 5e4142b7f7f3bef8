"""Subscriptions over a real uvicorn server and a real WebSocket client: snapshot then changes,
only what a channel shows, nothing for a refused mutation, version order, one execution per
group of subscribers, and every subscription field.

The tests whose outcome depends on the database (snapshots, refusals, concurrent versions)
run on SQLite and PostgreSQL; the rest on SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import (
    LEGACY_WS,
    TRANSPORT_WS,
    connected,
    eventually,
    http,
    hub_of,
)
from tests.api.test_listings_api import SALE, listed, receive
from tests.api.test_reservations_api import RESERVE, channel

AVAILABILITY = """subscription($channel: String!, $skus: [String!]) {
  availabilityChanged(channel: $channel, skus: $skus) { sku published version } }"""
LEVELS = """subscription($skus: [String!], $locations: [String!]) {
  stockLevelChanged(skus: $skus, locations: $locations) { sku location onHand reserved version } }"""
TOTALS = """subscription($skus: [String!]) {
  skuTotalsChanged(skus: $skus) { sku locations version totals { onHand available } } }"""
EVENTS = """subscription($sku: String) {
  stockEvents(sku: $sku) { id sku location type reason delta { onHand } after { onHand } } }"""
ALERTS = "subscription { alertRaised { id type status occurrences channel createdAt } }"
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BOTH_STORES = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

ACKNOWLEDGE = """mutation($id: ID!) { acknowledgeAlert(input: {id: $id}) {
  alert { status } userErrors { code } } }"""


@pytest.fixture
async def shop(live_server):
    """Channel `web` sells from WH and SHOP and keeps 1 unit back; OTHER is a location it
    does not sell from. TEE (5 at WH) and CAP (3 at WH) are listed; MUG is listed with a
    buffer of 100, so it shows 0 whatever happens."""
    async with http(live_server) as gql:
        await seed(gql, skus=("TEE", "CAP", "MUG"), locations=("WH", "SHOP", "OTHER"))
        await channel(gql, "web", ("WH", "SHOP"), safetyUnits=1)
        await channel(gql, "amazon", ("WH",))
        await listed(gql, "TEE", "W-TEE")
        await listed(gql, "CAP", "W-CAP")
        await listed(gql, "MUG", "W-MUG", safetyUnits=100)
        await receive(gql, "TEE", "WH", 5)
        await receive(gql, "CAP", "WH", 3)
        await receive(gql, "MUG", "WH", 5)
        yield gql


def by_sku(results: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    return {result[field]["sku"]: result[field] for result in results}


# ---- availabilityChanged ---------------------------------------------------------------------


@BOTH_STORES
@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_availability_sends_every_listing_first_then_each_change(live_server, shop, protocol):
    async with connected(live_server, protocol) as client:
        await client.subscribe("1", AVAILABILITY, {"channel": "web", "skus": ["TEE", "CAP"]})
        snapshot = by_sku(await client.results(2), "availabilityChanged")
        assert {sku: shown["published"] for sku, shown in snapshot.items()} == {"TEE": 4, "CAP": 2}

        await receive(shop, "TEE", "SHOP", 2)

        [change] = await client.results(1)
        assert change["availabilityChanged"] == {
            "sku": "TEE",
            "published": 6,
            "version": snapshot["TEE"]["version"] + 1,
        }


@SQLITE
async def test_a_change_the_channel_does_not_show_sends_nothing(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("all", AVAILABILITY, {"channel": "web"})
        assert len(await client.results(3)) == 3  # TEE, CAP and MUG

        await receive(shop, "TEE", "OTHER", 10)  # a location web does not sell from
        await receive(shop, "MUG", "WH", 7)  # still within MUG's buffer of 100
        await receive(shop, "CAP", "WH", 1)

        [change] = await client.results(1)
        assert change["availabilityChanged"]["sku"] == "CAP"
        assert await client.silent()


@BOTH_STORES
async def test_a_refused_reservation_publishes_nothing(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("shown", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
        await client.subscribe("levels", LEVELS, {"skus": ["TEE"]})
        await client.subscribe("ledger", EVENTS, {"sku": "TEE"})
        assert len(await client.results(2)) == 2  # the snapshots of TEE's listing and level

        refused = await shop(
            RESERVE,
            {
                "input": {
                    "channel": "web",
                    "orderRef": "o-1",
                    "lines": [{"sku": "TEE", "quantity": 50}],
                }
            },
        )
        assert [e["code"] for e in refused["reserveStock"]["userErrors"]] == ["INSUFFICIENT_STOCK"]
        await receive(shop, "TEE", "WH", 1)

        messages = [await client.receive() for _ in range(3)]
        assert {(m["id"], m["type"]) for m in messages} == {
            ("shown", "next"),
            ("levels", "next"),
            ("ledger", "next"),
        }
        ledger = next(m for m in messages if m["id"] == "ledger")["payload"]["data"]
        assert ledger["stockEvents"]["type"] == "RECEIVED"
        assert await client.silent()


@BOTH_STORES
async def test_each_connection_sees_a_listings_versions_in_order(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
        [first] = await client.results(1)
        start = first["availabilityChanged"]["version"]

        changes = 20
        await asyncio.gather(*(receive(shop, "TEE", "WH", 1) for _ in range(changes)))

        versions = []
        while not versions or versions[-1] < start + changes:
            [result] = await client.results(1)
            versions.append(result["availabilityChanged"]["version"])
        assert versions == sorted(set(versions))
        assert result["availabilityChanged"]["published"] == 4 + changes


@SQLITE
async def test_a_stopped_subscription_sends_no_more(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
        await client.results(1)
        await client.send({"id": "1", "type": "complete"})
        await receive(shop, "TEE", "WH", 1)
        assert await client.silent()
        assert hub_of(live_server).groups == 0


# ---- one execution per group -----------------------------------------------------------------


@SQLITE
async def test_subscribers_of_the_same_operation_share_one_execution_and_its_text(
    live_server, shop
):
    hub = hub_of(live_server)
    variables = {"channel": "web", "skus": ["TEE"]}
    async with (
        connected(live_server) as first,
        connected(live_server) as second,
        connected(live_server, LEGACY_WS) as third,
        connected(live_server) as other,
    ):
        for client in (first, second, third):
            await client.subscribe("a", AVAILABILITY, variables)
            await client.results(1)
        await other.subscribe("b", AVAILABILITY, {"channel": "web", "skus": ["TEE", "CAP"]})
        await other.results(2)
        assert hub.groups == 2
        renders = hub.renders

        await receive(shop, "TEE", "WH", 1)

        texts = [await client.socket.recv() for client in (first, second)]
        legacy = await third.socket.recv()
        await other.results(1)
        assert texts[0] == texts[1]
        assert legacy.replace('"type":"data"', '"type":"next"') == texts[0]
        assert hub.renders - renders == 2  # once per group, not once per subscriber
    await eventually(lambda: hub.groups == 0)


# ---- the other feeds -------------------------------------------------------------------------


@SQLITE
async def test_stock_levels_snapshot_then_every_change(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", LEVELS, {"locations": ["WH"], "skus": ["TEE", "CAP"]})
        snapshot = by_sku(await client.results(2), "stockLevelChanged")
        assert snapshot["TEE"]["onHand"] == 5

        await receive(shop, "TEE", "SHOP", 4)  # another location: not covered
        await receive(shop, "TEE", "WH", 2)

        [change] = await client.results(1)
        assert change["stockLevelChanged"] == {
            "sku": "TEE",
            "location": "WH",
            "onHand": 7,
            "reserved": 0,
            "version": snapshot["TEE"]["version"] + 1,
        }


@SQLITE
async def test_sku_totals_add_up_every_location(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", TOTALS, {"skus": ["TEE"]})
        [snapshot] = await client.results(1)
        assert snapshot["skuTotalsChanged"]["totals"] == {"onHand": 5, "available": 5}

        await receive(shop, "TEE", "SHOP", 4)
        await receive(shop, "CAP", "WH", 1)  # another SKU

        [change] = await client.results(1)
        assert change["skuTotalsChanged"]["totals"] == {"onHand": 9, "available": 9}
        assert change["skuTotalsChanged"]["locations"] == 2
        assert change["skuTotalsChanged"]["version"] > snapshot["skuTotalsChanged"]["version"]
        assert await client.silent()


@SQLITE
async def test_stock_events_stream_the_ledger_as_it_is_written(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", EVENTS, {"sku": "TEE"})
        assert await client.silent()  # no snapshot: the past is the stockEvents query

        await shop(RECEIVE, {"input": {"sku": "CAP", "location": "WH", "quantity": 1}})
        await shop(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})

        [event] = await client.results(1)
        assert event["stockEvents"] | {"id": None} == {
            "id": None,
            "sku": "TEE",
            "location": "WH",
            "type": "RECEIVED",
            "reason": "RECEIVED",
            "delta": {"onHand": 3},
            "after": {"onHand": 8},
        }


@SQLITE
async def test_alerts_first_the_active_ones_then_each_move(live_server, shop):
    sale = {"channel": "web", "orderRef": "o-1", "externalSku": "NOPE", "quantity": 1}
    await shop(SALE, {"input": sale})  # an UNMAPPED_SKU alert
    async with connected(live_server) as client:
        await client.subscribe("1", ALERTS)
        [active] = await client.results(1)
        alert = active["alertRaised"]
        assert (alert["type"], alert["status"], alert["occurrences"]) == ("UNMAPPED_SKU", "OPEN", 1)

        await shop(SALE, {"input": sale | {"orderRef": "o-2"}})
        await shop(ACKNOWLEDGE, {"id": alert["id"]})

        moves: list[dict[str, Any]] = []
        while not moves or moves[-1]["status"] != "ACKNOWLEDGED":
            [result] = await client.results(1)
            moves.append(result["alertRaised"])
        # Each message is the alert as it is then; a client that is behind may skip a state.
        assert [(m["status"], m["occurrences"]) for m in moves] in (
            [("OPEN", 2), ("ACKNOWLEDGED", 2)],
            [("ACKNOWLEDGED", 2)],
        )
        assert moves[-1]["createdAt"] == alert["createdAt"]
        assert await client.silent()


@SQLITE
async def test_an_oversold_channel_sale_reaches_alert_subscribers(live_server, shop):
    async with connected(live_server) as client:
        await client.subscribe("1", ALERTS)
        assert await client.silent()
        sale = {"channel": "web", "orderRef": "o-9", "sku": "CAP", "quantity": 5}
        await shop(SALE, {"input": sale})  # 3 in stock: 2 oversold
        [raised] = await client.results(1)
        assert (raised["alertRaised"]["type"], raised["alertRaised"]["channel"]) == (
            "OVERSELL",
            "web",
        )

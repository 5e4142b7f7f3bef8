"""availabilityChanged under `stockpool serve --workers 2` on PostgreSQL and Redis, while both
workers commit changes of one channel at once (so their bus messages interleave and overtake
each other): every message of a connection comes in feed order, and a subscriber that drops
its connection halfway and resumes from the cursor of the last message it got ends showing
exactly what the feed says each listing shows: nothing was skipped."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.e2e.test_two_workers_on_postgres import (
    CONNECTIONS,
    GraphQL,
    _empty,
    _graphql,
    _serve,
    _wait_until_ready,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SKUS = ("A", "B", "C", "D", "E")
CHANGES = 300
FOLLOW = """subscription($after: String) { availabilityChanged(channel: "web", after: $after) {
  sku published version cursor } }"""
RECEIVE = """mutation($sku: String!) { receiveStock(input: {sku: $sku, location: "WH", quantity: 1})
  { userErrors { code } } }"""
FEED = """query($after: String) { availabilityFeed(channel: "web", after: $after, first: 250) {
  edges { node { sku published version } } pageInfo { hasNextPage endCursor } } }"""


def _position(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor).decode().rpartition(":")[2])


async def _seed(gql: GraphQL) -> None:
    fields = [
        'createLocation(input: {code: "WH", name: "Warehouse"})',
        'createChannel(input: {code: "web", name: "Web", kind: WEBSTORE})',
        'setChannelLocations(input: {channel: "web", locations: ["WH"]})',
    ]
    for sku in SKUS:
        fields += [
            f'createSku(input: {{code: "{sku}", name: "{sku}"}})',
            f'upsertListing(input: {{channel: "web", sku: "{sku}", externalSku: "w-{sku}"}})',
        ]
    for field in fields:
        data = await gql(f"mutation {{ {field} {{ userErrors {{ code }} }} }}")
        assert next(iter(data.values()))["userErrors"] == [], field


class Follower:
    """One subscriber: what it shows per SKU (newest version wins) and each connection's
    messages."""

    def __init__(self, server: Any, token: str) -> None:
        self.url = f"ws://127.0.0.1:{server.port}/graphql"
        self.token = token
        self.showing: dict[str, tuple[int, int]] = {}
        self.connections: list[list[dict[str, Any]]] = []
        self.cursor: str | None = None

    async def follow(self, stop: asyncio.Event) -> None:
        async with websockets.connect(
            self.url, subprotocols=["graphql-transport-ws"], proxy=None
        ) as socket:
            init = {"authorization": f"Bearer {self.token}"}
            await socket.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            payload = {"query": FOLLOW, "variables": {"after": self.cursor}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            received: list[dict[str, Any]] = []
            self.connections.append(received)
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                assert message["type"] == "next", message
                value = message["payload"]["data"]["availabilityChanged"]
                received.append(value)
                self.cursor = value["cursor"]
                version, _ = self.showing.get(value["sku"], (-1, 0))
                if value["version"] > version:
                    self.showing[value["sku"]] = (value["version"], value["published"])


async def _feed_newest(gql: GraphQL) -> dict[str, tuple[int, int]]:
    newest: dict[str, tuple[int, int]] = {}
    after = None
    while True:
        page = (await gql(FEED, {"after": after}))["availabilityFeed"]
        for edge in page["edges"]:
            node = edge["node"]
            newest[node["sku"]] = (node["version"], node["published"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return newest


async def test_a_subscriber_that_resumes_from_its_last_cursor_misses_nothing(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    await _empty(postgres_url)
    token = secrets.token_urlsafe(24)
    with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
        await _wait_until_ready(server)
        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with _graphql(server, token, limits=limits) as gql:
            await _seed(gql)
            follower = Follower(server, token)
            rng = random.Random(17)
            skus = [rng.choice(SKUS) for _ in range(CHANGES)]

            async def change(sku: str) -> None:
                assert (await gql(RECEIVE, {"sku": sku}))["receiveStock"]["userErrors"] == []

            for half in (skus[: CHANGES // 2], skus[CHANGES // 2 :]):
                stop = asyncio.Event()
                following = asyncio.create_task(follower.follow(stop))
                await asyncio.sleep(0.3)  # (if not subscribed yet, its first state has these)
                await asyncio.gather(*(change(sku) for sku in half))
                await asyncio.sleep(0.5)  # (what has not arrived yet, the next one catches up)
                stop.set()
                await following
                # Changes made while no connection is open: the next one catches up.
                await asyncio.gather(*(change(sku) for sku in rng.sample(SKUS, 3)))

            newest = await _feed_newest(gql)
            stop = asyncio.Event()
            following = asyncio.create_task(follower.follow(stop))
            for _ in range(300):  # at most 30 s, however slow the machine
                if follower.showing == newest:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await following

    assert follower.showing == newest, server.output()[-3000:]
    for received in follower.connections:
        assert all(value["cursor"] for value in received)
        live = [_position(value["cursor"]) for value in received[len(SKUS) :]]
        assert live == sorted(live), "messages out of feed order"

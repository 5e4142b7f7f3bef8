"""The channel feeds under `stockpool serve --workers 2` on one PostgreSQL database.

Two processes commit holds, commits and releases of two listings at the same time, and many are
refused. Read afterwards, the feeds must hold every committed change exactly once, in commit
order: each listing's versions one after another with no gap or repeat, each reservation's
states in the order it went through them, and nothing of a refused (rolled-back) hold."""

from __future__ import annotations

import asyncio
import random
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_two_workers_on_postgres import (
    CONNECTIONS,
    GraphQL,
    _empty,
    _graphql,
    _has_proc,
    _serve,
    _wait_until_ready,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ORDERS = 240
UNITS = {"TEE": 60, "CAP": 40}

RESERVE = """mutation($order: String!, $sku: String!, $quantity: Int!) {
  reserveStock(input: {channel: "web", orderRef: $order, lines: [{sku: $sku, quantity: $quantity}]}) {
    reservation { id } userErrors { code } } }"""
MOVE = (
    """mutation($id: ID!) { %s(input: {id: $id}) { reservation { status } userErrors { code } } }"""
)
AVAILABILITY_FEED = """query($after: String) { availabilityFeed(channel: "web", after: $after, first: 250) {
  edges { cursor node { sku published version } } pageInfo { hasNextPage endCursor } } }"""
RESERVATION_FEED = """query($after: String) { reservationFeed(channel: "web", after: $after, first: 100) {
  edges { cursor node { id orderRef status } } pageInfo { hasNextPage endCursor } } }"""


async def _seed(gql: GraphQL) -> None:
    fields = [
        'createLocation(input: {code: "WH", name: "Warehouse"})',
        'createChannel(input: {code: "web", name: "Web", kind: WEBSTORE})',
        'setChannelLocations(input: {channel: "web", locations: ["WH"]})',
    ]
    for sku, units in UNITS.items():
        fields += [
            f'createSku(input: {{code: "{sku}", name: "{sku}"}})',
            f'upsertListing(input: {{channel: "web", sku: "{sku}", externalSku: "w-{sku}"}})',
            f'receiveStock(input: {{sku: "{sku}", location: "WH", quantity: {units}}})',
        ]
    for field in fields:
        data = await gql(f"mutation {{ {field} {{ userErrors {{ code }} }} }}")
        assert next(iter(data.values()))["userErrors"] == [], field


async def _everything(gql: GraphQL, query: str, name: str) -> list[dict[str, Any]]:
    edges, after = [], None
    while True:
        page = (await gql(query, {"after": after}))[name]
        edges += page["edges"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges


async def _burst(burst: GraphQL, requests: list[tuple[str, dict[str, Any]]]) -> list[dict]:
    responses = await asyncio.gather(
        *(burst.http.post("/graphql", json={"query": q, "variables": v}) for q, v in requests)
    )
    bodies = [r.json() for r in responses]
    assert all(
        r.status_code == 200 and "errors" not in b for r, b in zip(responses, bodies, strict=True)
    )
    return [next(iter(b["data"].values())) for b in bodies]


async def test_two_workers_write_every_committed_change_once_in_commit_order(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    if not _has_proc():
        pytest.skip("finds the worker processes through /proc")
    await _empty(postgres_url)
    token = secrets.token_urlsafe(24)
    rng = random.Random(17)

    with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
        await _wait_until_ready(server)
        async with _graphql(server, token) as gql:
            await _seed(gql)
            before = await _everything(gql, AVAILABILITY_FEED, "availabilityFeed")
        # No connection is reused: one the server is closing as idle (keep-alive) would fail the
        # request sent on it with a ReadError, a race of the test's client, not of stockpool.
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=0)
        async with _graphql(server, token, limits=limits) as burst:
            holds = [
                (RESERVE, {"order": f"o-{n}", "sku": rng.choice(list(UNITS)), "quantity": 2})
                for n in range(ORDERS)
            ]
            answers = await _burst(burst, holds)
        held = {a["reservation"]["id"]: n for n, a in enumerate(answers) if a["reservation"]}
        moves = {id_: rng.choice(["commitReservation", "releaseReservation"]) for id_ in held}
        async with _graphql(server, token, limits=limits) as burst:
            await _burst(burst, [(MOVE % move, {"id": id_}) for id_, move in moves.items()])
        async with _graphql(server, token) as gql:
            availability = await _everything(gql, AVAILABILITY_FEED, "availabilityFeed")
            reservations = await _everything(gql, RESERVATION_FEED, "reservationFeed")
            now = await gql(
                '{ availability(channel: "web", skus: ["TEE", "CAP"]) { sku version published } }'
            )

    refused = ORDERS - len(held)
    assert refused > 0 and len(held) == sum(UNITS.values()) // 2
    # Reservations: each held one's states in order, once each; nothing of a refused hold.
    states: dict[str, list[str]] = {}
    for edge in reservations:
        states.setdefault(edge["node"]["id"], []).append(edge["node"]["status"])
    expected = {
        id_: ["HELD", "COMMITTED" if move == "commitReservation" else "RELEASED"]
        for id_, move in moves.items()
    }
    assert states == expected
    # Availability: per listing, one change per version with no gap or repeat, up to now.
    assert availability[: len(before)] == before
    latest = {a["sku"]: a for a in now["availability"]}
    for sku in UNITS:
        versions = [e["node"]["version"] for e in availability if e["node"]["sku"] == sku]
        assert versions == list(range(versions[0], versions[0] + len(versions))), sku
        assert versions[-1] == latest[sku]["version"]
        last = [e["node"] for e in availability if e["node"]["sku"] == sku][-1]
        assert last["published"] == latest[sku]["published"]
    assert len({e["cursor"] for e in availability}) == len(availability)

"""availabilityFeed and reservationFeed over HTTP: pages in commit order, cursors that resume,
a bad cursor refused with its code, a partner of another channel refused."""

from __future__ import annotations

import pytest

from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_reservations_api import RESERVE, lines, shop  # noqa: F401 (fixture)

AVAILABILITY_FEED = """query($after: String, $first: Int!) {
  availabilityFeed(channel: "web", after: $after, first: $first) {
    edges { cursor node { sku published status version cursor } }
    pageInfo { hasNextPage endCursor } headCursor } }"""
RESERVATION_FEED = """query($after: String) {
  reservationFeed(channel: "web", after: $after, first: 100) {
    edges { cursor node { id orderRef status lines { sku quantity } } }
    pageInfo { hasNextPage endCursor } headCursor } }"""


@pytest.fixture
async def listed(shop):  # noqa: F811
    await shop(
        'mutation { upsertListing(input: {channel: "web", sku: "TEE", externalSku: "w-tee"}) '
        "{ userErrors { code } } }"
    )
    return shop


async def _reserve(gql, order: str, quantity: int = 1) -> str:
    data = await gql(
        RESERVE,
        {"input": {"channel": "web", "orderRef": order, "lines": lines(("TEE", quantity))}},
    )
    return data["reserveStock"]["reservation"]["id"]


async def test_the_availability_feed_pages_every_change_in_order_and_resumes(listed):
    for n in range(3):
        await _reserve(listed, f"o{n}")

    first = (await listed(AVAILABILITY_FEED, {"after": None, "first": 2}))["availabilityFeed"]
    rest = (
        await listed(AVAILABILITY_FEED, {"after": first["pageInfo"]["endCursor"], "first": 250})
    )["availabilityFeed"]

    nodes = [e["node"] for e in first["edges"] + rest["edges"]]
    assert [n["published"] for n in nodes] == [5, 4, 3, 2]
    assert [n["version"] for n in nodes] == sorted({n["version"] for n in nodes})
    assert all(e["cursor"] == e["node"]["cursor"] for e in first["edges"] + rest["edges"])
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert rest["headCursor"] == rest["pageInfo"]["endCursor"]


async def test_the_reservation_feed_shows_a_connector_what_became_of_its_orders(listed):
    kept = await _reserve(listed, "kept", 2)
    head = (await listed(RESERVATION_FEED, {"after": None}))["reservationFeed"]["headCursor"]
    await listed(
        "mutation($id: ID!) { commitReservation(input: {id: $id}) { userErrors { code } } }",
        {"id": kept},
    )

    since = (await listed(RESERVATION_FEED, {"after": head}))["reservationFeed"]["edges"]

    assert [(e["node"]["orderRef"], e["node"]["status"]) for e in since] == [("kept", "COMMITTED")]
    assert since[0]["node"]["lines"] == [{"sku": "TEE", "quantity": 2}]


@pytest.mark.parametrize("cursor", ["garbage", "cmY5OTk6MQ==", "x" * 500])
async def test_a_cursor_not_issued_for_this_feed_is_invalid_cursor(listed, cursor):
    response = await listed.post(AVAILABILITY_FEED, {"after": cursor, "first": 10})

    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CURSOR"]


async def test_a_page_size_out_of_range_is_refused(listed):
    response = await listed.post(AVAILABILITY_FEED, {"after": None, "first": 251})

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["INVALID_PAGE_SIZE"]


async def test_a_partner_of_another_channel_may_not_read_the_feed(listed):
    await listed(
        'mutation { createChannel(input: {code: "market", name: "m", kind: MARKETPLACE}) '
        "{ userErrors { code } } }"
    )
    created = await listed(
        CREATE_KEY, {"input": {"name": "market-connector", "role": "PARTNER", "channel": "market"}}
    )
    partner = listed.as_key(created["createApiKey"]["secret"])

    response = await partner.post(RESERVATION_FEED, {"after": None})

    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]

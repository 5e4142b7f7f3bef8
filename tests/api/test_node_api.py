"""Node ids over HTTP: every cached object carries an `id` unique across types, the same
object reached by two paths carries the same one, and `node(id:)` reads it again under the
access rules of the type's own query; bad ids are INVALID_VALUE, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from schema.node import NodeKind, node_id
from tests.api.purchase_order_helpers import order
from tests.api.stock_operations import RECEIVE, seed
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_listings_api import listed
from tests.api.test_reservations_api import RESERVE, channel, lines

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
EVERY_NODE = """
  sku(code: "TEE") { id stockLevels { id } }
  location(code: "WH") { id }
  stockLevels(sku: "TEE") { id }
  channel(code: "web") { id }
  listing(channel: "web", sku: "TEE") { id availability { id } }
  availability(channel: "web", skus: ["TEE"]) { id }
"""


async def shop(gql: Any) -> None:
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "STORE"))
    await channel(gql, "web")
    await channel(gql, "pos", locations=("STORE",))
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
    await listed(gql, "TEE", "ext-tee")
    await listed(gql, "TEE", "pos-tee", channel="pos")


async def key(gql: Any, role: str, channel: str = "web") -> Any:
    data = await gql(CREATE_KEY, {"input": {"name": role, "role": role, "channel": channel}})
    return gql.as_key(data["createApiKey"]["secret"])


async def node(client: Any, id: str) -> tuple[Any, list[str]]:
    response = await client.post(NODE, {"id": id})
    assert response.status_code == 200, response.text
    body = response.json()
    codes = [e["extensions"]["code"] for e in body.get("errors", [])]
    return body["data"]["node"] if body.get("data") else None, codes


async def test_every_cached_object_has_an_id_that_node_reads_back(gql):
    await shop(gql)
    found = await gql("{" + EVERY_NODE + "}")
    ids = {
        "Sku": found["sku"]["id"],
        "StockLevel": found["stockLevels"][0]["id"],
        "Location": found["location"]["id"],
        "Channel": found["channel"]["id"],
        "Listing": found["listing"]["id"],
        "ChannelAvailability": found["availability"][0]["id"],
    }
    assert len(set(ids.values())) == len(ids)
    for type_name, id in ids.items():
        assert await node(gql, id) == ({"__typename": type_name, "id": id}, [])


async def test_the_same_object_reached_two_ways_has_the_same_id(gql):
    await shop(gql)
    found = await gql("{" + EVERY_NODE + "}")
    assert found["sku"]["stockLevels"] == found["stockLevels"]
    assert found["listing"]["availability"] == found["availability"][0]
    received = await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    assert received["receiveStock"]["stockLevel"]["sku"] == "TEE"
    again = await gql(
        'mutation { receiveStock(input: {sku: "TEE", location: "WH", quantity: 1}) '
        "{ stockLevel { id } } }"
    )
    assert again["receiveStock"]["stockLevel"] == found["stockLevels"][0]


async def test_documents_keep_their_ids_and_node_reads_them(gql):
    await shop(gql)
    held = await gql(
        RESERVE, {"input": {"channel": "web", "orderRef": "o-1", "lines": lines(("TEE", 1))}}
    )
    reservation = held["reserveStock"]["reservation"]["id"]
    purchase_order = (await order(gql, [("TEE", 3)], "2030-01-01T00:00:00Z"))["id"]
    transfer = await gql(
        'mutation { createTransfer(input: {from: "WH", to: "STORE", '
        'expectedAt: "2030-01-01T00:00:00Z", lines: [{sku: "TEE", quantity: 1}]}) '
        "{ transfer { id } userErrors { code } } }"
    )
    count = await gql(
        'mutation { startCount(input: {location: "WH", skus: ["TEE"]}) '
        "{ cycleCount { id } userErrors { code } } }"
    )
    documents = {
        "Reservation": reservation,
        "PurchaseOrder": purchase_order,
        "Transfer": transfer["createTransfer"]["transfer"]["id"],
        "CycleCount": count["startCount"]["cycleCount"]["id"],
    }
    for type_name, id in documents.items():
        assert await node(gql, id) == ({"__typename": type_name, "id": id}, [])
    fields = await gql(
        "query($id: ID!) { node(id: $id) { ... on Reservation { orderRef status } } }",
        {"id": reservation},
    )
    assert fields["node"] == {"orderRef": "o-1", "status": "HELD"}


async def test_an_id_that_names_nothing_any_more_reads_as_null(gql):
    await shop(gql)
    found = await gql("{" + EVERY_NODE + "}")
    for id in (found["sku"]["id"], found["availability"][0]["id"]):
        missing = id.replace("VEVF", "Q0FQ")  # TEE -> CAP: a SKU with no level and no listing
        if missing != id:
            assert await node(gql, missing) == (None, [])
    assert await node(gql, "r0123456789abcdef0123456789abcd") == (None, [])
    assert await node(gql, "po0123456789abcdef0123456789") == (None, [])


@pytest.mark.parametrize("bad", ["", "1", "nope", "U2t1", "%%%", "x" * 5000, "r1"])
async def test_an_id_this_api_never_handed_out_is_invalid_value(gql, bad):
    assert await node(gql, bad) == (None, ["INVALID_VALUE"])


async def test_a_storefront_key_reads_through_node_only_what_its_channel_shows(gql):
    await shop(gql)
    found = await gql(
        "{" + EVERY_NODE + 'pos: availability(channel: "pos", skus: ["TEE"]) { id } }'
    )
    storefront = await key(gql, "STOREFRONT")
    own = found["availability"][0]["id"]
    assert await node(storefront, own) == ({"__typename": "ChannelAvailability", "id": own}, [])
    assert await node(storefront, found["pos"][0]["id"]) == (None, ["FORBIDDEN"])
    for other in ("sku", "location", "channel", "listing"):
        assert await node(storefront, found[other]["id"]) == (None, ["FORBIDDEN"]), other
    assert await node(storefront, found["stockLevels"][0]["id"]) == (None, ["FORBIDDEN"])


async def test_a_partner_key_reads_through_node_only_its_own_channel(gql):
    await shop(gql)
    found = await gql("{" + EVERY_NODE + 'pos: channel(code: "pos") { id } }')
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "STORE", "quantity": 1}})
    held = await gql(
        RESERVE, {"input": {"channel": "pos", "orderRef": "o-2", "lines": lines(("TEE", 1))}}
    )
    partner = await key(gql, "PARTNER")
    for own in ("channel", "listing"):
        assert (await node(partner, found[own]["id"]))[0] == {
            "__typename": own.capitalize(),
            "id": found[own]["id"],
        }
    assert await node(partner, found["pos"]["id"]) == (None, [])  # as channel(code:) answers
    other_reservation = held["reserveStock"]["reservation"]["id"]
    assert await node(partner, other_reservation) == (None, [])  # as reservation(id:) answers
    assert await node(partner, found["sku"]["id"]) == (None, ["FORBIDDEN"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_node_costs_one_object(gql):
    await shop(gql)
    found = await gql('{ sku(code: "TEE") { id } }')
    response = await gql.post(NODE, {"id": found["sku"]["id"]})
    cost = response.json()["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (1, 1)


async def test_a_skus_totals_are_a_node_too(gql):
    await shop(gql)
    for sku, on_hand, locations in (("TEE", 5, 1), ("CAP", 0, 0)):  # CAP: never stocked
        id = node_id(NodeKind.SKU_TOTALS, sku)
        found = await gql(
            "query($id: ID!) { node(id: $id) { id ... on SkuTotals { sku locations "
            "totals { onHand } } } }",
            {"id": id},
        )
        assert found["node"] == {
            "id": id,
            "sku": sku,
            "locations": locations,
            "totals": {"onHand": on_hand},
        }
    assert await node(gql, node_id(NodeKind.SKU_TOTALS, "NEVER")) == (None, [])

"""Over HTTP, on SQLite and PostgreSQL: a receipt past GraphQL's Int is a userError and reads
keep working; sums over locations read as at most an Int; a moment sent with an offset reads
back as the same instant, in UTC."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.api.purchase_order_helpers import order
from tests.api.stock_operations import RECEIVE, error_codes, seed

BILLION = 1_000_000_000
MAX_INT = 2_147_483_647
READS = """query { stockLevels(sku: "TEE") { location onHand }
  stockEvents(sku: "TEE") { edges { node { after { onHand } } } }
  sku(code: "TEE") { totals { onHand available } }
  availability(channel: "web", skus: ["TEE"]) { published } }"""
CHANNEL = """mutation { createChannel(input: {code: "web", name: "Web", kind: WEBSTORE}) {
  userErrors { code } }
  setChannelLocations(input: {channel: "web", locations: ["A", "B", "C"]}) {
  userErrors { code } }
  upsertListing(input: {channel: "web", sku: "TEE", externalSku: "tee"}) {
  userErrors { code } } }"""


async def receive(gql: Any, location: str) -> dict[str, Any]:
    variables = {"input": {"sku": "TEE", "location": location, "quantity": BILLION}}
    payload: dict[str, Any] = (await gql(RECEIVE, variables))["receiveStock"]
    return payload


async def test_a_third_billion_on_one_level_is_refused_and_reads_keep_working(gql):
    await seed(gql, locations=("A", "B", "C"))
    made = await gql(CHANNEL)
    assert all(payload["userErrors"] == [] for payload in made.values())
    for _ in range(2):
        assert (await receive(gql, "A"))["userErrors"] == []
    refused = await receive(gql, "A")
    assert error_codes(refused) == [(("input", "quantity"), "QUANTITY_TOO_LARGE")]
    assert refused["stockLevel"] is None
    for location in ("B", "C"):
        assert (await receive(gql, location))["userErrors"] == []
    data = await gql(READS)
    assert {level["location"]: level["onHand"] for level in data["stockLevels"]} == {
        "A": 2 * BILLION,
        "B": BILLION,
        "C": BILLION,
    }
    assert len(data["stockEvents"]["edges"]) == 4
    assert data["sku"]["totals"] == {"onHand": MAX_INT, "available": MAX_INT}
    assert data["availability"] == [{"published": MAX_INT}]


async def test_a_moment_with_an_offset_reads_back_as_the_same_instant(gql, database):
    await seed(gql)
    created = await order(gql, [("TEE", 5)], "2026-12-10T09:00:00+08:00")
    read = await gql(
        "query($id: ID!) { purchaseOrder(id: $id) { expectedAt } }", {"id": created["id"]}
    )
    assert read["purchaseOrder"]["expectedAt"] == "2026-12-10T01:00:00+00:00"
    async with database.read() as conn:
        stored = (await conn.execute(text("SELECT expected_at FROM purchase_orders"))).scalar()
    assert str(stored).startswith("2026-12-10 01:00:00")

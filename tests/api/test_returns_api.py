"""Customer returns over HTTP: units of a shipped order come back quarantined, never more than
the order shipped less what already came back; inspection restocks (published availability
moves at once), sets aside as damaged or writes off, never more than is waiting; bad input
changes nothing; the ledger replays to the counters after every flow."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.document_helpers import ERRORS, accepted, assert_ledger_replays, events, levels
from tests.api.stock_operations import error_codes, seed
from tests.api.subscription_client import connected, http
from tests.api.test_backorders_api import move, shown
from tests.api.test_listings_api import listed, receive
from tests.api.test_reservations_api import RESERVE, channel

RETURN_FIELDS = """id channel orderRef reservationId location status
  lines { sku quantity reason restocked damaged writtenOff uninspected
          inspections { outcome quantity reason } }"""
RECEIVE_RETURN = f"""mutation($input: ReceiveReturnInput!) {{ receiveReturn(input: $input) {{
  customerReturn {{ {RETURN_FIELDS} }} {ERRORS} }} }}"""
INSPECT = f"""mutation($input: InspectReturnInput!) {{ inspectReturn(input: $input) {{
  customerReturn {{ {RETURN_FIELDS} }} {ERRORS} }} }}"""
FULFIL = """mutation($input: FulfilReservationInput!) { fulfilReservation(input: $input) {
  reservation { status } userErrors { code } } }"""
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
AVAILABILITY_FEED = """subscription { availabilityChanged(channel: "web", skus: ["TEE"]) {
  published version } }"""
RETURNS = """query($status: ReturnStatus, $orderRef: String, $first: Int!, $after: String) {
  customerReturns(status: $status, orderRef: $orderRef, first: $first, after: $after) {
    edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }"""


async def shipped_order(gql, order_ref: str, quantity: int, ship: int | None = None) -> str:
    """Holds, commits and ships (`ship` of) `quantity` TEE for the order; its reservation id."""
    data = await gql(
        RESERVE,
        {
            "input": {
                "channel": "web",
                "orderRef": order_ref,
                "lines": [{"sku": "TEE", "quantity": quantity}],
            }
        },
    )
    reservation_id: str = accepted(data["reserveStock"], "reservation")["id"]
    await move(gql, "commitReservation", reservation_id)
    lines = None if ship is None else [{"sku": "TEE", "quantity": ship}]
    fulfilled = await gql(FULFIL, {"input": {"id": reservation_id, "lines": lines}})
    assert fulfilled["fulfilReservation"]["userErrors"] == []
    return reservation_id


async def receive_return(gql, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    data = await gql(RECEIVE_RETURN, {"input": {"location": "WH", "lines": lines, **fields}})
    payload: dict[str, Any] = data["receiveReturn"]
    return payload


async def returned(gql, lines: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    payload = await receive_return(
        gql, [{"sku": s, "quantity": q, "reason": "DEFECTIVE"} for s, q in lines], **fields
    )
    return accepted(payload, "customerReturn")


async def inspect(gql, return_id: str, lines: list[dict[str, Any]], **fields: Any):
    data = await gql(INSPECT, {"input": {"id": return_id, "lines": lines, **fields}})
    payload: dict[str, Any] = data["inspectReturn"]
    return payload


def outcome(kind: str, quantity: int, reason: str, sku: str = "TEE") -> dict[str, Any]:
    return {"sku": sku, "outcome": kind, "quantity": quantity, "reason": reason}


@pytest.fixture
async def store(gql):
    """Channel web sells TEE (10 at WH) and lists it."""
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    await channel(gql, "web", ("WH",))
    await listed(gql, "TEE", "WEB-TEE")
    await receive(gql, "TEE", "WH", 10)
    return gql


@pytest.fixture
async def order(store) -> str:
    """Order o-1 on web: 4 TEE shipped from WH; its reservation id."""
    return await shipped_order(store, "o-1", 4)


async def test_returned_units_are_quarantined_until_inspected_one_way_or_another(store, order):
    gql = store
    customer_return = await returned(gql, [("TEE", 3)], reservationId=order)
    assert customer_return["status"] == "RECEIVED"
    assert (customer_return["channel"], customer_return["orderRef"]) == ("web", "o-1")
    assert customer_return["reservationId"] == order
    assert customer_return["lines"][0]["uninspected"] == 3
    wh = (await levels(gql))["WH"]
    assert (wh["onHand"], wh["quarantined"], wh["available"]) == (9, 3, 6)

    first = accepted(
        await inspect(
            gql,
            customer_return["id"],
            [outcome("RESTOCK", 1, "AS_NEW"), outcome("DAMAGED", 1, "DEFECTIVE")],
        ),
        "customerReturn",
    )
    assert first["status"] == "PARTIALLY_INSPECTED"
    wh = (await levels(gql))["WH"]
    assert (wh["onHand"], wh["quarantined"], wh["damaged"], wh["available"]) == (9, 1, 1, 7)

    last = accepted(
        await inspect(gql, customer_return["id"], [outcome("WRITE_OFF", 1, "HYGIENE")]),
        "customerReturn",
    )
    assert last["status"] == "INSPECTED"
    assert last["lines"][0] == {
        "sku": "TEE",
        "quantity": 3,
        "reason": "DEFECTIVE",
        "restocked": 1,
        "damaged": 1,
        "writtenOff": 1,
        "uninspected": 0,
        "inspections": [
            {"outcome": "RESTOCK", "quantity": 1, "reason": "AS_NEW"},
            {"outcome": "DAMAGED", "quantity": 1, "reason": "DEFECTIVE"},
            {"outcome": "WRITE_OFF", "quantity": 1, "reason": "HYGIENE"},
        ],
    }
    wh = (await levels(gql))["WH"]
    assert (wh["onHand"], wh["quarantined"], wh["damaged"], wh["available"]) == (8, 0, 1, 7)
    assert [(e["type"], e["reason"]) for e in await events(gql)][-4:] == [
        ("RETURNED", "RETURN"),
        ("RETURN_INSPECTED", "RELEASED_FROM_QUARANTINE"),
        ("RETURN_INSPECTED", "DAMAGED"),
        ("RETURN_INSPECTED", "WRITE_OFF"),
    ]
    await assert_ledger_replays(gql)


async def test_restocking_raises_published_availability_at_once(store, order):
    gql = store
    before = await shown(gql, "TEE")
    customer_return = await returned(gql, [("TEE", 2)], channel="web", orderRef="o-1")
    assert (await shown(gql, "TEE"))["published"] == before["published"]  # quarantined
    await inspect(gql, customer_return["id"], [outcome("RESTOCK", 2, "REPACKAGED")])
    after = await shown(gql, "TEE")
    assert after["published"] == before["published"] + 2
    assert after["version"] > before["version"]


async def test_an_order_takes_back_no_more_than_it_shipped_less_what_came_back(store):
    gql = store
    partly = await shipped_order(gql, "o-2", 4, ship=3)
    refused = await receive_return(
        gql, [{"sku": "TEE", "quantity": 4, "reason": "WRONG_ITEM"}], reservationId=partly
    )
    assert error_codes(refused) == [
        (("input", "lines", "0", "quantity"), "RETURN_EXCEEDS_FULFILLED")
    ]
    assert "only 3 shipped and not yet returned" in refused["userErrors"][0]["message"]

    await returned(gql, [("TEE", 2)], channel="web", orderRef="o-2", location="SHOP")
    refused = await receive_return(
        gql, [{"sku": "TEE", "quantity": 2, "reason": "OTHER"}], reservationId=partly
    )
    assert "only 1 shipped and not yet returned" in refused["userErrors"][0]["message"]
    never_ordered = await receive_return(
        gql, [{"sku": "CAP", "quantity": 1, "reason": "OTHER"}], reservationId=partly
    )
    assert error_codes(never_ordered) == [
        (("input", "lines", "0", "quantity"), "RETURN_EXCEEDS_FULFILLED")
    ]
    await returned(gql, [("TEE", 1)], reservationId=partly)
    assert (await levels(gql))["SHOP"]["quarantined"] == 2
    assert (await levels(gql))["WH"]["quarantined"] == 1
    await assert_ledger_replays(gql)


@pytest.mark.parametrize(
    ("lines", "fields", "expected"),
    [
        (
            [{"sku": "TEE", "quantity": 0, "reason": "OTHER"}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": -1, "reason": "OTHER"}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": 10**9 + 1, "reason": "OTHER"}],
            {},
            [(("input", "lines", "0", "quantity"), "QUANTITY_TOO_LARGE")],
        ),
        (
            [
                {"sku": "TEE", "quantity": 1, "reason": "OTHER"},
                {"sku": "TEE", "quantity": 1, "reason": "DEFECTIVE"},
            ],
            {},
            [(("input", "lines", "1", "sku"), "INVALID_VALUE")],
        ),
        ([], {}, [(("input", "lines"), "INVALID_VALUE")]),
        (
            [{"sku": "NOPE", "quantity": 1, "reason": "OTHER"}],
            {},
            [(("input", "lines", "0", "sku"), "SKU_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"location": "MOON"},
            [(("input", "location"), "LOCATION_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"reservationId": "r-unknown"},
            [(("input", "reservationId"), "RESERVATION_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"channel": "web", "orderRef": "o-unknown"},
            [(("input", "orderRef"), "ORDER_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"channel": "nowhere", "orderRef": "o-1"},
            [(("input", "channel"), "CHANNEL_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"orderRef": "o-1"},
            [(("input", "orderRef"), "INVALID_VALUE")],
        ),
        (
            [{"sku": "TEE", "quantity": 1, "reason": "OTHER"}],
            {"reservationId": "ORDER", "orderRef": "o-other"},
            [(("input", "orderRef"), "INVALID_VALUE")],
        ),
    ],
)
async def test_bad_returns_are_refused_with_a_code_and_change_nothing(
    store, order, lines, fields, expected
):
    gql = store
    names_the_order = {"reservationId", "channel", "orderRef"} & set(fields)
    if fields.get("reservationId") == "ORDER" or not names_the_order:
        fields = {**fields, "reservationId": order}
    before = await levels(gql)
    refused = await receive_return(gql, lines, **fields)
    assert refused["customerReturn"] is None
    assert error_codes(refused) == expected
    assert await levels(gql) == before
    assert (await gql(RETURNS, {"first": 5}))["customerReturns"]["edges"] == []


async def test_inspecting_more_than_is_waiting_or_a_finished_return_is_refused(store, order):
    gql = store
    customer_return = await returned(gql, [("TEE", 2)], reservationId=order)
    before = await levels(gql)
    too_many = await inspect(gql, customer_return["id"], [outcome("RESTOCK", 3, "AS_NEW")])
    assert error_codes(too_many) == [(("input", "lines", "0", "quantity"), "OVER_INSPECTION")]
    together = await inspect(
        gql,
        customer_return["id"],
        [outcome("RESTOCK", 1, "AS_NEW"), outcome("WRITE_OFF", 2, "DAMAGED")],
    )
    assert error_codes(together) == [(("input", "lines", "1", "quantity"), "OVER_INSPECTION")]
    assert "only 1 are waiting for inspection" in together["userErrors"][0]["message"]
    assert await levels(gql) == before

    accepted(
        await inspect(gql, customer_return["id"], [outcome("RESTOCK", 2, "AS_NEW")]),
        "customerReturn",
    )
    done = await inspect(gql, customer_return["id"], [outcome("RESTOCK", 1, "AS_NEW")])
    assert error_codes(done) == [(("input", "id"), "INVALID_TRANSITION")]
    assert "it is INSPECTED" in done["userErrors"][0]["message"]
    unknown = await inspect(gql, "rt-unknown", [outcome("RESTOCK", 1, "AS_NEW")])
    assert error_codes(unknown) == [(("input", "id"), "RETURN_NOT_FOUND")]
    await assert_ledger_replays(gql)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [outcome("RESTOCK", 1, "DEFECTIVE")],
            [(("input", "lines", "0", "reason"), "INVALID_REASON")],
        ),
        (
            [outcome("DAMAGED", 1, "AS_NEW")],
            [(("input", "lines", "0", "reason"), "INVALID_REASON")],
        ),
        (
            [outcome("RESTOCK", 0, "AS_NEW")],
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [outcome("RESTOCK", 1, "AS_NEW"), outcome("RESTOCK", 1, "REPACKAGED")],
            [(("input", "lines", "1", "sku"), "INVALID_VALUE")],
        ),
        (
            [outcome("RESTOCK", 1, "AS_NEW", sku="CAP")],
            [(("input", "lines", "0", "sku"), "INVALID_VALUE")],
        ),
        ([], [(("input", "lines"), "INVALID_VALUE")]),
    ],
)
async def test_bad_inspections_are_refused_with_a_code(store, order, lines, expected):
    gql = store
    customer_return = await returned(gql, [("TEE", 2)], reservationId=order)
    before = await levels(gql)
    refused = await inspect(gql, customer_return["id"], lines)
    assert error_codes(refused) == expected
    assert await levels(gql) == before


async def test_replayed_returns_and_inspections_apply_once(store, order):
    gql = store
    lines = [{"sku": "TEE", "quantity": 2, "reason": "NO_LONGER_NEEDED"}]
    first = await receive_return(gql, lines, reservationId=order, idempotencyKey="rma-1")
    again = await receive_return(gql, lines, reservationId=order, idempotencyKey="rma-1")
    assert again["customerReturn"]["id"] == first["customerReturn"]["id"]
    assert (await levels(gql))["WH"]["quarantined"] == 2
    check = [outcome("RESTOCK", 1, "AS_NEW")]
    return_id = first["customerReturn"]["id"]
    await inspect(gql, return_id, check, idempotencyKey="qc-1")
    replay = await inspect(gql, return_id, check, idempotencyKey="qc-1")
    assert replay["customerReturn"]["lines"][0]["restocked"] == 1
    assert (await levels(gql))["WH"]["quarantined"] == 1
    other = await inspect(gql, return_id, [outcome("RESTOCK", 1, "OTHER")], idempotencyKey="qc-1")
    assert error_codes(other) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    await assert_ledger_replays(gql)


async def test_returns_are_listed_newest_first_and_found_by_id(store, order):
    gql = store
    other = await shipped_order(gql, "o-2", 2)
    ids = [
        (await returned(gql, [("TEE", 1)], reservationId=order))["id"],
        (await returned(gql, [("TEE", 1)], reservationId=other))["id"],
        (await returned(gql, [("TEE", 1)], reservationId=order))["id"],
    ]
    await inspect(gql, ids[0], [outcome("RESTOCK", 1, "AS_NEW")])
    page = (await gql(RETURNS, {"first": 2}))["customerReturns"]
    assert [e["node"]["id"] for e in page["edges"]] == [ids[2], ids[1]]
    rest = await gql(RETURNS, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["id"] for e in rest["customerReturns"]["edges"]] == [ids[0]]
    by_order = await gql(RETURNS, {"first": 5, "orderRef": "o-1", "status": "RECEIVED"})
    assert [e["node"]["id"] for e in by_order["customerReturns"]["edges"]] == [ids[2]]
    one = await gql(f'{{ customerReturn(id: "{ids[1]}") {{ {RETURN_FIELDS} }} }}')
    assert one["customerReturn"]["orderRef"] == "o-2"
    assert (await gql('{ customerReturn(id: "rt-unknown") { id } }'))["customerReturn"] is None


@SQLITE
async def test_a_restock_reaches_availability_subscribers_and_a_quarantine_does_not(live_server):
    async with http(live_server) as gql:
        await seed(gql, skus=("TEE",), locations=("WH",))
        await channel(gql, "web", ("WH",))
        await listed(gql, "TEE", "WEB-TEE")
        await receive(gql, "TEE", "WH", 10)
        reservation_id = await shipped_order(gql, "o-1", 4)
        async with connected(live_server) as client:
            await client.subscribe("1", AVAILABILITY_FEED)
            [snapshot] = await client.results(1)
            assert snapshot["availabilityChanged"]["published"] == 6
            customer_return = await returned(gql, [("TEE", 3)], reservationId=reservation_id)
            assert await client.silent()
            await inspect(gql, customer_return["id"], [outcome("RESTOCK", 3, "AS_NEW")])
            [change] = await client.results(1)
            assert change["availabilityChanged"]["published"] == 9
            assert (
                change["availabilityChanged"]["version"]
                > snapshot["availabilityChanged"]["version"]
            )

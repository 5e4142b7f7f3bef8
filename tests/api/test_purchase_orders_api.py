"""Purchase orders over HTTP: onOrder up on create, partial receipts, close, bad input; the
ledger replays to the counters after every flow."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.purchase_order_helpers import CLOSE, CREATE, ORDER_FIELDS, RECEIVE_ORDER
from tests.api.stock_operations import RECEIVE, error_codes, seed

DUE = "2026-12-01T09:00:00+00:00"
LEVEL = """query($sku: String!) { stockLevels(sku: $sku) {
  location onHand available damaged onOrder inTransit backordered version } }"""
LEDGER_CHECK = "{ ledgerCheck { ok discrepancies { sku location } } }"
ORDERS = """query($status: PurchaseOrderStatus, $first: Int!, $after: String) {
  purchaseOrders(status: $status, first: $first, after: $after) {
    edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }"""


async def create(gql, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    payload = (
        await gql(
            CREATE,
            {
                "input": {
                    "supplier": "Acme Textiles",
                    "location": "WH",
                    "expectedAt": DUE,
                    "lines": lines,
                    **fields,
                }
            },
        )
    )["createPurchaseOrder"]
    return payload


async def ordered(gql, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    payload = await create(gql, lines, **fields)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["purchaseOrder"]


async def receive(gql, order_id: str, lines: list[dict[str, Any]], **fields: Any):
    return (await gql(RECEIVE_ORDER, {"input": {"id": order_id, "lines": lines, **fields}}))[
        "receivePurchaseOrder"
    ]


async def level(gql, sku: str = "TEE") -> dict[str, Any]:
    [found] = (await gql(LEVEL, {"sku": sku}))["stockLevels"]
    return found


async def assert_ledger_replays(gql) -> None:
    report = (await gql(LEDGER_CHECK))["ledgerCheck"]
    assert report == {"ok": True, "discrepancies": []}


@pytest.fixture
async def warehouse(gql):
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    return gql


async def test_creating_an_order_puts_its_units_on_order_and_in_the_ledger(warehouse):
    gql = warehouse
    order = await ordered(
        gql, [{"sku": "TEE", "quantity": 40}, {"sku": "CAP", "quantity": 5}], reference="PO-1001"
    )
    assert order["status"] == "OPEN"
    assert order["reference"] == "PO-1001"
    assert order["expectedAt"] == DUE
    assert order["lines"] == [
        {"sku": "TEE", "ordered": 40, "received": 0, "damaged": 0, "outstanding": 40},
        {"sku": "CAP", "ordered": 5, "received": 0, "damaged": 0, "outstanding": 5},
    ]
    tee = await level(gql)
    assert (tee["onOrder"], tee["onHand"], tee["available"]) == (40, 0, 0)
    events = await gql(
        '{ stockEvents(sku: "TEE", first: 5) { edges { node { type reason reference } } } }'
    )
    assert events["stockEvents"]["edges"][0]["node"] == {
        "type": "ORDERED",
        "reason": "PURCHASE_ORDER",
        "reference": order["id"],
    }
    await assert_ledger_replays(gql)


async def test_partial_receipts_move_units_from_on_order_to_on_hand_until_received(warehouse):
    gql = warehouse
    order = await ordered(gql, [{"sku": "TEE", "quantity": 40}])

    first = await receive(gql, order["id"], [{"sku": "TEE", "received": 15, "damaged": 2}])
    assert first["userErrors"] == []
    assert first["purchaseOrder"]["status"] == "PARTIALLY_RECEIVED"
    assert first["purchaseOrder"]["lines"][0]["outstanding"] == 23
    tee = await level(gql)
    assert (tee["onOrder"], tee["onHand"], tee["damaged"], tee["available"]) == (23, 17, 2, 15)

    second = await receive(gql, order["id"], [{"sku": "TEE", "received": 23}])
    assert second["purchaseOrder"]["status"] == "RECEIVED"
    assert second["purchaseOrder"]["lines"][0] == {
        "sku": "TEE",
        "ordered": 40,
        "received": 38,
        "damaged": 2,
        "outstanding": 0,
    }
    tee = await level(gql)
    assert (tee["onOrder"], tee["onHand"], tee["available"]) == (0, 40, 38)
    await assert_ledger_replays(gql)


async def test_closing_an_order_clears_what_is_still_outstanding(warehouse):
    gql = warehouse
    order = await ordered(gql, [{"sku": "TEE", "quantity": 40}, {"sku": "CAP", "quantity": 5}])
    await receive(gql, order["id"], [{"sku": "TEE", "received": 10}])
    closed = (await gql(CLOSE, {"input": {"id": order["id"]}}))["closePurchaseOrder"]
    assert closed["userErrors"] == []
    assert closed["purchaseOrder"]["status"] == "CLOSED"
    assert [line["outstanding"] for line in closed["purchaseOrder"]["lines"]] == [0, 0]
    assert (await level(gql))["onOrder"] == 0
    assert (await level(gql, "CAP"))["onOrder"] == 0
    assert (await level(gql))["onHand"] == 10
    await assert_ledger_replays(gql)


async def test_receiving_more_than_is_outstanding_is_refused_and_changes_nothing(warehouse):
    gql = warehouse
    order = await ordered(gql, [{"sku": "TEE", "quantity": 10}])
    await receive(gql, order["id"], [{"sku": "TEE", "received": 8}])
    before = await level(gql)
    refused = await receive(gql, order["id"], [{"sku": "TEE", "received": 2, "damaged": 1}])
    assert refused["purchaseOrder"] is None
    assert error_codes(refused) == [(("input", "lines", "0", "received"), "OVER_RECEIPT")]
    assert "only 2 outstanding" in refused["userErrors"][0]["message"]
    assert await level(gql) == before


@pytest.mark.parametrize(
    ("receipt", "expected"),
    [
        ([{"sku": "TEE", "received": 0}], [(("input", "lines", "0", "received"), "INVALID_VALUE")]),
        (
            [{"sku": "TEE", "received": -1}],
            [(("input", "lines", "0", "received"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "damaged": 10**9 + 1}],
            [(("input", "lines", "0", "damaged"), "QUANTITY_TOO_LARGE")],
        ),
        ([{"sku": "CAP", "received": 1}], [(("input", "lines", "0", "sku"), "INVALID_VALUE")]),
        (
            [{"sku": "TEE", "received": 1}, {"sku": "TEE", "received": 1}],
            [(("input", "lines", "1", "sku"), "INVALID_VALUE")],
        ),
        ([], [(("input", "lines"), "INVALID_VALUE")]),
    ],
)
async def test_bad_receipts_are_refused_with_a_code(warehouse, receipt, expected):
    gql = warehouse
    order = await ordered(gql, [{"sku": "TEE", "quantity": 10}])
    refused = await receive(gql, order["id"], receipt)
    assert error_codes(refused) == expected
    assert (await level(gql))["onOrder"] == 10


@pytest.mark.parametrize(
    ("lines", "fields", "expected"),
    [
        (
            [{"sku": "TEE", "quantity": 0}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": -5}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": 10**9 + 1}],
            {},
            [(("input", "lines", "0", "quantity"), "QUANTITY_TOO_LARGE")],
        ),
        ([{"sku": "NOPE", "quantity": 1}], {}, [(("input", "lines", "0", "sku"), "SKU_NOT_FOUND")]),
        (
            [{"sku": "TEE", "quantity": 1}, {"sku": "TEE", "quantity": 2}],
            {},
            [(("input", "lines", "1", "sku"), "INVALID_VALUE")],
        ),
        ([], {}, [(("input", "lines"), "INVALID_VALUE")]),
        ([{"sku": "TEE", "quantity": 1}], {"supplier": " "}, [(("input", "supplier"), "BLANK")]),
        (
            [{"sku": "TEE", "quantity": 1}],
            {"location": "MOON"},
            [(("input", "location"), "LOCATION_NOT_FOUND")],
        ),
    ],
)
async def test_bad_orders_are_refused_with_a_code_and_change_nothing(
    warehouse, lines, fields, expected
):
    gql = warehouse
    refused = await create(gql, lines, **fields)
    assert refused["purchaseOrder"] is None
    assert error_codes(refused) == expected
    assert (await gql(ORDERS, {"first": 10}))["purchaseOrders"]["edges"] == []


async def test_an_expected_date_without_a_time_zone_is_refused(warehouse):
    """Every DateTime input needs an offset: the scalar refuses a naive one (schema/scalars.py)."""
    lines = [{"sku": "TEE", "quantity": 1}]
    fields = {"supplier": "Acme", "location": "WH", "lines": lines}
    response = await warehouse.post(
        CREATE, {"input": {**fields, "expectedAt": "2026-12-01T09:00:00"}}
    )
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_VALUE"]
    assert (await warehouse(ORDERS, {"first": 10}))["purchaseOrders"]["edges"] == []


async def test_closed_and_fully_received_orders_take_no_more_receipts_or_closes(warehouse):
    gql = warehouse
    closed = await ordered(gql, [{"sku": "TEE", "quantity": 10}])
    await gql(CLOSE, {"input": {"id": closed["id"]}})
    refused = await receive(gql, closed["id"], [{"sku": "TEE", "received": 1}])
    assert error_codes(refused) == [(("input", "id"), "INVALID_TRANSITION")]
    assert "it is CLOSED" in refused["userErrors"][0]["message"]
    again = (await gql(CLOSE, {"input": {"id": closed["id"]}}))["closePurchaseOrder"]
    assert error_codes(again) == [(("input", "id"), "INVALID_TRANSITION")]

    done = await ordered(gql, [{"sku": "CAP", "quantity": 3}])
    await receive(gql, done["id"], [{"sku": "CAP", "received": 3}])
    refused = (await gql(CLOSE, {"input": {"id": done["id"]}}))["closePurchaseOrder"]
    assert "it is RECEIVED" in refused["userErrors"][0]["message"]
    unknown = await receive(gql, "po-unknown", [{"sku": "TEE", "received": 1}])
    assert error_codes(unknown) == [(("input", "id"), "PURCHASE_ORDER_NOT_FOUND")]
    await assert_ledger_replays(gql)


async def test_a_replayed_receipt_applies_once(warehouse):
    gql = warehouse
    order = await ordered(gql, [{"sku": "TEE", "quantity": 10}], idempotencyKey="po-create-1")
    again = await ordered(gql, [{"sku": "TEE", "quantity": 10}], idempotencyKey="po-create-1")
    assert again["id"] == order["id"]
    receipt = [{"sku": "TEE", "received": 4}]
    first = await receive(gql, order["id"], receipt, idempotencyKey="delivery-1")
    replay = await receive(gql, order["id"], receipt, idempotencyKey="delivery-1")
    assert replay["userErrors"] == []
    assert replay["purchaseOrder"]["lines"] == first["purchaseOrder"]["lines"]
    tee = await level(gql)
    assert (tee["onOrder"], tee["onHand"]) == (6, 4)
    other = await receive(
        gql, order["id"], [{"sku": "TEE", "received": 5}], idempotencyKey="delivery-1"
    )
    assert error_codes(other) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]


async def test_orders_are_listed_newest_first_by_status_and_page(warehouse):
    gql = warehouse
    ids = [(await ordered(gql, [{"sku": "TEE", "quantity": n}]))["id"] for n in (1, 2, 3)]
    await gql(CLOSE, {"input": {"id": ids[0]}})
    page = (await gql(ORDERS, {"first": 2}))["purchaseOrders"]
    assert [e["node"]["id"] for e in page["edges"]] == [ids[2], ids[1]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(ORDERS, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["id"] for e in rest["purchaseOrders"]["edges"]] == [ids[0]]
    open_only = (await gql(ORDERS, {"first": 10, "status": "OPEN"}))["purchaseOrders"]
    assert [e["node"]["id"] for e in open_only["edges"]] == [ids[2], ids[1]]
    one = await gql(f'{{ purchaseOrder(id: "{ids[1]}") {{ {ORDER_FIELDS} }} }}')
    assert one["purchaseOrder"]["lines"][0]["ordered"] == 2


async def test_purchase_orders_are_for_admins_only(warehouse):
    gql = warehouse
    created = await gql(
        'mutation { createApiKey(input: {name: "p", role: PARTNER, channel: "web"}) { secret userErrors { code } } }'
    )
    partner = gql.as_key(created["createApiKey"]["secret"])
    refused = (
        await partner(
            CREATE,
            {
                "input": {
                    "supplier": "x",
                    "location": "WH",
                    "expectedAt": DUE,
                    "lines": [{"sku": "TEE", "quantity": 1}],
                }
            },
        )
    )["createPurchaseOrder"]
    assert error_codes(refused) == [(None, "FORBIDDEN")]
    assert (await gql(LEVEL, {"sku": "TEE"}))["stockLevels"] == []


async def test_plain_receipts_still_work_alongside_orders(warehouse):
    gql = warehouse
    await ordered(gql, [{"sku": "TEE", "quantity": 10}])
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})
    tee = await level(gql)
    assert (tee["onOrder"], tee["onHand"]) == (10, 3)
    await assert_ledger_replays(gql)

"""Transfers over HTTP: a draft moves nothing, shipping takes available units off the source
(never held ones, even under concurrency), partial receipts put them on hand at the
destination, the expected date promises backorders there; bad input changes nothing; the
ledger replays to the counters after every flow."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.document_helpers import ERRORS, accepted, assert_ledger_replays, events, levels
from tests.api.stock_operations import error_codes, seed
from tests.api.subscription_client import connected, http
from tests.api.test_backorders_api import held, shown
from tests.api.test_listings_api import ALERTS, listed, receive
from tests.api.test_reservations_api import RESERVE, channel

EARLY = "2026-12-01T09:00:00+00:00"
TRANSFER_FIELDS = """id from to reference status expectedAt shippedAt
  lines { sku quantity received damaged outstanding }"""
CREATE = f"""mutation($input: CreateTransferInput!) {{ createTransfer(input: $input) {{
  transfer {{ {TRANSFER_FIELDS} }} {ERRORS} }} }}"""
RECEIVE_TRANSFER = f"""mutation($input: ReceiveTransferInput!) {{
  receiveTransfer(input: $input) {{ transfer {{ {TRANSFER_FIELDS} }} {ERRORS} }} }}"""
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EVENTS_FEED = """subscription { stockEvents(sku: "TEE") { location type reason
  delta { onHand inTransit } } }"""
TRANSFERS = """query($status: TransferStatus, $location: String, $first: Int!, $after: String) {
  transfers(status: $status, location: $location, first: $first, after: $after) {
    edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }"""


def transition(name: str) -> str:
    return f"""mutation($input: TransferInput!) {{ {name}(input: $input) {{
      transfer {{ {TRANSFER_FIELDS} }} {ERRORS} }} }}"""


async def create(gql, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    payload = await gql(
        CREATE,
        {"input": {"from": "WH", "to": "SHOP", "expectedAt": EARLY, "lines": lines, **fields}},
    )
    created: dict[str, Any] = payload["createTransfer"]
    return created


async def drafted(gql, lines: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    payload = await create(gql, [{"sku": s, "quantity": q} for s, q in lines], **fields)
    return accepted(payload, "transfer")


async def move(gql, name: str, transfer_id: str, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await gql(transition(name), {"input": {"id": transfer_id, **fields}}))[
        name
    ]
    return found


async def shipped(gql, lines: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    transfer = await drafted(gql, lines, **fields)
    return accepted(await move(gql, "shipTransfer", transfer["id"]), "transfer")


async def receive_lines(gql, transfer_id: str, lines: list[dict[str, Any]], **fields: Any):
    payload = await gql(RECEIVE_TRANSFER, {"input": {"id": transfer_id, "lines": lines, **fields}})
    return payload["receiveTransfer"]


@pytest.fixture
async def warehouse(gql):
    """TEE: 10 at WH; CAP: 4 at WH; nothing at SHOP."""
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    await receive(gql, "TEE", "WH", 10)
    await receive(gql, "CAP", "WH", 4)
    return gql


async def test_a_draft_moves_nothing_until_shipped_then_units_travel_and_arrive(warehouse):
    gql = warehouse
    transfer = await drafted(gql, [("TEE", 4), ("CAP", 2)], reference="T-1")
    assert (transfer["status"], transfer["from"], transfer["to"]) == ("DRAFT", "WH", "SHOP")
    assert transfer["shippedAt"] is None
    assert [line["outstanding"] for line in transfer["lines"]] == [0, 0]
    tee = await levels(gql)
    assert (tee["WH"]["onHand"], tee["SHOP"]["inTransit"]) == (10, 0)
    assert [e["type"] for e in await events(gql)] == ["RECEIVED"]

    ship = accepted(await move(gql, "shipTransfer", transfer["id"]), "transfer")
    assert ship["status"] == "IN_TRANSIT"
    assert ship["shippedAt"] is not None
    assert [line["outstanding"] for line in ship["lines"]] == [4, 2]
    tee = await levels(gql)
    assert (tee["WH"]["onHand"], tee["WH"]["available"]) == (6, 6)
    assert (tee["SHOP"]["inTransit"], tee["SHOP"]["onHand"]) == (4, 0)

    first = accepted(
        await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 3}]), "transfer"
    )
    assert first["status"] == "PARTIALLY_RECEIVED"
    tee = await levels(gql)
    assert (tee["SHOP"]["inTransit"], tee["SHOP"]["onHand"], tee["SHOP"]["available"]) == (1, 3, 3)

    last = accepted(
        await receive_lines(
            gql,
            transfer["id"],
            [{"sku": "TEE", "damaged": 1}, {"sku": "CAP", "received": 2}],
        ),
        "transfer",
    )
    assert last["status"] == "RECEIVED"
    assert last["lines"] == [
        {"sku": "TEE", "quantity": 4, "received": 3, "damaged": 1, "outstanding": 0},
        {"sku": "CAP", "quantity": 2, "received": 2, "damaged": 0, "outstanding": 0},
    ]
    shop = (await levels(gql))["SHOP"]
    assert (shop["onHand"], shop["damaged"], shop["available"], shop["inTransit"]) == (4, 1, 3, 0)
    assert [(e["type"], e["reason"], e["location"]) for e in await events(gql)] == [
        ("RECEIVED", "RECEIVED", "WH"),
        ("TRANSFER_SHIPPED", "TRANSFER", "WH"),
        ("TRANSFER_SHIPPED", "TRANSFER", "SHOP"),
        ("TRANSFER_RECEIVED", "TRANSFER", "SHOP"),
        ("TRANSFER_RECEIVED", "TRANSFER", "SHOP"),
    ]
    assert {e["reference"] for e in (await events(gql))[1:]} == {transfer["id"]}
    await assert_ledger_replays(gql)


async def test_shipping_never_takes_units_held_at_the_source(warehouse):
    gql = warehouse
    await channel(gql, "web", ("WH",))
    hold = await gql(
        RESERVE,
        {"input": {"channel": "web", "orderRef": "o-1", "lines": [{"sku": "TEE", "quantity": 8}]}},
    )
    assert hold["reserveStock"]["userErrors"] == []
    transfer = await drafted(gql, [("TEE", 3)])
    before = await levels(gql)

    refused = await move(gql, "shipTransfer", transfer["id"])
    assert refused["transfer"] is None
    assert error_codes(refused) == [(None, "INSUFFICIENT_STOCK")]
    assert "3 requested but only 2 available" in refused["userErrors"][0]["message"]
    assert await levels(gql) == before
    found = await gql(f'{{ transfer(id: "{transfer["id"]}") {{ status }} }}')
    assert found["transfer"]["status"] == "DRAFT"

    accepted(await move(gql, "shipTransfer", (await drafted(gql, [("TEE", 2)]))["id"]), "transfer")
    wh = (await levels(gql))["WH"]
    assert (wh["onHand"], wh["reserved"], wh["available"]) == (8, 8, 0)
    await assert_ledger_replays(gql)


async def test_receiving_more_than_was_shipped_is_refused_and_changes_nothing(warehouse):
    gql = warehouse
    transfer = await shipped(gql, [("TEE", 4)])
    accepted(await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 3}]), "transfer")
    before = await levels(gql)
    refused = await receive_lines(
        gql, transfer["id"], [{"sku": "TEE", "received": 1, "damaged": 1}]
    )
    assert refused["transfer"] is None
    assert error_codes(refused) == [(("input", "lines", "0", "received"), "OVER_RECEIPT")]
    assert "only 1 outstanding" in refused["userErrors"][0]["message"]
    assert await levels(gql) == before


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
    transfer = await shipped(gql, [("TEE", 4)])
    refused = await receive_lines(gql, transfer["id"], receipt)
    assert error_codes(refused) == expected
    assert (await levels(gql))["SHOP"]["inTransit"] == 4


@pytest.mark.parametrize(
    ("lines", "fields", "expected"),
    [
        ([{"sku": "TEE", "quantity": 1}], {"to": "WH"}, [(("input", "to"), "SAME_LOCATION")]),
        (
            [{"sku": "TEE", "quantity": 0}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": -2}],
            {},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            [{"sku": "TEE", "quantity": 10**9 + 1}],
            {},
            [(("input", "lines", "0", "quantity"), "QUANTITY_TOO_LARGE")],
        ),
        (
            [{"sku": "TEE", "quantity": 1}, {"sku": "TEE", "quantity": 2}],
            {},
            [(("input", "lines", "1", "sku"), "INVALID_VALUE")],
        ),
        ([{"sku": "NOPE", "quantity": 1}], {}, [(("input", "lines", "0", "sku"), "SKU_NOT_FOUND")]),
        (
            [{"sku": "TEE", "quantity": 1}],
            {"from": "MOON"},
            [(("input", "from"), "LOCATION_NOT_FOUND")],
        ),
        (
            [{"sku": "TEE", "quantity": 1}],
            {"to": "MOON"},
            [(("input", "to"), "LOCATION_NOT_FOUND")],
        ),
        ([], {}, [(("input", "lines"), "INVALID_VALUE")]),
    ],
)
async def test_bad_transfers_are_refused_with_a_code_and_change_nothing(
    warehouse, lines, fields, expected
):
    gql = warehouse
    refused = await create(gql, lines, **fields)
    assert refused["transfer"] is None
    assert error_codes(refused) == expected
    assert (await gql(TRANSFERS, {"first": 10}))["transfers"]["edges"] == []


async def test_only_a_draft_is_cancelled_and_finished_transfers_take_nothing_more(warehouse):
    gql = warehouse
    draft = await drafted(gql, [("TEE", 1)])
    cancelled = accepted(await move(gql, "cancelTransfer", draft["id"]), "transfer")
    assert cancelled["status"] == "CANCELLED"
    for name in ("shipTransfer", "cancelTransfer"):
        refused = await move(gql, name, draft["id"])
        assert error_codes(refused) == [(("input", "id"), "INVALID_TRANSITION")]
        assert "it is CANCELLED" in refused["userErrors"][0]["message"]
    refused = await receive_lines(gql, draft["id"], [{"sku": "TEE", "received": 1}])
    assert error_codes(refused) == [(("input", "id"), "INVALID_TRANSITION")]

    unshipped = await drafted(gql, [("TEE", 1)])
    refused = await receive_lines(gql, unshipped["id"], [{"sku": "TEE", "received": 1}])
    assert "it is DRAFT" in refused["userErrors"][0]["message"]

    done = await shipped(gql, [("CAP", 2)])
    assert error_codes(await move(gql, "cancelTransfer", done["id"])) == [
        (("input", "id"), "INVALID_TRANSITION")
    ]
    assert error_codes(await move(gql, "shipTransfer", done["id"])) == [
        (("input", "id"), "INVALID_TRANSITION")
    ]
    await receive_lines(gql, done["id"], [{"sku": "CAP", "received": 2}])
    refused = await receive_lines(gql, done["id"], [{"sku": "CAP", "received": 1}])
    assert "it is RECEIVED" in refused["userErrors"][0]["message"]

    for name in ("shipTransfer", "cancelTransfer"):
        assert error_codes(await move(gql, name, "tr-unknown")) == [
            (("input", "id"), "TRANSFER_NOT_FOUND")
        ]
    assert (await gql('{ transfer(id: "tr-unknown") { id } }'))["transfer"] is None
    await assert_ledger_replays(gql)


async def test_replayed_transfer_commands_apply_once(warehouse):
    gql = warehouse
    transfer = await drafted(gql, [("TEE", 4)], idempotencyKey="move-1")
    again = await drafted(gql, [("TEE", 4)], idempotencyKey="move-1")
    assert again["id"] == transfer["id"]
    first = await move(gql, "shipTransfer", transfer["id"], idempotencyKey="ship-1")
    replay = await move(gql, "shipTransfer", transfer["id"], idempotencyKey="ship-1")
    assert replay["userErrors"] == [] and first["userErrors"] == []
    assert (await levels(gql))["WH"]["onHand"] == 6
    receipt = [{"sku": "TEE", "received": 2}]
    await receive_lines(gql, transfer["id"], receipt, idempotencyKey="arrival-1")
    replayed = await receive_lines(gql, transfer["id"], receipt, idempotencyKey="arrival-1")
    assert replayed["transfer"]["lines"][0]["received"] == 2
    assert (await levels(gql))["SHOP"]["onHand"] == 2
    other = await receive_lines(
        gql, transfer["id"], [{"sku": "TEE", "received": 1}], idempotencyKey="arrival-1"
    )
    assert error_codes(other) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    await assert_ledger_replays(gql)


async def test_transfers_are_listed_newest_first_by_status_location_and_page(warehouse):
    gql = warehouse
    await seed(gql, skus=(), locations=("OUTLET",))
    ids = [(await drafted(gql, [("TEE", 1)]))["id"] for _ in range(3)]
    to_outlet = await drafted(gql, [("TEE", 1)], to="OUTLET")
    await move(gql, "shipTransfer", ids[0])
    page = (await gql(TRANSFERS, {"first": 2}))["transfers"]
    assert [e["node"]["id"] for e in page["edges"]] == [to_outlet["id"], ids[2]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(TRANSFERS, {"first": 5, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["id"] for e in rest["transfers"]["edges"]] == [ids[1], ids[0]]
    in_transit = await gql(TRANSFERS, {"first": 5, "status": "IN_TRANSIT"})
    assert [e["node"]["id"] for e in in_transit["transfers"]["edges"]] == [ids[0]]
    outlet = await gql(TRANSFERS, {"first": 5, "location": "OUTLET"})
    assert [e["node"]["id"] for e in outlet["transfers"]["edges"]] == [to_outlet["id"]]
    one = await gql(f'{{ transfer(id: "{ids[1]}") {{ {TRANSFER_FIELDS} }} }}')
    assert one["transfer"]["lines"][0]["quantity"] == 1


async def test_a_shipped_transfer_promises_backorders_by_its_expected_date_and_fills_them(gql):
    await seed(gql, skus=("TEE",), locations=("WH", "SHOP"))
    await channel(gql, "web", ("SHOP",))
    await receive(gql, "TEE", "WH", 10)
    await listed(gql, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=5)
    transfer = await drafted(gql, [("TEE", 4)])
    assert (await shown(gql, "TEE"))["backorderable"] == 0  # a draft is not on its way

    accepted(await move(gql, "shipTransfer", transfer["id"]), "transfer")
    offered = await shown(gql, "TEE")
    assert (offered["backorderable"], offered["promisedAt"]) == (4, EARLY)
    reservation = await held(gql, 3)
    line = reservation["lines"][0]
    assert (line["location"], line["backordered"], line["promisedAt"]) == ("SHOP", 3, EARLY)

    accepted(await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 4}]), "transfer")
    found = await gql(
        f'{{ reservation(id: "{reservation["id"]}") {{ lines {{ reserved backordered }} }} }}'
    )
    assert found["reservation"]["lines"] == [{"reserved": 3, "backordered": 0}]
    shop = (await levels(gql))["SHOP"]
    assert (shop["onHand"], shop["reserved"], shop["backordered"], shop["available"]) == (
        4,
        3,
        0,
        1,
    )
    await assert_ledger_replays(gql)


async def test_a_short_transfer_receipt_leaves_promises_uncovered_and_raises_backorder_short(gql):
    await seed(gql, skus=("TEE",), locations=("WH", "SHOP"))
    await channel(gql, "web", ("SHOP",))
    await receive(gql, "TEE", "WH", 10)
    await listed(gql, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=5)
    transfer = await shipped(gql, [("TEE", 3)])
    reservation = await held(gql, 3)
    assert reservation["lines"][0]["backordered"] == 3

    accepted(
        await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 1, "damaged": 2}]),
        "transfer",
    )
    shop = (await levels(gql))["SHOP"]
    assert (shop["reserved"], shop["backordered"], shop["inTransit"], shop["damaged"]) == (
        1,
        2,
        0,
        2,
    )
    [alert] = (await gql(ALERTS, {"status": "OPEN"}))["alerts"]
    assert (alert["type"], alert["sku"], alert["details"]["promised"]) == (
        "BACKORDER_SHORT",
        "TEE",
        2,
    )
    await assert_ledger_replays(gql)


async def test_concurrent_ships_and_holds_on_the_last_units_never_oversell(warehouse):
    gql = warehouse
    await channel(gql, "web", ("WH",))
    transfers = [await drafted(gql, [("CAP", 1)]) for _ in range(10)]

    async def hold(i: int) -> dict[str, Any]:
        data = await gql(
            RESERVE,
            {
                "input": {
                    "channel": "web",
                    "orderRef": f"o-{i}",
                    "lines": [{"sku": "CAP", "quantity": 1}],
                }
            },
        )
        payload: dict[str, Any] = data["reserveStock"]
        return payload

    results = await asyncio.gather(
        *(move(gql, "shipTransfer", t["id"]) for t in transfers), *(hold(i) for i in range(10))
    )
    won = [r for r in results if r["userErrors"] == []]
    lost = [r for r in results if r["userErrors"] != []]
    assert len(won) == 4
    assert {e["code"] for r in lost for e in r["userErrors"]} == {"INSUFFICIENT_STOCK"}
    cap = await levels(gql, "CAP")
    shipped_units = cap.get("SHOP", {}).get("inTransit", 0)
    assert cap["WH"]["available"] == 0
    assert cap["WH"]["onHand"] + shipped_units == 4
    assert cap["WH"]["reserved"] + shipped_units == 4
    await assert_ledger_replays(gql)


@SQLITE
async def test_shipping_and_receiving_reach_ledger_subscribers(live_server):
    async with http(live_server) as gql:
        await seed(gql, skus=("TEE",), locations=("WH", "SHOP"))
        await receive(gql, "TEE", "WH", 5)
        transfer = await drafted(gql, [("TEE", 2)])
        async with connected(live_server) as client:
            await client.subscribe("1", EVENTS_FEED)
            await move(gql, "shipTransfer", transfer["id"])
            shipping = [r["stockEvents"] for r in await client.results(2)]
            assert sorted(
                (e["location"], e["delta"]["onHand"], e["delta"]["inTransit"]) for e in shipping
            ) == [
                ("SHOP", 0, 2),
                ("WH", -2, 0),
            ]
            await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 2}])
            [arrival] = await client.results(1)
            assert arrival["stockEvents"]["type"] == "TRANSFER_RECEIVED"

"""Channels, reservations, channel sales and alerts over HTTP, with their bad input."""

from __future__ import annotations

import pytest

from tests.api.stock_operations import RECEIVE, error_codes, seed

RESERVATION = "reservation { id status channel orderRef expiresAt lines { lineNumber sku location quantity reserved committed fulfilled oversold } }"
RESERVE = f"mutation($input: ReserveStockInput!) {{ reserveStock(input: $input) {{ {RESERVATION} userErrors {{ field message code }} }} }}"


def transition(name: str, input_type: str = "ReservationInput") -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {RESERVATION} userErrors {{ field message code }} }} }}"


async def channel(gql, code="web", locations=("WH",), **fields):
    extra = "".join(f", {k}: {v}" for k, v in fields.items())
    data = await gql(
        f'mutation {{ createChannel(input: {{code: "{code}", name: "{code}", kind: WEBSTORE{extra}}}) {{ channel {{ code }} userErrors {{ code }} }} }}'
    )
    assert data["createChannel"]["userErrors"] == []
    data = await gql(
        "mutation($input: SetChannelLocationsInput!) { setChannelLocations(input: $input) { channel { locations } userErrors { field code } } }",
        {"input": {"channel": code, "locations": list(locations)}},
    )
    return data["setChannelLocations"]


@pytest.fixture
async def shop(gql):
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    await channel(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
    return gql


def lines(*items):
    return [{"sku": sku, "quantity": quantity} for sku, quantity in items]


async def test_channels_are_created_listed_and_updated(shop):
    found = await shop(
        '{ channel(code: "web") { code kind status routingPolicy splitPolicy locations } }'
    )
    assert found["channel"] == {
        "code": "web",
        "kind": "WEBSTORE",
        "status": "ACTIVE",
        "routingPolicy": "PRIORITY",
        "splitPolicy": "NEVER",
        "locations": ["WH"],
    }
    updated = await shop(
        'mutation { updateChannel(input: {code: "web", status: PAUSED, routingPolicy: NEAREST, splitPolicy: ALLOWED}) { channel { status routingPolicy splitPolicy } userErrors { code } } }'
    )
    assert updated["updateChannel"]["channel"] == {
        "status": "PAUSED",
        "routingPolicy": "NEAREST",
        "splitPolicy": "ALLOWED",
    }
    assert [c["code"] for c in (await shop("{ channels { code } }"))["channels"]] == ["web"]


async def test_channel_input_problems(shop):
    duplicate = await shop(
        'mutation { createChannel(input: {code: "web", name: "x", kind: POS}) { userErrors { field code } } }'
    )
    assert duplicate["createChannel"]["userErrors"] == [
        {"field": ["input", "code"], "code": "DUPLICATE_CODE"}
    ]
    bad = await channel(shop, code="pos", locations=("WH", "NOWHERE"))
    assert bad["userErrors"] == [
        {"field": ["input", "locations", "1"], "code": "LOCATION_NOT_FOUND"}
    ]
    twice = await channel(shop, code="pos2", locations=("WH", "WH"))
    assert twice["userErrors"] == [{"field": ["input", "locations"], "code": "INVALID_VALUE"}]
    unknown = await shop(
        'mutation { updateChannel(input: {code: "nope"}) { userErrors { field code } } }'
    )
    assert unknown["updateChannel"]["userErrors"] == [
        {"field": ["input", "code"], "code": "CHANNEL_NOT_FOUND"}
    ]


async def test_a_checkout_holds_commits_and_ships(shop):
    held = (
        await shop(
            RESERVE,
            {"input": {"channel": "web", "orderRef": "order-1", "lines": lines(("TEE", 2))}},
        )
    )["reserveStock"]
    assert held["userErrors"] == []
    reservation = held["reservation"]
    assert reservation["status"] == "HELD"
    assert reservation["lines"] == [
        {
            "lineNumber": 0,
            "sku": "TEE",
            "location": "WH",
            "quantity": 2,
            "reserved": 2,
            "committed": 0,
            "fulfilled": 0,
            "oversold": 0,
        }
    ]
    committed = await shop(transition("commitReservation"), {"input": {"id": reservation["id"]}})
    assert committed["commitReservation"]["reservation"]["status"] == "COMMITTED"
    shipped = await shop(
        transition("fulfilReservation", "FulfilReservationInput"),
        {"input": {"id": reservation["id"], "lines": [{"sku": "TEE", "quantity": 2}]}},
    )
    assert shipped["fulfilReservation"]["reservation"]["status"] == "FULFILLED"
    levels = await shop(
        '{ stockLevels(sku: "TEE", location: "WH") { onHand reserved committed available } }'
    )
    assert levels["stockLevels"] == [{"onHand": 3, "reserved": 0, "committed": 0, "available": 3}]
    found = await shop(
        "query($id: ID!) { reservation(id: $id) { status } }", {"id": reservation["id"]}
    )
    assert found["reservation"]["status"] == "FULFILLED"
    listed = await shop(
        '{ reservations(channel: "web", orderRef: "order-1") { edges { node { id } } } }'
    )
    assert [e["node"]["id"] for e in listed["reservations"]["edges"]] == [reservation["id"]]


async def test_release_extend_and_cancel(shop):
    first = (
        await shop(
            RESERVE, {"input": {"channel": "web", "orderRef": "a", "lines": lines(("TEE", 1))}}
        )
    )["reserveStock"]["reservation"]
    extended = await shop(
        transition("extendReservation", "ExtendReservationInput"),
        {"input": {"id": first["id"], "holdSeconds": 3600}},
    )
    assert extended["extendReservation"]["reservation"]["expiresAt"] > first["expiresAt"]
    released = await shop(transition("releaseReservation"), {"input": {"id": first["id"]}})
    assert released["releaseReservation"]["reservation"]["status"] == "RELEASED"
    second = (
        await shop(
            RESERVE, {"input": {"channel": "web", "orderRef": "b", "lines": lines(("TEE", 5))}}
        )
    )["reserveStock"]["reservation"]
    await shop(transition("commitReservation"), {"input": {"id": second["id"]}})
    cancelled = await shop(transition("cancelReservation"), {"input": {"id": second["id"]}})
    assert cancelled["cancelReservation"]["reservation"]["status"] == "CANCELLED"
    held = await shop("{ reservations(status: HELD) { edges { node { id } } } }")
    assert held["reservations"]["edges"] == []


async def test_illegal_transitions_are_user_errors_that_name_the_state(shop):
    held = (
        await shop(
            RESERVE, {"input": {"channel": "web", "orderRef": "a", "lines": lines(("TEE", 1))}}
        )
    )["reserveStock"]["reservation"]
    refused = await shop(transition("cancelReservation"), {"input": {"id": held["id"]}})
    [error] = refused["cancelReservation"]["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", ["input", "id"])
    assert "HELD" in error["message"]
    await shop(transition("releaseReservation"), {"input": {"id": held["id"]}})
    again = await shop(transition("commitReservation"), {"input": {"id": held["id"]}})
    assert "RELEASED" in again["commitReservation"]["userErrors"][0]["message"]


async def test_a_replayed_reservation_returns_the_first_payload(shop):
    request = {
        "input": {
            "channel": "web",
            "orderRef": "a",
            "lines": lines(("TEE", 2)),
            "idempotencyKey": "checkout-a",
        }
    }
    first = await shop(RESERVE, request)
    again = await shop(RESERVE, request)
    assert again == first
    other = await shop(RESERVE, {"input": {**request["input"], "lines": lines(("TEE", 3))}})
    assert error_codes(other["reserveStock"]) == [
        (("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")
    ]
    levels = await shop('{ stockLevels(sku: "TEE") { reserved } }')
    assert levels["stockLevels"] == [{"reserved": 2}]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"channel": "nope"}, [(("input", "channel"), "CHANNEL_NOT_FOUND")]),
        ({"lines": lines(("NOPE", 1))}, [(("input", "lines", "0", "sku"), "SKU_NOT_FOUND")]),
        (
            {"lines": [{"sku": "TEE", "quantity": 1, "location": "NOWHERE"}]},
            [(("input", "lines", "0", "location"), "LOCATION_NOT_FOUND")],
        ),
        (
            {"lines": [{"sku": "TEE", "quantity": 1, "location": "SHOP"}]},
            [(("input", "lines", "0", "location"), "LOCATION_NOT_IN_CHANNEL")],
        ),
        ({"lines": lines(("TEE", 0))}, [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")]),
        (
            {"lines": lines(("TEE", -3))},
            [(("input", "lines", "0", "quantity"), "INVALID_QUANTITY")],
        ),
        (
            {"lines": lines(("TEE", 10**9 + 1))},
            [(("input", "lines", "0", "quantity"), "QUANTITY_TOO_LARGE")],
        ),
        (
            {"lines": lines(("TEE", 6))},
            [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")],
        ),
        (
            {"lines": lines(("CAP", 1))},
            [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")],
        ),
        ({"lines": []}, [(("input", "lines"), "INVALID_VALUE")]),
        ({"holdSeconds": 0}, [(("input", "holdSeconds"), "INVALID_VALUE")]),
        ({"holdSeconds": 10**8}, [(("input", "holdSeconds"), "INVALID_VALUE")]),
        ({"orderRef": ""}, [(("input", "orderRef"), "BLANK")]),
        ({"orderRef": "x" * 10_240}, [(("input", "orderRef"), "TOO_LONG")]),
    ],
)
async def test_bad_reservations_are_user_errors_and_change_nothing(shop, change, expected):
    data = await shop(
        RESERVE,
        {"input": {"channel": "web", "orderRef": "a", "lines": lines(("TEE", 1)), **change}},
    )
    assert data["reserveStock"]["reservation"] is None
    assert error_codes(data["reserveStock"]) == expected
    levels = await shop('{ stockLevels(sku: "TEE") { reserved } }')
    assert levels["stockLevels"] == [{"reserved": 0}]
    assert (await shop("{ reservations { edges { cursor } } }"))["reservations"]["edges"] == []


async def test_a_paused_channel_holds_nothing(shop):
    await shop(
        'mutation { updateChannel(input: {code: "web", status: PAUSED}) { userErrors { code } } }'
    )
    data = await shop(
        RESERVE, {"input": {"channel": "web", "orderRef": "a", "lines": lines(("TEE", 1))}}
    )
    assert error_codes(data["reserveStock"]) == [(("input", "channel"), "CHANNEL_PAUSED")]


async def test_unknown_reservation_ids_are_not_found(shop):
    for name in ["commitReservation", "releaseReservation", "cancelReservation"]:
        data = await shop(transition(name), {"input": {"id": "r-does-not-exist"}})
        assert error_codes(data[name]) == [(("input", "id"), "RESERVATION_NOT_FOUND")]
    assert (await shop('{ reservation(id: "nope") { id } }'))["reservation"] is None


async def test_a_partner_works_only_its_own_channel(shop):
    await channel(shop, code="amazon")
    created = await shop(
        'mutation { createApiKey(input: {name: "amz", role: PARTNER, channel: "amazon"}) { secret } }'
    )
    partner = shop.as_key(created["createApiKey"]["secret"])
    web_hold = (
        await shop(
            RESERVE, {"input": {"channel": "web", "orderRef": "w", "lines": lines(("TEE", 1))}}
        )
    )["reserveStock"]["reservation"]
    foreign = await partner(
        RESERVE, {"input": {"channel": "web", "orderRef": "x", "lines": lines(("TEE", 1))}}
    )
    assert error_codes(foreign["reserveStock"]) == [(None, "FORBIDDEN")]
    someone_elses = await partner(
        transition("commitReservation"), {"input": {"id": web_hold["id"]}}
    )
    assert error_codes(someone_elses["commitReservation"]) == [
        (("input", "id"), "RESERVATION_NOT_FOUND")
    ]
    assert (
        await partner("query($id: ID!) { reservation(id: $id) { id } }", {"id": web_hold["id"]})
    )["reservation"] is None
    own = await partner(
        RESERVE, {"input": {"channel": "amazon", "orderRef": "a-1", "lines": lines(("TEE", 1))}}
    )
    assert own["reserveStock"]["userErrors"] == []
    listed = await partner("{ reservations { edges { node { channel } } } }")
    assert {e["node"]["channel"] for e in listed["reservations"]["edges"]} == {"amazon"}
    assert [c["code"] for c in (await partner("{ channels { code } }"))["channels"]] == ["amazon"]


async def test_a_channel_sale_oversells_into_an_alert_that_can_be_worked(shop):
    sale = "mutation($input: RecordChannelSaleInput!) { recordChannelSale(input: $input) { reservation { status lines { committed oversold } } userErrors { field code } } }"
    data = await shop(
        sale, {"input": {"channel": "web", "orderRef": "m-1", "sku": "TEE", "quantity": 7}}
    )
    assert data["recordChannelSale"]["reservation"] == {
        "status": "COMMITTED",
        "lines": [{"committed": 5, "oversold": 2}],
    }
    [alert] = (await shop("{ alerts(status: OPEN) { id type sku channel details occurrences } }"))[
        "alerts"
    ]
    assert (alert["type"], alert["sku"], alert["channel"], alert["details"]["oversold"]) == (
        "OVERSELL",
        "TEE",
        "web",
        2,
    )
    acked = await shop(
        "mutation($id: ID!) { acknowledgeAlert(input: {id: $id}) { alert { status } } }",
        {"id": alert["id"]},
    )
    assert acked["acknowledgeAlert"]["alert"]["status"] == "ACKNOWLEDGED"
    resolved = await shop(
        "mutation($id: ID!) { resolveAlert(input: {id: $id}) { alert { status } } }",
        {"id": alert["id"]},
    )
    assert resolved["resolveAlert"]["alert"]["status"] == "RESOLVED"
    unmapped = await shop(
        sale,
        {"input": {"channel": "web", "orderRef": "m-2", "externalSku": "AMZ-123", "quantity": 1}},
    )
    assert error_codes(unmapped["recordChannelSale"]) == [
        (("input", "externalSku"), "UNMAPPED_SKU")
    ]
    types = {a["type"] for a in (await shop("{ alerts(status: OPEN) { type } }"))["alerts"]}
    assert types == {"UNMAPPED_SKU"}
    neither = await shop(sale, {"input": {"channel": "web", "orderRef": "m-3", "quantity": 1}})
    assert error_codes(neither["recordChannelSale"]) == [(("input", "sku"), "INVALID_VALUE")]
    missing = await shop(
        'mutation { resolveAlert(input: {id: "999999"}) { userErrors { field code } } }'
    )
    assert missing["resolveAlert"]["userErrors"] == [
        {"field": ["input", "id"], "code": "ALERT_NOT_FOUND"}
    ]


async def test_a_till_order_of_two_lines_ships_at_once_and_is_recorded_once(shop):
    sale = transition("recordChannelSale", "RecordChannelSaleInput")
    till = {
        "channel": "web",
        "orderRef": "till-1",
        "fulfilled": True,
        "lines": lines(("TEE", 2), ("CAP", 1)),
    }
    data = await shop(sale, {"input": till})
    reservation = data["recordChannelSale"]["reservation"]
    assert reservation["status"] == "FULFILLED"
    assert sorted((x["sku"], x["fulfilled"], x["oversold"]) for x in reservation["lines"]) == [
        ("CAP", 0, 1),
        ("TEE", 2, 0),
    ]
    again = await shop(sale, {"input": till})
    assert again["recordChannelSale"]["reservation"]["id"] == reservation["id"]
    other = await shop(sale, {"input": {**till, "lines": lines(("TEE", 3))}})
    assert error_codes(other["recordChannelSale"]) == [(("input", "orderRef"), "DUPLICATE_ORDER")]
    level = await shop('{ stockLevels(sku: "TEE", location: "WH") { onHand committed } }')
    assert level["stockLevels"] == [{"onHand": 3, "committed": 0}]


async def test_an_oversold_order_ships_short_once_its_missing_units_are_cancelled(shop):
    sale = transition("recordChannelSale", "RecordChannelSaleInput")
    data = await shop(
        sale, {"input": {"channel": "web", "orderRef": "amz-7", "lines": lines(("TEE", 7))}}
    )
    order = data["recordChannelSale"]["reservation"]
    commit = await shop(
        transition("commitReservation"), {"input": {"id": order["id"], "lines": lines(("TEE", 1))}}
    )
    assert error_codes(commit["commitReservation"]) == [(("input", "lines"), "INVALID_VALUE")]
    too_many = {"input": {"id": order["id"], "lines": lines(("TEE", 3))}}
    refused = await shop(transition("cancelReservation"), too_many)
    assert error_codes(refused["cancelReservation"]) == [
        (("input", "lines", "0", "quantity"), "INVALID_QUANTITY")
    ]
    short = {"input": {"id": order["id"], "lines": lines(("TEE", 2))}}
    cancelled = await shop(transition("cancelReservation"), short)
    reservation = cancelled["cancelReservation"]["reservation"]
    assert (reservation["status"], reservation["lines"][0]["oversold"]) == ("COMMITTED", 0)
    shipped = await shop(
        transition("fulfilReservation", "FulfilReservationInput"), {"input": {"id": order["id"]}}
    )
    assert shipped["fulfilReservation"]["reservation"]["status"] == "FULFILLED"
    alerts = await shop("{ alerts { type status } }")
    assert alerts["alerts"] == [{"type": "OVERSELL", "status": "RESOLVED"}]

"""Backorders over HTTP: a listing that allows them sells incoming units (purchase orders)
up to its limit, holds record them as backordered with the date they are due, arrivals turn
them into held or committed units, and letting a hold go frees its promise."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.purchase_order_helpers import close_order, order, receive_order
from tests.api.stock_operations import error_codes, seed
from tests.api.test_listings_api import ALERTS, AVAILABILITY_FIELDS, face, listed, receive
from tests.api.test_reservations_api import channel

EARLY = "2026-12-01T09:00:00+00:00"
LATE = "2026-12-15T09:00:00+00:00"
LINE_FIELDS = "sku location quantity reserved committed fulfilled backordered promisedAt"
RESERVE = f"""mutation($input: ReserveStockInput!) {{ reserveStock(input: $input) {{
  reservation {{ id status lines {{ {LINE_FIELDS} }} }} userErrors {{ field message code }} }} }}"""
LEVELS = """query($sku: String!) { stockLevels(sku: $sku) {
  location onHand available reserved committed onOrder backordered } }"""
LEDGER_CHECK = "{ ledgerCheck { ok } }"
RESERVATION = f"reservation {{ id status lines {{ {LINE_FIELDS} }} }} userErrors {{ code }}"


def transition(name: str, input_type: str = "ReservationInput") -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {RESERVATION} }} }}"


AVAILABILITY = f"""query($skus: [String!]!) {{
  availability(channel: "web", skus: $skus) {{ {AVAILABILITY_FIELDS} promisedAt }} }}"""


async def shown(gql, sku: str) -> dict[str, Any]:
    [found] = (await gql(AVAILABILITY, {"skus": [sku]}))["availability"]
    return found


async def hold(gql, quantity: int, sku: str = "TEE", **fields: Any) -> dict[str, Any]:
    data = await gql(
        RESERVE,
        {
            "input": {
                "channel": "web",
                "orderRef": f"order-{quantity}",
                "lines": [{"sku": sku, "quantity": quantity}],
                **fields,
            }
        },
    )
    return data["reserveStock"]


async def held(gql, quantity: int, sku: str = "TEE") -> dict[str, Any]:
    payload = await hold(gql, quantity, sku)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["reservation"]


async def move(gql, name: str, reservation_id: str) -> dict[str, Any]:
    input_type = "FulfilReservationInput" if name == "fulfilReservation" else "ReservationInput"
    data = await gql(transition(name, input_type), {"input": {"id": reservation_id}})
    assert data[name]["userErrors"] == [], data[name]["userErrors"]
    return data[name]["reservation"]


async def levels(gql, sku: str = "TEE") -> dict[str, dict[str, Any]]:
    return {lv["location"]: lv for lv in (await gql(LEVELS, {"sku": sku}))["stockLevels"]}


async def assert_ledger_replays(gql) -> None:
    assert (await gql(LEDGER_CHECK))["ledgerCheck"]["ok"] is True


@pytest.fixture
async def web(gql):
    """Channel web sells from WH; TEE has 2 on hand and may be backordered up to 5."""
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    assert (await channel(gql, "web", ("WH",)))["userErrors"] == []
    await receive(gql, "TEE", "WH", 2)
    await listed(gql, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=5)
    return gql


async def test_a_listing_offers_incoming_units_up_to_its_limit_with_their_due_date(web):
    assert face(await shown(web, "TEE")) == (2, "IN_STOCK")
    await order(web, [("TEE", 10)], EARLY)
    available = await shown(web, "TEE")
    assert (available["published"], available["sellable"], available["backorderable"]) == (7, 2, 5)
    assert available["promisedAt"] == EARLY


async def test_a_hold_beyond_stock_on_hand_is_backordered_with_its_promise_date(web):
    await order(web, [("TEE", 10)], EARLY)
    reservation = await held(web, 4)
    assert reservation["lines"] == [
        {
            "sku": "TEE",
            "location": "WH",
            "quantity": 4,
            "reserved": 2,
            "committed": 0,
            "fulfilled": 0,
            "backordered": 2,
            "promisedAt": EARLY,
        }
    ]
    wh = (await levels(web))["WH"]
    assert (wh["reserved"], wh["available"], wh["onOrder"], wh["backordered"]) == (2, 0, 10, 2)
    after = await shown(web, "TEE")
    assert (after["published"], after["status"], after["backorderable"]) == (3, "BACKORDER", 3)
    await assert_ledger_replays(web)


async def test_holds_cannot_exceed_the_backorder_limit(web):
    await order(web, [("TEE", 10)], EARLY)
    await held(web, 5)
    refused = await hold(web, 3)
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    assert "only 2 published" in refused["userErrors"][0]["message"]
    assert (await levels(web))["WH"]["backordered"] == 3
    await held(web, 2)
    assert face(await shown(web, "TEE")) == (0, "OUT_OF_STOCK")


async def test_without_incoming_stock_nothing_is_backordered(web):
    refused = await hold(web, 3)
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    assert (await levels(web))["WH"]["reserved"] == 0


async def test_a_listing_without_backorders_never_promises_incoming_units(web):
    await listed(web, "CAP", "WEB-CAP")
    await order(web, [("CAP", 10)], EARLY)
    assert face(await shown(web, "CAP")) == (0, "OUT_OF_STOCK")
    refused = await hold(web, 1, "CAP")
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]


async def test_promises_follow_the_order_in_which_incoming_units_are_due(web):
    await listed(web, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=20)
    await order(web, [("TEE", 3)], EARLY)
    await order(web, [("TEE", 10)], LATE)
    first = await held(web, 4)  # 2 on hand, 2 of the 3 due early
    assert (first["lines"][0]["backordered"], first["lines"][0]["promisedAt"]) == (2, EARLY)
    assert (await shown(web, "TEE"))["promisedAt"] == EARLY  # one early unit is left
    second = await held(web, 2)  # the last early unit and one late one
    assert (second["lines"][0]["backordered"], second["lines"][0]["promisedAt"]) == (2, LATE)
    assert (await shown(web, "TEE"))["promisedAt"] == LATE


async def test_releasing_or_cancelling_lets_the_promise_go(web):
    await order(web, [("TEE", 10)], EARLY)
    released = await move(web, "releaseReservation", (await held(web, 5))["id"])
    assert released["lines"][0]["backordered"] == 0
    assert (await levels(web))["WH"]["backordered"] == 0
    assert face(await shown(web, "TEE")) == (7, "IN_STOCK")

    committed = await move(web, "commitReservation", (await held(web, 6))["id"])
    assert (committed["lines"][0]["committed"], committed["lines"][0]["backordered"]) == (2, 4)
    wh = (await levels(web))["WH"]
    assert (wh["committed"], wh["backordered"]) == (2, 4)
    cancelled = await move(web, "cancelReservation", committed["id"])
    assert cancelled["lines"][0]["backordered"] == 0
    wh = (await levels(web))["WH"]
    assert (wh["committed"], wh["backordered"], wh["available"]) == (0, 0, 2)
    await assert_ledger_replays(web)


async def test_arriving_units_fill_waiting_holds_and_orders_oldest_first(web):
    await listed(web, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=20)
    po = await order(web, [("TEE", 10)], EARLY)
    first = await held(web, 5)  # 2 reserved, 3 backordered
    ordered = await move(web, "commitReservation", first["id"])
    second = await held(web, 4)  # all backordered
    assert second["lines"][0]["backordered"] == 4

    await receive_order(web, po["id"], [("TEE", 5, 0)])
    one = await web(f'{{ reservation(id: "{first["id"]}") {{ lines {{ {LINE_FIELDS} }} }} }}')
    two = await web(f'{{ reservation(id: "{second["id"]}") {{ lines {{ {LINE_FIELDS} }} }} }}')
    assert (
        one["reservation"]["lines"][0]["committed"],
        one["reservation"]["lines"][0]["backordered"],
    ) == (5, 0)
    assert (
        two["reservation"]["lines"][0]["reserved"],
        two["reservation"]["lines"][0]["backordered"],
    ) == (2, 2)
    wh = (await levels(web))["WH"]
    assert (wh["onHand"], wh["committed"], wh["reserved"], wh["backordered"], wh["available"]) == (
        7,
        5,
        2,
        2,
        0,
    )
    assert ordered["status"] == "COMMITTED"
    await assert_ledger_replays(web)


async def test_an_order_ships_only_once_its_backordered_units_arrived(web):
    po = await order(web, [("TEE", 10)], EARLY)
    committed = await move(web, "commitReservation", (await held(web, 4))["id"])
    partly = await move(web, "fulfilReservation", committed["id"])
    assert partly["status"] == "COMMITTED"
    assert (partly["lines"][0]["fulfilled"], partly["lines"][0]["backordered"]) == (2, 2)
    await receive_order(web, po["id"], [("TEE", 2, 0)])
    shipped = await web(
        transition("fulfilReservation", "FulfilReservationInput"),
        {"input": {"id": committed["id"]}},
    )
    assert shipped["fulfilReservation"]["reservation"]["status"] == "FULFILLED"
    await assert_ledger_replays(web)


async def test_a_short_delivery_or_a_closed_order_that_breaks_promises_raises_an_alert(web):
    po = await order(web, [("TEE", 5)], EARLY)
    await held(web, 6)  # 2 reserved, 4 backordered against 5 on order
    await receive_order(web, po["id"], [("TEE", 0, 3)])  # 3 arrive damaged: 2 still on order
    alerts = (await web(ALERTS, {"status": "OPEN"}))["alerts"]
    [short] = [a for a in alerts if a["type"] == "BACKORDER_SHORT"]
    assert short["sku"] == "TEE"
    assert short["details"] == {"location": "WH", "promised": 4, "incoming": 2}
    assert face(await shown(web, "TEE")) == (0, "OUT_OF_STOCK")

    await close_order(web, po["id"])
    [short] = [
        a
        for a in (await web(ALERTS, {"status": "OPEN"}))["alerts"]
        if a["type"] == "BACKORDER_SHORT"
    ]
    assert short["details"]["incoming"] == 0
    assert short["occurrences"] == 2
    await assert_ledger_replays(web)

"""Reorder points over HTTP: a LOW_STOCK alert opens once when available falls to the reorder
point and resolves when stock is back above it; sales velocity, days of stock and reorder
suggestions against numbers worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.purchase_order_helpers import order
from tests.api.stock_operations import ADJUST, error_codes, seed
from tests.api.test_listings_api import receive
from tests.api.test_reservations_api import channel

ERRORS = "userErrors { field message code }"
SET_POLICY = f"""mutation($input: SetReorderPolicyInput!) {{ setReorderPolicy(input: $input) {{
  reorderPolicy {{ sku location reorderPoint leadTimeDays safetyStock }} {ERRORS} }} }}"""
REMOVE_POLICY = f"""mutation($input: RemoveReorderPolicyInput!) {{
  removeReorderPolicy(input: $input) {{ reorderPolicy {{ sku location }} {ERRORS} }} }}"""
POLICIES = "{ reorderPolicies { sku location reorderPoint leadTimeDays safetyStock } }"
ALERTS = "{ alerts { id type status sku message details occurrences } }"
RESERVE = f"""mutation($input: ReserveStockInput!) {{ reserveStock(input: $input) {{
  reservation {{ id }} {ERRORS} }} }}"""
COMMIT = f"""mutation($input: ReservationInput!) {{ commitReservation(input: $input) {{
  reservation {{ status }} {ERRORS} }} }}"""
RELEASE = f"""mutation($input: ReservationInput!) {{ releaseReservation(input: $input) {{
  reservation {{ status }} {ERRORS} }} }}"""
SALE = f"""mutation($input: RecordChannelSaleInput!) {{ recordChannelSale(input: $input) {{
  reservation {{ status }} {ERRORS} }} }}"""
VELOCITY = """query($sku: String!, $windowDays: Int!, $location: String) {
  salesVelocity(sku: $sku, windowDays: $windowDays, location: $location) {
    sku location windowDays unitsSold unitsPerDay available daysOfStock } }"""
SUGGESTIONS = """query($location: String, $windowDays: Int!) {
  reorderSuggestions(location: $location, windowDays: $windowDays) {
    sku location available onOrder inTransit backordered unitsSold unitsPerDay daysOfStock
    reorderPoint leadTimeDays safetyStock belowReorderPoint cover suggestedQuantity } }"""
LEDGER_CHECK = "{ ledgerCheck { ok } }"


async def set_policy(gql, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql(SET_POLICY, {"input": fields}))["setReorderPolicy"]
    return payload


async def low_stock(gql) -> list[dict[str, Any]]:
    return [a for a in (await gql(ALERTS))["alerts"] if a["type"] == "LOW_STOCK"]


async def hold(gql, quantity: int, sku: str = "TEE", order_ref: str = "o-1") -> str:
    payload = (
        await gql(
            RESERVE,
            {
                "input": {
                    "channel": "web",
                    "orderRef": order_ref,
                    "lines": [{"sku": sku, "quantity": quantity}],
                }
            },
        )
    )["reserveStock"]
    assert payload["userErrors"] == [], payload["userErrors"]
    reservation_id: str = payload["reservation"]["id"]
    return reservation_id


async def sell(gql, quantity: int, sku: str = "TEE", order_ref: str = "s-1") -> None:
    payload = (
        await gql(
            SALE,
            {"input": {"channel": "web", "orderRef": order_ref, "sku": sku, "quantity": quantity}},
        )
    )["recordChannelSale"]
    assert payload["userErrors"] == [], payload["userErrors"]


async def transition(gql, document: str, name: str, reservation_id: str) -> None:
    payload = (await gql(document, {"input": {"id": reservation_id}}))[name]
    assert payload["userErrors"] == [], payload["userErrors"]


@pytest.fixture
async def shop(gql):
    """`web` sells TEE from WH; TEE has 10 units at WH."""
    await seed(gql, skus=("TEE", "CAP", "KIT"), locations=("WH", "SHOP"))
    assert (await channel(gql, "web", ("WH",)))["userErrors"] == []
    await receive(gql, "TEE", "WH", 10)
    return gql


async def test_a_low_stock_alert_opens_once_and_resolves_when_stock_is_back_above(shop):
    gql = shop
    policy = await set_policy(gql, sku="TEE", reorderPoint=5, leadTimeDays=7)
    assert policy["reorderPolicy"] == {
        "sku": "TEE",
        "location": None,
        "reorderPoint": 5,
        "leadTimeDays": 7,
        "safetyStock": 0,
    }
    assert await low_stock(gql) == []  # 10 available: above the reorder point
    await hold(gql, 4)
    assert await low_stock(gql) == []  # 6 available
    await hold(gql, 1, order_ref="o-2")  # 5 available: at the reorder point
    [alert] = await low_stock(gql)
    assert (alert["status"], alert["sku"], alert["occurrences"]) == ("OPEN", "TEE", 1)
    assert alert["details"] == {"location": None, "available": 5, "reorderPoint": 5}
    await sell(gql, 2)  # still low: the same alert, no new one
    assert [(a["id"], a["occurrences"]) for a in await low_stock(gql)] == [(alert["id"], 1)]
    await receive(gql, "TEE", "SHOP", 3)  # 6 over every location: above again
    [resolved] = await low_stock(gql)
    assert (resolved["id"], resolved["status"]) == (alert["id"], "RESOLVED")
    await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "SHOP", "quantity": 1, "reason": "THEFT"}}
    )
    again = await low_stock(gql)
    assert [a["status"] for a in again] == ["OPEN", "RESOLVED"]  # a new alert, newest first
    assert again[0]["id"] != alert["id"]
    assert (await gql(LEDGER_CHECK))["ledgerCheck"]["ok"] is True


async def test_a_location_policy_watches_that_location_only(shop):
    gql = shop
    await receive(gql, "TEE", "SHOP", 3)
    await set_policy(gql, sku="TEE", location="SHOP", reorderPoint=2, leadTimeDays=3)
    await hold(gql, 9)  # at WH: the SHOP policy does not care
    assert await low_stock(gql) == []
    await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "SHOP", "quantity": 1, "reason": "THEFT"}}
    )
    [alert] = await low_stock(gql)
    assert alert["details"] == {"location": "SHOP", "available": 2, "reorderPoint": 2}
    assert alert["message"] == "2 of TEE available at SHOP, at or below its reorder point of 2"


async def test_a_policy_set_below_the_stock_alerts_at_once_and_removing_it_resolves(shop):
    gql = shop
    await set_policy(gql, sku="TEE", reorderPoint=10, leadTimeDays=7)
    [alert] = await low_stock(gql)
    assert alert["status"] == "OPEN"
    await set_policy(gql, sku="TEE", reorderPoint=12, leadTimeDays=7)  # still low: one alert
    assert len(await low_stock(gql)) == 1
    assert (await gql(POLICIES))["reorderPolicies"] == [
        {"sku": "TEE", "location": None, "reorderPoint": 12, "leadTimeDays": 7, "safetyStock": 0}
    ]
    removed = (await gql(REMOVE_POLICY, {"input": {"sku": "TEE"}}))["removeReorderPolicy"]
    assert removed == {"reorderPolicy": {"sku": "TEE", "location": None}, "userErrors": []}
    [resolved] = await low_stock(gql)
    assert resolved["status"] == "RESOLVED"
    assert (await gql(POLICIES))["reorderPolicies"] == []


async def test_bad_policies_are_refused_and_change_nothing(shop):
    gql = shop
    bad = await set_policy(gql, sku="TEE", reorderPoint=-1, leadTimeDays=400, safetyStock=-2)
    assert error_codes(bad) == [
        (("input", "reorderPoint"), "INVALID_QUANTITY"),
        (("input", "leadTimeDays"), "INVALID_VALUE"),
        (("input", "safetyStock"), "INVALID_QUANTITY"),
    ]
    unknown = await set_policy(gql, sku="NOPE", reorderPoint=1, leadTimeDays=1)
    assert error_codes(unknown) == [(("input", "sku"), "SKU_NOT_FOUND")]
    nowhere = await set_policy(gql, sku="TEE", location="NOWHERE", reorderPoint=1, leadTimeDays=1)
    assert error_codes(nowhere) == [(("input", "location"), "LOCATION_NOT_FOUND")]
    await gql(
        'mutation { setBundleComponents(input: {sku: "KIT", components: [{sku: "TEE", quantity: 2}]}) { userErrors { code } } }'
    )
    bundle = await set_policy(gql, sku="KIT", reorderPoint=1, leadTimeDays=1)
    assert error_codes(bundle) == [(("input", "sku"), "SKU_IS_BUNDLE")]
    missing = (await gql(REMOVE_POLICY, {"input": {"sku": "TEE", "location": "WH"}}))[
        "removeReorderPolicy"
    ]
    assert error_codes(missing) == [(("input", "sku"), "REORDER_POLICY_NOT_FOUND")]
    assert (await gql(POLICIES))["reorderPolicies"] == []


async def test_velocity_days_of_stock_and_suggestions_match_the_hand_computed_numbers(shop):
    gql = shop
    await receive(gql, "TEE", "WH", 20)  # 30 at WH
    await sell(gql, 12)  # SOLD: 12 units promised to an order
    committed = await hold(gql, 6, order_ref="o-2")
    await transition(gql, COMMIT, "commitReservation", committed)  # COMMITTED: 6 more
    released = await hold(gql, 5, order_ref="o-3")
    await transition(gql, RELEASE, "releaseReservation", released)  # never ordered: not sold
    await order(gql, [("TEE", 5)], "2026-12-01T09:00:00+00:00")  # 5 on order
    velocity = (await gql(VELOCITY, {"sku": "TEE", "windowDays": 30}))["salesVelocity"]
    assert velocity == {
        "sku": "TEE",
        "location": None,
        "windowDays": 30,
        "unitsSold": 18,
        "unitsPerDay": 0.6,
        "available": 12,
        "daysOfStock": 20.0,  # 12 / 0.6
    }
    await set_policy(gql, sku="TEE", reorderPoint=15, leadTimeDays=45, safetyStock=3)
    [row] = (await gql(SUGGESTIONS, {"windowDays": 30}))["reorderSuggestions"]
    # cover = ceil(18 * 45 / 30) + 3 = 30; position = 12 + 5 = 17; 30 - 17 = 13
    assert row == {
        "sku": "TEE",
        "location": None,
        "available": 12,
        "onOrder": 5,
        "inTransit": 0,
        "backordered": 0,
        "unitsSold": 18,
        "unitsPerDay": 0.6,
        "daysOfStock": 20.0,
        "reorderPoint": 15,
        "leadTimeDays": 45,
        "safetyStock": 3,
        "belowReorderPoint": True,
        "cover": 30,
        "suggestedQuantity": 13,
    }
    [weekly] = (await gql(SUGGESTIONS, {"windowDays": 7}))["reorderSuggestions"]
    # ceil(18 * 45 / 7) = ceil(115.71) = 116; + 3 = 119; 119 - 17 = 102
    assert (weekly["cover"], weekly["suggestedQuantity"]) == (119, 102)
    [at_shop] = (await gql(SUGGESTIONS, {"location": "SHOP", "windowDays": 30}))[
        "reorderSuggestions"
    ]
    # SHOP has no stock and sold nothing: the policy for every location applies there.
    assert (at_shop["location"], at_shop["available"], at_shop["unitsSold"]) == ("SHOP", 0, 0)
    assert (at_shop["cover"], at_shop["suggestedQuantity"]) == (3, 3)


async def test_a_velocity_window_outside_one_to_365_days_is_an_error(shop):
    response = await shop.post(VELOCITY, {"sku": "TEE", "windowDays": 0})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_VALUE"

"""Bundles and kits over HTTP: a bundle publishes the whole sets its components make, holds
and sales take its components (a bundle and a component in one cart never count the same
unit twice), a component's change republishes the bundle, a bundle has no stock of its own,
and a bundle never contains itself. The ledger replays to the counters after every flow."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.purchase_order_helpers import CREATE as CREATE_ORDER
from tests.api.stock_operations import RECEIVE, error_codes, seed
from tests.api.test_listings_api import listed, receive, shown, upsert
from tests.api.test_reservations_api import channel

ERRORS = "userErrors { field message code }"
SET_COMPONENTS = f"""mutation($input: SetBundleComponentsInput!) {{
  setBundleComponents(input: $input) {{
    sku {{ code isBundle components {{ sku quantity }} }} {ERRORS} }} }}"""
SKU = """query($code: String!) { sku(code: $code) {
  isBundle components { sku quantity } bundleStock { location available } } }"""
RESERVATION = """reservation { id status lines { lineNumber sku location quantity reserved
  committed oversold } bundles { lineNumber sku quantity } }"""
RESERVE = f"""mutation($input: ReserveStockInput!) {{ reserveStock(input: $input) {{
  {RESERVATION} {ERRORS} }} }}"""
COMMIT = f"""mutation($input: ReservationInput!) {{ commitReservation(input: $input) {{
  {RESERVATION} {ERRORS} }} }}"""
SALE = f"""mutation($input: RecordChannelSaleInput!) {{ recordChannelSale(input: $input) {{
  {RESERVATION} {ERRORS} }} }}"""
LEVELS = """query($sku: String!) { stockLevels(sku: $sku) {
  location onHand available reserved committed } }"""
OVERSELLS = "{ alerts(status: OPEN) { type sku details } }"
LEDGER_CHECK = "{ ledgerCheck { ok discrepancies { sku location } } }"


async def set_components(gql, sku: str, *components: tuple[str, int]) -> dict[str, Any]:
    data = await gql(
        SET_COMPONENTS,
        {"input": {"sku": sku, "components": [{"sku": s, "quantity": q} for s, q in components]}},
    )
    payload: dict[str, Any] = data["setBundleComponents"]
    return payload


async def bundle(gql, sku: str, *components: tuple[str, int]) -> None:
    payload = await set_components(gql, sku, *components)
    assert payload["userErrors"] == [], payload["userErrors"]


async def reserve(gql, *lines: tuple[str, int], order: str = "order-1") -> dict[str, Any]:
    data = await gql(
        RESERVE,
        {
            "input": {
                "channel": "web",
                "orderRef": order,
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            }
        },
    )
    payload: dict[str, Any] = data["reserveStock"]
    return payload


async def levels(gql, sku: str) -> dict[str, tuple[int, int, int]]:
    found = (await gql(LEVELS, {"sku": sku}))["stockLevels"]
    return {lv["location"]: (lv["available"], lv["reserved"], lv["committed"]) for lv in found}


async def assert_ledger_replays(gql) -> None:
    assert (await gql(LEDGER_CHECK))["ledgerCheck"] == {"ok": True, "discrepancies": []}


@pytest.fixture
async def kit(gql):
    """KIT = 2 TEE + 1 CAP, listed on `web` (WH and SHOP); 7 TEE and 5 CAP at WH."""
    await seed(gql, skus=("TEE", "CAP", "MUG", "KIT", "GIFT"), locations=("WH", "SHOP"))
    assert (await channel(gql, "web", ("WH", "SHOP")))["userErrors"] == []
    await receive(gql, "TEE", "WH", 7)
    await receive(gql, "CAP", "WH", 5)
    await bundle(gql, "KIT", ("TEE", 2), ("CAP", 1))
    await listed(gql, "KIT", "W-KIT")
    await listed(gql, "TEE", "W-TEE")
    return gql


async def test_a_bundle_publishes_the_whole_sets_its_components_make(kit):
    gql = kit
    assert (await shown(gql, "KIT"))["published"] == 3  # min(7 // 2, 5 // 1)
    await receive(gql, "TEE", "SHOP", 1)
    assert (await shown(gql, "KIT"))["published"] == 4  # the channel's pool: 8 TEE, 5 CAP
    sku = (await gql(SKU, {"code": "KIT"}))["sku"]
    assert sku["isBundle"] is True
    assert sku["components"] == [{"sku": "CAP", "quantity": 1}, {"sku": "TEE", "quantity": 2}]
    # At one location the sets are made of that location's units only.
    assert sorted((b["location"], b["available"]) for b in sku["bundleStock"]) == [
        ("SHOP", 0),
        ("WH", 3),
    ]
    plain = (await gql(SKU, {"code": "TEE"}))["sku"]
    assert (plain["isBundle"], plain["components"], plain["bundleStock"]) == (False, [], [])


async def test_a_component_receipt_republishes_the_bundle_with_a_new_version(kit):
    gql = kit
    before = await shown(gql, "KIT")
    await receive(gql, "CAP", "WH", 10)  # TEE is the short component: nothing changes
    assert await shown(gql, "KIT") == before
    await receive(gql, "TEE", "WH", 3)
    after = await shown(gql, "KIT")
    assert (after["published"], after["version"]) == (5, before["version"] + 1)


async def test_a_nested_bundle_counts_every_unit_of_its_leaves(kit):
    gql = kit
    await bundle(gql, "GIFT", ("KIT", 1), ("TEE", 1))  # 3 TEE and 1 CAP a gift
    await listed(gql, "GIFT", "W-GIFT")
    assert (await shown(gql, "GIFT"))["published"] == 2
    await receive(gql, "TEE", "WH", 2)  # 9 TEE: 3 gifts, and the gift is republished
    assert (await shown(gql, "GIFT"))["published"] == 3
    held = await reserve(gql, ("GIFT", 1))
    assert held["userErrors"] == []
    assert sorted((x["sku"], x["quantity"]) for x in held["reservation"]["lines"]) == [
        ("CAP", 1),
        ("TEE", 3),
    ]
    await assert_ledger_replays(gql)


async def test_reserving_a_bundle_holds_its_components_under_the_bundle_line(kit):
    gql = kit
    await seed(gql, skus=("SOCK",))
    await receive(gql, "SOCK", "WH", 4)
    held = await reserve(gql, ("SOCK", 1), ("KIT", 2))
    assert held["userErrors"] == []
    reservation = held["reservation"]
    assert reservation["bundles"] == [{"lineNumber": 1, "sku": "KIT", "quantity": 2}]
    assert [
        (x["lineNumber"], x["sku"], x["location"], x["reserved"]) for x in reservation["lines"]
    ] == [
        (0, "SOCK", "WH", 1),
        (1, "TEE", "WH", 4),
        (1, "CAP", "WH", 2),
    ]
    assert await levels(gql, "TEE") == {"WH": (3, 4, 0)}
    assert await levels(gql, "CAP") == {"WH": (3, 2, 0)}
    assert (await shown(gql, "KIT"))["published"] == 1
    committed = (await gql(COMMIT, {"input": {"id": reservation["id"]}}))["commitReservation"]
    assert committed["reservation"]["status"] == "COMMITTED"
    assert committed["reservation"]["bundles"] == reservation["bundles"]
    assert await levels(gql, "TEE") == {"WH": (3, 0, 4)}
    await assert_ledger_replays(gql)


async def test_a_bundle_and_its_component_in_one_cart_cannot_take_the_same_unit_twice(kit):
    gql = kit
    # Each line alone fits (3 kits published, 7 TEE), but together they need 8 TEE of 7.
    refused = await reserve(gql, ("KIT", 3), ("TEE", 2))
    assert refused["reservation"] is None
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    assert "left after the request's other lines" in refused["userErrors"][0]["message"]
    assert await levels(gql, "TEE") == {"WH": (7, 0, 0)}
    held = await reserve(gql, ("KIT", 3), ("TEE", 1))
    assert held["userErrors"] == []
    assert await levels(gql, "TEE") == {"WH": (0, 7, 0)}
    assert (await shown(gql, "KIT"))["published"] == 0
    await assert_ledger_replays(gql)


async def test_a_bundle_beyond_what_its_listing_publishes_is_refused(kit):
    gql = kit
    await listed(gql, "KIT", "W-KIT", safetyUnits=1)
    assert (await shown(gql, "KIT"))["published"] == 2
    refused = await reserve(gql, ("KIT", 3))
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    assert "3 requested but only 2 published" in refused["userErrors"][0]["message"]


async def test_a_channel_sale_of_a_bundle_commits_its_components_and_records_the_shortfall(kit):
    gql = kit
    data = await gql(
        SALE, {"input": {"channel": "web", "orderRef": "pos-1", "sku": "KIT", "quantity": 4}}
    )
    sale = data["recordChannelSale"]
    assert sale["userErrors"] == []
    lines = {x["sku"]: (x["committed"], x["oversold"]) for x in sale["reservation"]["lines"]}
    assert lines == {"TEE": (7, 1), "CAP": (4, 0)}  # 8 TEE needed, 7 there
    assert sale["reservation"]["bundles"] == [{"lineNumber": 0, "sku": "KIT", "quantity": 4}]
    [alert] = (await gql(OVERSELLS))["alerts"]
    assert (alert["type"], alert["sku"], alert["details"]["oversold"]) == ("OVERSELL", "KIT", 1)
    await assert_ledger_replays(gql)


async def test_a_bundle_has_no_stock_of_its_own(kit):
    gql = kit
    received = await gql(RECEIVE, {"input": {"sku": "KIT", "location": "WH", "quantity": 1}})
    assert error_codes(received["receiveStock"]) == [(("input", "sku"), "SKU_IS_BUNDLE")]
    ordered = await gql(
        CREATE_ORDER,
        {
            "input": {
                "supplier": "Acme",
                "location": "WH",
                "expectedAt": "2026-12-01T09:00:00Z",
                "lines": [{"sku": "KIT", "quantity": 5}],
            }
        },
    )
    assert error_codes(ordered["createPurchaseOrder"]) == [
        (("input", "lines", "0", "sku"), "SKU_IS_BUNDLE")
    ]
    backordering = await upsert(gql, "KIT", "W-KIT", allowBackorder=True, backorderLimit=5)
    assert error_codes(backordering) == [(("input", "allowBackorder"), "SKU_IS_BUNDLE")]
    # A SKU with stock of its own cannot become a bundle.
    stocked = await set_components(gql, "TEE", ("MUG", 1))
    assert error_codes(stocked) == [(("input", "sku"), "SKU_HAS_STOCK")]
    assert (await gql(SKU, {"code": "TEE"}))["sku"]["isBundle"] is False
    await assert_ledger_replays(gql)


async def test_a_bundle_never_contains_itself(kit):
    gql = kit
    await bundle(gql, "GIFT", ("KIT", 1), ("MUG", 1))
    through = await set_components(gql, "KIT", ("GIFT", 1))
    assert error_codes(through) == [(("input", "components"), "BUNDLE_CYCLE")]
    assert through["userErrors"][0]["message"] == (
        "KIT would contain itself: KIT contains GIFT contains KIT"
    )
    directly = await set_components(gql, "KIT", ("TEE", 1), ("KIT", 1))
    assert error_codes(directly) == [(("input", "components", "1", "sku"), "BUNDLE_CYCLE")]
    sku = (await gql(SKU, {"code": "KIT"}))["sku"]
    assert sku["components"] == [{"sku": "CAP", "quantity": 1}, {"sku": "TEE", "quantity": 2}]


async def test_bad_components_are_refused_and_change_nothing(kit):
    gql = kit
    bad = await set_components(gql, "KIT", ("TEE", 0), ("NOPE", 1), ("CAP", 1), ("CAP", 2))
    assert error_codes(bad) == [
        (("input", "components", "0", "quantity"), "INVALID_QUANTITY"),
        (("input", "components", "3", "sku"), "INVALID_VALUE"),
    ]
    unknown = await set_components(gql, "KIT", ("NOPE", 1))
    assert error_codes(unknown) == [(("input", "components", "0", "sku"), "SKU_NOT_FOUND")]
    huge = await set_components(gql, "KIT", ("TEE", 2_000_000_000))
    assert error_codes(huge) == [(("input", "components", "0", "quantity"), "QUANTITY_TOO_LARGE")]
    missing = await set_components(gql, "NOPE", ("TEE", 1))
    assert error_codes(missing) == [(("input", "sku"), "SKU_NOT_FOUND")]
    sku = (await gql(SKU, {"code": "KIT"}))["sku"]
    assert sku["components"] == [{"sku": "CAP", "quantity": 1}, {"sku": "TEE", "quantity": 2}]
    assert (await shown(gql, "KIT"))["published"] == 3


async def test_a_bundle_without_components_is_an_ordinary_sku_again(kit):
    gql = kit
    payload = await set_components(gql, "KIT")
    assert payload["sku"] == {"code": "KIT", "isBundle": False, "components": []}
    assert (await shown(gql, "KIT"))["published"] == 0
    received = await gql(RECEIVE, {"input": {"sku": "KIT", "location": "WH", "quantity": 2}})
    assert received["receiveStock"]["userErrors"] == []
    assert (await shown(gql, "KIT"))["published"] == 2

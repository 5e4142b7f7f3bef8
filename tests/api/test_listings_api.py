"""Listings over HTTP: what each channel publishes, its versions, holds, drift, CSV and roles.

The numbers follow domain/publishing.py:
    pool = available over the channel's locations, buffer = max(units, ceil(pool * percent)),
    published = clamp(pool - buffer, 0, cap), 0 when the listing or the channel is paused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.stock_operations import RECEIVE, error_codes, seed
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_reservations_api import RESERVE, channel

HUGE = 10**9 + 1

AVAILABILITY_FIELDS = (
    "sku channel externalSku published status version updatedAt sellable backorderable"
)
LISTING_FIELDS = f"""sku channel externalSku status safetyUnits safetyPercent cap allowBackorder
  backorderLimit campaigns {{ safetyPercent }} reportedQuantity
  availability {{ {AVAILABILITY_FIELDS} }}"""
ALERT_FIELDS = "id type status sku channel details occurrences"
ERRORS = "userErrors { field message code }"

UPSERT = f"""mutation($input: UpsertListingInput!) {{ upsertListing(input: $input) {{
  listing {{ {LISTING_FIELDS} }} {ERRORS} }} }}"""
REMOVE = f"""mutation($input: RemoveListingInput!) {{ removeListing(input: $input) {{
  listing {{ {LISTING_FIELDS} }} {ERRORS} }} }}"""
IMPORT = f"""mutation($input: ImportListingsInput!) {{ importListings(input: $input) {{
  imported listings {{ {LISTING_FIELDS} }} {ERRORS} }} }}"""
REPORT = f"""mutation($input: ReportChannelQuantityInput!) {{
  reportChannelQuantity(input: $input) {{ drift reported availability {{ {AVAILABILITY_FIELDS} }}
  alert {{ {ALERT_FIELDS} }} {ERRORS} }} }}"""
SALE = f"""mutation($input: RecordChannelSaleInput!) {{ recordChannelSale(input: $input) {{
  reservation {{ status channel lines {{ sku location committed oversold }} }} {ERRORS} }} }}"""
UPDATE_CHANNEL = """mutation($input: UpdateChannelInput!) { updateChannel(input: $input) {
  channel { status safetyUnits safetyPercent lowStockThreshold } userErrors { field code } } }"""

AVAILABILITY = f"""query($channel: String!, $skus: [String!]!) {{
  availability(channel: $channel, skus: $skus) {{ {AVAILABILITY_FIELDS} }} }}"""
LISTINGS = f"""query($channel: String!) {{ listings(channel: $channel) {{ {LISTING_FIELDS} }} }}"""
LISTING = f"""query($channel: String!, $sku: String!) {{
  listing(channel: $channel, sku: $sku) {{ {LISTING_FIELDS} }} }}"""
LISTINGS_CSV = "query($channel: String!) { listingsCsv(channel: $channel) }"
ALERTS = f"query($status: AlertStatus) {{ alerts(status: $status) {{ {ALERT_FIELDS} }} }}"

CSV_HEADER = (
    "sku,external_sku,status,safety_units,safety_percent,cap,allow_backorder,backorder_limit"
)


# ---- helpers --------------------------------------------------------------------------------


async def upsert(gql, sku: str, external_sku: str, channel: str = "web", **settings: Any):
    """The upsertListing payload."""
    data = await gql(
        UPSERT, {"input": {"channel": channel, "sku": sku, "externalSku": external_sku, **settings}}
    )
    return data["upsertListing"]


async def listed(gql, sku: str, external_sku: str, channel: str = "web", **settings: Any):
    """Upserts a listing that must be accepted; returns it."""
    payload = await upsert(gql, sku, external_sku, channel, **settings)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["listing"]


async def shown(gql, sku: str, channel: str = "web") -> dict[str, Any] | None:
    """What `channel` shows of `sku`, read through the availability query."""
    found = (await gql(AVAILABILITY, {"channel": channel, "skus": [sku]}))["availability"]
    assert len(found) <= 1
    return found[0] if found else None


async def receive(gql, sku: str, location: str, quantity: int) -> None:
    data = await gql(RECEIVE, {"input": {"sku": sku, "location": location, "quantity": quantity}})
    assert data["receiveStock"]["userErrors"] == []


async def update_channel(gql, code: str = "web", **fields: Any) -> dict[str, Any]:
    data = await gql(UPDATE_CHANNEL, {"input": {"code": code, **fields}})
    assert data["updateChannel"]["userErrors"] == []
    return data["updateChannel"]["channel"]


async def all_listings(gql, channel: str = "web") -> list[dict[str, Any]]:
    return (await gql(LISTINGS, {"channel": channel}))["listings"]


async def open_alerts(gql) -> list[dict[str, Any]]:
    return (await gql(ALERTS, {"status": "OPEN"}))["alerts"]


async def reserve(gql, channel: str, *lines: tuple[str, int]) -> dict[str, Any]:
    data = await gql(
        RESERVE,
        {
            "input": {
                "channel": channel,
                "orderRef": "order-1",
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            }
        },
    )
    return data["reserveStock"]


def face(availability: dict[str, Any] | None) -> tuple[int, str] | None:
    return None if availability is None else (availability["published"], availability["status"])


async def mint(gql, role: str, channel: str) -> Any:
    created = (await gql(CREATE_KEY, {"input": {"name": role, "role": role, "channel": channel}}))[
        "createApiKey"
    ]
    assert created["userErrors"] == []
    return gql.as_key(created["secret"])


@pytest.fixture
async def web(gql):
    """Channel `web` sells from WH and SHOP; OTHER is a location it does not sell from."""
    await seed(gql, skus=("TEE", "CAP", "MUG", "HAT"), locations=("WH", "SHOP", "OTHER"))
    assert (await channel(gql, "web", ("WH", "SHOP")))["userErrors"] == []
    return gql


# ---- publishing and versions -----------------------------------------------------------------


async def test_a_listing_publishes_the_pool_of_the_locations_its_channel_sells_from(web):
    await receive(web, "TEE", "WH", 6)
    await receive(web, "TEE", "SHOP", 4)
    await receive(web, "TEE", "OTHER", 50)
    listing = await listed(web, "TEE", "WEB-TEE")
    assert listing["status"] == "ACTIVE"
    assert (listing["safetyUnits"], listing["safetyPercent"], listing["cap"]) == (None, None, None)
    found = (await web(AVAILABILITY, {"channel": "web", "skus": ["CAP", "TEE", "NOPE"]}))[
        "availability"
    ]
    [availability] = found  # CAP and NOPE are not listed on web: left out
    assert availability == listing["availability"]
    assert {k: v for k, v in availability.items() if k != "updatedAt"} == {
        "sku": "TEE",
        "channel": "web",
        "externalSku": "WEB-TEE",
        "published": 10,
        "status": "IN_STOCK",
        "version": 1,
        "sellable": 10,
        "backorderable": 0,
    }
    assert datetime.fromisoformat(availability["updatedAt"]).tzinfo is not None


async def test_upserting_again_replaces_every_setting(web):
    await receive(web, "TEE", "WH", 10)
    first = await listed(web, "TEE", "WEB-TEE")
    version = first["availability"]["version"]
    capped = await listed(web, "TEE", "WEB-TEE-2", safetyUnits=3, cap=5)
    assert (capped["externalSku"], capped["safetyUnits"], capped["cap"]) == ("WEB-TEE-2", 3, 5)
    # pool 10, buffer 3 -> 7, capped at 5
    assert face(capped["availability"]) == (5, "IN_STOCK")
    assert capped["availability"]["version"] == version + 1
    assert capped["availability"]["externalSku"] == "WEB-TEE-2"
    plain = await listed(web, "TEE", "WEB-TEE-2")
    assert (plain["safetyUnits"], plain["cap"]) == (None, None)
    assert face(plain["availability"]) == (10, "IN_STOCK")
    assert plain["availability"]["version"] == version + 2
    assert await all_listings(web) == [plain]


async def test_the_version_moves_only_when_published_or_status_changes(web):
    await receive(web, "TEE", "WH", 10)
    await listed(web, "TEE", "WEB-TEE")
    before = await shown(web, "TEE")
    assert face(before) == (10, "IN_STOCK")

    await listed(web, "TEE", "WEB-TEE")  # the same settings again
    await receive(web, "TEE", "OTHER", 7)  # a location web does not sell from
    assert await shown(web, "TEE") == before

    hidden = await listed(web, "TEE", "WEB-TEE", safetyUnits=100)
    assert face(hidden["availability"]) == (0, "OUT_OF_STOCK")
    assert hidden["availability"]["version"] == before["version"] + 1
    behind_the_buffer = await shown(web, "TEE")
    await receive(web, "TEE", "WH", 5)  # pool 15, buffer 100: still nothing to show
    assert await shown(web, "TEE") == behind_the_buffer

    await receive(web, "TEE", "SHOP", 100)  # pool 115, buffer 100
    visible = await shown(web, "TEE")
    assert face(visible) == (15, "IN_STOCK")
    assert visible["version"] == behind_the_buffer["version"] + 1
    assert visible["updatedAt"] >= behind_the_buffer["updatedAt"]


# ---- channel defaults and listing overrides ------------------------------------------------


async def test_channel_defaults_apply_until_a_listing_overrides_them(web):
    await receive(web, "TEE", "WH", 30)
    await receive(web, "CAP", "WH", 30)
    created = await channel(
        web, "market", ("WH",), safetyUnits=2, safetyPercent=12.5, lowStockThreshold=5
    )
    assert created["userErrors"] == []
    settings = await web(
        '{ channel(code: "market") { safetyUnits safetyPercent lowStockThreshold } }'
    )
    assert settings["channel"] == {"safetyUnits": 2, "safetyPercent": 12.5, "lowStockThreshold": 5}

    # buffer max(2, ceil(30 * 12.5%) = ceil(3.75) = 4) = 4
    tee = await listed(web, "TEE", "M-TEE", "market")
    assert face(tee["availability"]) == (26, "IN_STOCK")
    # explicit zeros are overrides, not "the channel's default"
    cap = await listed(web, "CAP", "M-CAP", "market", safetyUnits=0, safetyPercent=0)
    assert (cap["safetyUnits"], cap["safetyPercent"]) == (0, 0.0)
    assert face(cap["availability"]) == (30, "IN_STOCK")

    updated = await update_channel(web, "market", safetyUnits=10, lowStockThreshold=26)
    assert updated == {
        "status": "ACTIVE",
        "safetyUnits": 10,
        "safetyPercent": 12.5,
        "lowStockThreshold": 26,
    }
    # TEE: buffer max(10, 4) = 10 -> 20 <= 26; CAP keeps its own zeros: 30 > 26
    tee_now = await shown(web, "TEE", "market")
    assert face(tee_now) == (20, "LOW_STOCK")
    assert tee_now["version"] == tee["availability"]["version"] + 1
    assert await shown(web, "CAP", "market") == cap["availability"]

    # only the units overridden: buffer max(1, 4) = 4 -> 26, the threshold itself is LOW_STOCK
    tee_units = await listed(web, "TEE", "M-TEE", "market", safetyUnits=1)
    assert face(tee_units["availability"]) == (26, "LOW_STOCK")
    # only the percent overridden: buffer max(10, ceil(30 * 50%) = 15) = 15
    tee_percent = await listed(web, "TEE", "M-TEE", "market", safetyPercent=50)
    assert face(tee_percent["availability"]) == (15, "LOW_STOCK")
    await update_channel(web, "market", safetyPercent=20, lowStockThreshold=0)
    # buffer max(10, ceil(30 * 50%)) = 15: the listing's percent wins over the channel's 20
    assert face(await shown(web, "TEE", "market")) == (15, "IN_STOCK")


async def test_a_cap_and_pauses_of_listing_or_channel(web):
    await receive(web, "TEE", "WH", 8)
    await receive(web, "CAP", "SHOP", 12)
    await update_channel(web, lowStockThreshold=7)
    tee = await listed(web, "TEE", "WEB-TEE")
    assert face(tee["availability"]) == (8, "IN_STOCK")
    capped = await listed(web, "CAP", "WEB-CAP", cap=7)
    assert face(capped["availability"]) == (7, "LOW_STOCK")
    assert capped["availability"]["sellable"] == 7

    paused = await listed(web, "CAP", "WEB-CAP", cap=7, status="PAUSED")
    assert paused["status"] == "PAUSED"
    assert face(paused["availability"]) == (0, "OUT_OF_STOCK")
    assert paused["availability"]["version"] == capped["availability"]["version"] + 1
    assert face(await shown(web, "TEE")) == (8, "IN_STOCK")
    resumed = await listed(web, "CAP", "WEB-CAP", cap=7)
    assert face(resumed["availability"]) == (7, "LOW_STOCK")
    assert resumed["availability"]["version"] == capped["availability"]["version"] + 2

    assert (await update_channel(web, status="PAUSED"))["status"] == "PAUSED"
    off = {sku: await shown(web, sku) for sku in ("TEE", "CAP")}
    assert {sku: face(a) for sku, a in off.items()} == {
        "TEE": (0, "OUT_OF_STOCK"),
        "CAP": (0, "OUT_OF_STOCK"),
    }
    assert off["TEE"]["version"] == tee["availability"]["version"] + 1
    assert (await update_channel(web, status="ACTIVE"))["status"] == "ACTIVE"
    back = await shown(web, "TEE")
    assert face(back) == (8, "IN_STOCK")
    assert back["version"] == tee["availability"]["version"] + 2
    assert face(await shown(web, "CAP")) == (7, "LOW_STOCK")


async def test_a_live_campaign_raises_the_buffer(web):
    now = datetime.now(UTC)
    live = {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "safetyPercent": 50,
    }
    later = {
        "startsAt": (now + timedelta(days=1)).isoformat(),
        "endsAt": (now + timedelta(days=2)).isoformat(),
        "safetyPercent": 90,
    }
    await receive(web, "TEE", "WH", 20)
    await receive(web, "CAP", "WH", 20)
    without = await listed(web, "TEE", "WEB-TEE")
    assert face(without["availability"]) == (20, "IN_STOCK")
    during = await listed(web, "TEE", "WEB-TEE", campaigns=[live])
    assert during["campaigns"] == [{"safetyPercent": 50.0}]
    # buffer ceil(20 * 50%) = 10
    assert face(during["availability"]) == (10, "IN_STOCK")
    assert face(await shown(web, "TEE")) == (10, "IN_STOCK")
    not_yet = await listed(web, "CAP", "WEB-CAP", campaigns=[later])
    assert face(not_yet["availability"]) == (20, "IN_STOCK")
    after = await listed(web, "TEE", "WEB-TEE")
    assert after["campaigns"] == []
    assert face(after["availability"]) == (20, "IN_STOCK")


# ---- holds ---------------------------------------------------------------------------------


async def test_a_hold_is_limited_to_what_the_channel_publishes(web):
    await channel(web, "buffered", ("WH",), safetyUnits=2)
    await receive(web, "TEE", "WH", 10)
    listing = await listed(web, "TEE", "B-TEE", "buffered")
    assert face(listing["availability"]) == (8, "IN_STOCK")

    refused = await reserve(web, "buffered", ("TEE", 9))
    assert refused["reservation"] is None
    assert error_codes(refused) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    held = await reserve(web, "buffered", ("TEE", 8))
    assert held["userErrors"] == []
    assert held["reservation"]["lines"][0]["reserved"] == 8
    # pool 2, buffer 2
    assert face(await shown(web, "TEE", "buffered")) == (0, "OUT_OF_STOCK")
    levels = await web('{ stockLevels(sku: "TEE") { available reserved } }')
    assert levels["stockLevels"] == [{"available": 2, "reserved": 8}]


async def test_paused_and_removed_listings_hold_nothing_and_unlisted_skus_use_the_defaults(web):
    await channel(web, "buffered", ("WH",), safetyUnits=2)
    for sku in ("CAP", "MUG", "HAT"):
        await receive(web, sku, "WH", 5)
    await listed(web, "CAP", "B-CAP", "buffered", status="PAUSED")
    await listed(web, "MUG", "B-MUG", "buffered")
    removed = await web(REMOVE, {"input": {"channel": "buffered", "sku": "MUG"}})
    assert removed["removeListing"]["userErrors"] == []

    paused = await reserve(web, "buffered", ("CAP", 1))
    assert error_codes(paused) == [(("input", "lines", "0", "sku"), "LISTING_PAUSED")]
    gone = await reserve(web, "buffered", ("MUG", 1))
    assert error_codes(gone) == [(("input", "lines", "0", "sku"), "LISTING_NOT_FOUND")]
    both = await reserve(web, "buffered", ("CAP", 1), ("MUG", 1))
    assert error_codes(both) == [
        (("input", "lines", "0", "sku"), "LISTING_PAUSED"),
        (("input", "lines", "1", "sku"), "LISTING_NOT_FOUND"),
    ]
    # HAT was never listed on the channel: 5 less the channel's 2 units of buffer
    too_many = await reserve(web, "buffered", ("HAT", 4))
    assert error_codes(too_many) == [(("input", "lines", "0", "quantity"), "INSUFFICIENT_STOCK")]
    levels = await web("{ stockLevels { sku reserved } }")
    assert {level["reserved"] for level in levels["stockLevels"]} == {0}
    unlisted = await reserve(web, "buffered", ("HAT", 3))
    assert unlisted["userErrors"] == []
    assert unlisted["reservation"]["lines"][0]["reserved"] == 3


# ---- removing ------------------------------------------------------------------------------


async def test_removing_a_listing_publishes_nothing_and_frees_its_external_sku(web):
    await receive(web, "TEE", "WH", 5)
    listing = await listed(web, "TEE", "EXT-1")
    version = listing["availability"]["version"]
    removed = (await web(REMOVE, {"input": {"channel": "web", "sku": "TEE"}}))["removeListing"]
    assert removed["userErrors"] == []
    assert face(removed["listing"]["availability"]) == (0, "OUT_OF_STOCK")
    assert removed["listing"]["availability"]["version"] == version + 1
    assert (await web(LISTING, {"channel": "web", "sku": "TEE"}))["listing"] is None
    assert await shown(web, "TEE") is None
    assert await all_listings(web) == []

    other = await listed(web, "CAP", "EXT-1")
    assert other["externalSku"] == "EXT-1"

    revived = await listed(web, "TEE", "EXT-2")
    assert face(revived["availability"]) == (5, "IN_STOCK")
    assert revived["availability"]["version"] == version + 2
    assert [x["sku"] for x in await all_listings(web)] == ["CAP", "TEE"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"sku": "HAT"}, [(("input", "sku"), "LISTING_NOT_FOUND")]),
        ({"sku": "NOPE"}, [(("input", "sku"), "LISTING_NOT_FOUND")]),
        ({"channel": "nope"}, [(("input", "channel"), "CHANNEL_NOT_FOUND")]),
        ({"sku": ""}, [(("input", "sku"), "BLANK")]),
    ],
)
async def test_removing_what_is_not_listed_is_a_user_error(web, target, expected):
    await listed(web, "TEE", "EXT-1")
    data = await web(REMOVE, {"input": {"channel": "web", "sku": "TEE", **target}})
    assert data["removeListing"]["listing"] is None
    assert error_codes(data["removeListing"]) == expected
    assert [x["sku"] for x in await all_listings(web)] == ["TEE"]


async def test_removing_a_removed_listing_again_is_not_found(web):
    await listed(web, "TEE", "EXT-1")
    await web(REMOVE, {"input": {"channel": "web", "sku": "TEE"}})
    again = await web(REMOVE, {"input": {"channel": "web", "sku": "TEE"}})
    assert error_codes(again["removeListing"]) == [(("input", "sku"), "LISTING_NOT_FOUND")]


# ---- external SKUs and channel sales ---------------------------------------------------------


async def test_an_external_sku_is_unique_per_channel(web):
    await channel(web, "market", ("WH",))
    await listed(web, "TEE", "X-1")
    taken = await upsert(web, "CAP", "X-1")
    assert taken["listing"] is None
    assert error_codes(taken) == [(("input", "externalSku"), "EXTERNAL_SKU_TAKEN")]
    assert (await web(LISTING, {"channel": "web", "sku": "CAP"}))["listing"] is None
    assert [(x["sku"], x["externalSku"]) for x in await all_listings(web)] == [("TEE", "X-1")]
    elsewhere = await listed(web, "CAP", "X-1", "market")
    assert (elsewhere["channel"], elsewhere["externalSku"]) == ("market", "X-1")
    assert (await listed(web, "TEE", "X-1", cap=3))["cap"] == 3  # its own external SKU


async def test_a_channel_sale_by_external_sku_maps_through_the_listing(web):
    await receive(web, "TEE", "WH", 5)
    await listed(web, "TEE", "WEB-TEE")
    sold = await web(
        SALE,
        {"input": {"channel": "web", "orderRef": "m-1", "externalSku": "WEB-TEE", "quantity": 2}},
    )
    assert sold["recordChannelSale"]["userErrors"] == []
    assert sold["recordChannelSale"]["reservation"] == {
        "status": "COMMITTED",
        "channel": "web",
        "lines": [{"sku": "TEE", "location": "WH", "committed": 2, "oversold": 0}],
    }
    assert face(await shown(web, "TEE")) == (3, "IN_STOCK")
    assert await open_alerts(web) == []

    unknown = await web(
        SALE,
        {"input": {"channel": "web", "orderRef": "m-2", "externalSku": "AMZ-9", "quantity": 1}},
    )
    assert unknown["recordChannelSale"]["reservation"] is None
    assert error_codes(unknown["recordChannelSale"]) == [(("input", "externalSku"), "UNMAPPED_SKU")]
    [alert] = await open_alerts(web)
    assert {k: v for k, v in alert.items() if k != "id"} == {
        "type": "UNMAPPED_SKU",
        "status": "OPEN",
        "sku": None,
        "channel": "web",
        "details": {"externalSku": "AMZ-9"},
        "occurrences": 1,
    }
    levels = await web('{ stockLevels(sku: "TEE") { committed } }')
    assert levels["stockLevels"] == [{"committed": 2}]


# ---- drift reports -------------------------------------------------------------------------


def report(external_sku: str, quantity: int, channel: str = "web") -> dict[str, Any]:
    return {"input": {"channel": channel, "externalSku": external_sku, "quantity": quantity}}


async def test_a_matching_report_is_no_drift(web):
    await receive(web, "TEE", "WH", 5)
    await listed(web, "TEE", "WEB-TEE")
    data = (await web(REPORT, report("WEB-TEE", 5)))["reportChannelQuantity"]
    assert data["userErrors"] == []
    assert (data["drift"], data["reported"], data["alert"]) == (False, 5, None)
    assert face(data["availability"]) == (5, "IN_STOCK")
    assert await open_alerts(web) == []
    found = (await web(LISTING, {"channel": "web", "sku": "TEE"}))["listing"]
    assert found["reportedQuantity"] == 5


async def test_drift_raises_one_alert_that_recurs_and_a_match_resolves_it(web):
    await receive(web, "TEE", "WH", 5)
    await listed(web, "TEE", "WEB-TEE")
    first = (await web(REPORT, report("WEB-TEE", 7)))["reportChannelQuantity"]
    assert (first["drift"], first["reported"]) == (True, 7)
    alert = first["alert"]
    assert {k: v for k, v in alert.items() if k != "id"} == {
        "type": "DRIFT",
        "status": "OPEN",
        "sku": "TEE",
        "channel": "web",
        "details": {"externalSku": "WEB-TEE", "reported": 7, "published": 5},
        "occurrences": 1,
    }
    assert await open_alerts(web) == [alert]

    second = (await web(REPORT, report("WEB-TEE", 8)))["reportChannelQuantity"]
    assert second["drift"] is True
    assert second["alert"]["id"] == alert["id"]
    assert second["alert"]["occurrences"] == 2
    assert second["alert"]["details"] == {"externalSku": "WEB-TEE", "reported": 8, "published": 5}
    assert [a["id"] for a in await open_alerts(web)] == [alert["id"]]

    matched = (await web(REPORT, report("WEB-TEE", 5)))["reportChannelQuantity"]
    assert matched["drift"] is False
    assert (matched["alert"]["id"], matched["alert"]["status"]) == (alert["id"], "RESOLVED")
    assert await open_alerts(web) == []
    resolved = (await web(ALERTS, {"status": "RESOLVED"}))["alerts"]
    assert [(a["id"], a["type"]) for a in resolved] == [(alert["id"], "DRIFT")]


async def test_bad_quantity_reports(web):
    await listed(web, "TEE", "WEB-TEE")
    unknown = (await web(REPORT, report("NOPE-1", 3)))["reportChannelQuantity"]
    assert (unknown["drift"], unknown["availability"], unknown["alert"]) == (None, None, None)
    assert error_codes(unknown) == [(("input", "externalSku"), "UNMAPPED_SKU")]
    [alert] = await open_alerts(web)
    assert (alert["type"], alert["channel"], alert["details"]) == (
        "UNMAPPED_SKU",
        "web",
        {"externalSku": "NOPE-1"},
    )
    negative = (await web(REPORT, report("WEB-TEE", -1)))["reportChannelQuantity"]
    assert error_codes(negative) == [(("input", "quantity"), "INVALID_QUANTITY")]
    elsewhere = (await web(REPORT, report("WEB-TEE", 1, "nope")))["reportChannelQuantity"]
    assert error_codes(elsewhere) == [(("input", "channel"), "CHANNEL_NOT_FOUND")]
    assert len(await open_alerts(web)) == 1
    found = (await web(LISTING, {"channel": "web", "sku": "TEE"}))["listing"]
    assert found["reportedQuantity"] is None


# ---- CSV -----------------------------------------------------------------------------------


async def test_a_good_csv_imports_every_row_and_exports_back(web):
    await receive(web, "TEE", "WH", 6)
    text = f"{CSV_HEADER}\nCAP,W-CAP,paused,2,12.5,10,true,3\nTEE,W-TEE,active,,,,false,0\n"
    data = (await web(IMPORT, {"input": {"channel": "web", "csv": text}}))["importListings"]
    assert data["userErrors"] == []
    assert data["imported"] == 2
    by_sku = {x["sku"]: x for x in data["listings"]}
    cap, tee = by_sku["CAP"], by_sku["TEE"]
    assert {k: cap[k] for k in ("externalSku", "status", "safetyUnits", "safetyPercent")} == {
        "externalSku": "W-CAP",
        "status": "PAUSED",
        "safetyUnits": 2,
        "safetyPercent": 12.5,
    }
    assert (cap["cap"], cap["allowBackorder"], cap["backorderLimit"]) == (10, True, 3)
    assert face(cap["availability"]) == (0, "OUT_OF_STOCK")
    assert (tee["status"], tee["safetyUnits"], tee["cap"], tee["allowBackorder"]) == (
        "ACTIVE",
        None,
        None,
        False,
    )
    assert face(tee["availability"]) == (6, "IN_STOCK")
    assert sorted(await all_listings(web), key=lambda x: x["sku"]) == [cap, tee]

    exported = (await web(LISTINGS_CSV, {"channel": "web"}))["listingsCsv"]
    assert exported == text
    again = (await web(IMPORT, {"input": {"channel": "web", "csv": exported}}))["importListings"]
    assert (again["userErrors"], again["imported"]) == ([], 2)
    assert sorted(await all_listings(web), key=lambda x: x["sku"]) == [cap, tee]


async def test_a_csv_with_bad_rows_reports_every_problem_and_applies_nothing(web):
    await listed(web, "TEE", "W-TEE", cap=4)
    before = await all_listings(web)
    text = "\n".join(
        [
            "sku,external_sku,cap,safety_units",  # line 1
            "TEE,W-TEE,9,",  # line 2: fine, would change TEE's cap
            "NOPE,W-NOPE,,",  # line 3: unknown SKU
            "",  # line 4: blank, skipped but counted
            "CAP,W-CAP,,lots",  # line 5: not a number
            "MUG,W-CAP,,",  # line 6: external SKU already on line 5
            "HAT,W-HAT,-1,",  # line 7: negative cap
            "",
        ]
    )
    data = (await web(IMPORT, {"input": {"channel": "web", "csv": text}}))["importListings"]
    assert (data["imported"], data["listings"]) == (0, [])
    assert sorted(error_codes(data)) == sorted(
        [
            (("input", "csv", "3", "sku"), "SKU_NOT_FOUND"),
            (("input", "csv", "5", "safety_units"), "INVALID_VALUE"),
            (("input", "csv", "6", "external_sku"), "INVALID_VALUE"),
            (("input", "csv", "7", "cap"), "INVALID_QUANTITY"),
        ]
    )
    for error in data["userErrors"]:
        assert f"line {error['field'][2]}" in error["message"] or error["code"] == "SKU_NOT_FOUND"
    assert await all_listings(web) == before


async def test_a_csv_whose_only_problem_is_an_unknown_sku_applies_nothing(web):
    await listed(web, "TEE", "W-TEE", cap=4)
    before = await all_listings(web)
    text = "sku,external_sku,cap\nTEE,W-TEE,9\nNOPE,W-NOPE,\n"
    data = (await web(IMPORT, {"input": {"channel": "web", "csv": text}}))["importListings"]
    assert error_codes(data) == [(("input", "csv", "3", "sku"), "SKU_NOT_FOUND")]
    assert await all_listings(web) == before


async def test_a_csv_may_not_take_an_external_sku_held_by_a_listing_it_leaves_alone(web):
    await listed(web, "TEE", "W-TEE")
    text = "sku,external_sku\nCAP,W-CAP\nMUG,W-TEE\n"
    data = (await web(IMPORT, {"input": {"channel": "web", "csv": text}}))["importListings"]
    assert error_codes(data) == [(("input", "csv", "3", "external_sku"), "EXTERNAL_SKU_TAKEN")]
    assert [x["sku"] for x in await all_listings(web)] == ["TEE"]


async def test_a_csv_may_swap_external_skus_between_two_listings(web):
    await receive(web, "TEE", "WH", 3)
    tee = await listed(web, "TEE", "W-A")
    await listed(web, "CAP", "W-B")
    text = "sku,external_sku\nTEE,W-B\nCAP,W-A\n"
    data = (await web(IMPORT, {"input": {"channel": "web", "csv": text}}))["importListings"]
    assert data["userErrors"] == []
    assert data["imported"] == 2
    after = {x["sku"]: x for x in await all_listings(web)}
    assert (after["TEE"]["externalSku"], after["CAP"]["externalSku"]) == ("W-B", "W-A")
    assert after["TEE"]["availability"]["externalSku"] == "W-B"
    # a new external SKU is not a new face: the version stays
    assert after["TEE"]["availability"]["version"] == tee["availability"]["version"]
    sold = await web(
        SALE, {"input": {"channel": "web", "orderRef": "s-1", "externalSku": "W-B", "quantity": 1}}
    )
    assert sold["recordChannelSale"]["reservation"]["lines"][0]["sku"] == "TEE"


# ---- roles ---------------------------------------------------------------------------------


async def test_a_storefront_key_reads_its_own_channel_and_changes_nothing(web):
    await channel(web, "market", ("WH",))
    await receive(web, "TEE", "WH", 4)
    listing = await listed(web, "TEE", "WEB-TEE")
    await listed(web, "TEE", "M-TEE", "market")
    storefront = await mint(web, "STOREFRONT", "web")

    found = await storefront(AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
    assert found["availability"] == [listing["availability"]]
    foreign = await storefront.post(AVAILABILITY, {"channel": "market", "skus": ["TEE"]})
    assert foreign.status_code == 200
    body = foreign.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]

    refused = await upsert(storefront, "TEE", "WEB-TEE", cap=1)
    assert refused["listing"] is None
    assert error_codes(refused) == [(None, "FORBIDDEN")]
    reported = (await storefront(REPORT, report("WEB-TEE", 9)))["reportChannelQuantity"]
    assert error_codes(reported) == [(None, "FORBIDDEN")]
    assert await all_listings(web) == [listing]
    assert await open_alerts(web) == []


async def test_a_partner_key_reads_and_reports_for_its_own_channel_only(web):
    await channel(web, "market", ("WH",))
    await receive(web, "TEE", "WH", 4)
    listing = await listed(web, "TEE", "WEB-TEE")
    await listed(web, "TEE", "M-TEE", "market")
    partner = await mint(web, "PARTNER", "web")

    assert (await partner(LISTINGS, {"channel": "web"}))["listings"] == [listing]
    foreign = await partner.post(LISTINGS, {"channel": "market"})
    assert [e["extensions"]["code"] for e in foreign.json()["errors"]] == ["FORBIDDEN"]

    own = (await partner(REPORT, report("WEB-TEE", 4)))["reportChannelQuantity"]
    assert (own["userErrors"], own["drift"]) == ([], False)
    other = (await partner(REPORT, report("M-TEE", 9, "market")))["reportChannelQuantity"]
    assert error_codes(other) == [(None, "FORBIDDEN")]
    refused = await upsert(partner, "CAP", "WEB-CAP")
    assert error_codes(refused) == [(None, "FORBIDDEN")]
    assert await open_alerts(web) == []
    market = (await web(LISTING, {"channel": "market", "sku": "TEE"}))["listing"]
    assert market["reportedQuantity"] is None


# ---- bad input -----------------------------------------------------------------------------

_NOW = datetime.now(UTC)
_BACKWARDS = {
    "startsAt": (_NOW + timedelta(days=2)).isoformat(),
    "endsAt": (_NOW + timedelta(days=1)).isoformat(),
    "safetyPercent": 10,
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"safetyUnits": -1}, [(("input", "safetyUnits"), "INVALID_QUANTITY")]),
        ({"safetyPercent": 150}, [(("input", "safetyPercent"), "INVALID_VALUE")]),
        ({"safetyPercent": -1}, [(("input", "safetyPercent"), "INVALID_VALUE")]),
        ({"safetyPercent": 1e15}, [(("input", "safetyPercent"), "INVALID_VALUE")]),
        ({"cap": -1}, [(("input", "cap"), "INVALID_QUANTITY")]),
        ({"backorderLimit": 3}, [(("input", "backorderLimit"), "INVALID_VALUE")]),
        (
            {"allowBackorder": True, "backorderLimit": -1},
            [(("input", "backorderLimit"), "INVALID_QUANTITY")],
        ),
        ({"campaigns": [_BACKWARDS]}, [(("input", "campaigns", "0", "endsAt"), "INVALID_VALUE")]),
        (
            {"campaigns": [{**_BACKWARDS, "endsAt": _BACKWARDS["startsAt"]}]},
            [(("input", "campaigns", "0", "endsAt"), "INVALID_VALUE")],
        ),
        (
            {"campaigns": [{**_BACKWARDS, "startsAt": _NOW.isoformat(), "safetyPercent": 101}]},
            [(("input", "campaigns", "0", "safetyPercent"), "INVALID_VALUE")],
        ),
        ({"channel": "nope"}, [(("input", "channel"), "CHANNEL_NOT_FOUND")]),
        ({"sku": "NOPE"}, [(("input", "sku"), "SKU_NOT_FOUND")]),
        ({"externalSku": ""}, [(("input", "externalSku"), "BLANK")]),
        ({"externalSku": "   "}, [(("input", "externalSku"), "BLANK")]),
        ({"externalSku": "x" * 65}, [(("input", "externalSku"), "TOO_LONG")]),
        ({"safetyUnits": HUGE}, [(("input", "safetyUnits"), "QUANTITY_TOO_LARGE")]),
        ({"cap": HUGE}, [(("input", "cap"), "QUANTITY_TOO_LARGE")]),
        (
            {"allowBackorder": True, "backorderLimit": HUGE},
            [(("input", "backorderLimit"), "QUANTITY_TOO_LARGE")],
        ),
        (
            {"safetyUnits": -1, "cap": -2, "externalSku": ""},
            [
                (("input", "externalSku"), "BLANK"),
                (("input", "safetyUnits"), "INVALID_QUANTITY"),
                (("input", "cap"), "INVALID_QUANTITY"),
            ],
        ),
    ],
)
async def test_bad_listing_input_is_a_user_error_and_changes_nothing(web, change, expected):
    await receive(web, "TEE", "WH", 5)
    await listed(web, "TEE", "WEB-TEE", cap=4)
    before = await all_listings(web)
    response = await web.post(
        UPSERT,
        {"input": {"channel": "web", "sku": "TEE", "externalSku": "WEB-TEE-2", **change}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload = body["data"]["upsertListing"]
    assert payload["listing"] is None
    assert error_codes(payload) == expected
    assert await all_listings(web) == before

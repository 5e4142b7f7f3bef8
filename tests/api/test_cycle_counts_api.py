"""Cycle counts over HTTP: counts recorded (and re-recorded) against on hand, completion
applies each difference as a COUNT adjustment and reports discrepancies and accuracy, movements
between recording and completion are kept, held units are never freed (the rest is reported
and alerted); bad input changes nothing; the ledger replays to the counters after every flow."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.document_helpers import ERRORS, accepted, assert_ledger_replays, events, levels
from tests.api.stock_operations import error_codes, seed
from tests.api.subscription_client import connected, http
from tests.api.test_listings_api import ALERTS, receive
from tests.api.test_reservations_api import RESERVE, channel

COUNT_FIELDS = """id location reference status completedAt
  lines { sku expected counted discrepancy adjusted unresolved }
  accuracy { skus matchedSkus skuRate expectedUnits discrepantUnits unitRate }"""
START = f"""mutation($input: StartCountInput!) {{ startCount(input: $input) {{
  cycleCount {{ {COUNT_FIELDS} }} {ERRORS} }} }}"""
RECORD = f"""mutation($input: RecordCountInput!) {{ recordCount(input: $input) {{
  cycleCount {{ {COUNT_FIELDS} }} {ERRORS} }} }}"""
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ALERTS_FEED = "subscription { alertRaised { type status sku } }"
LEVELS_FEED = """subscription { stockLevelChanged(skus: ["TEE"]) { location onHand reserved } }"""
COUNTS = """query($status: CountStatus, $location: String, $first: Int!, $after: String) {
  cycleCounts(status: $status, location: $location, first: $first, after: $after) {
    edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }"""


def transition(name: str) -> str:
    return f"""mutation($input: CountInput!) {{ {name}(input: $input) {{
      cycleCount {{ {COUNT_FIELDS} }} {ERRORS} }} }}"""


async def start(gql, skus: list[str], **fields: Any) -> dict[str, Any]:
    data = await gql(START, {"input": {"location": "WH", "skus": skus, **fields}})
    payload: dict[str, Any] = data["startCount"]
    return payload


async def started(gql, skus: list[str], **fields: Any) -> dict[str, Any]:
    return accepted(await start(gql, skus, **fields), "cycleCount")


async def record(gql, count_id: str, counts: dict[str, int], **fields: Any) -> dict[str, Any]:
    lines = [{"sku": sku, "counted": counted} for sku, counted in counts.items()]
    data = await gql(RECORD, {"input": {"id": count_id, "lines": lines, **fields}})
    payload: dict[str, Any] = data["recordCount"]
    return payload


async def move(gql, name: str, count_id: str, **fields: Any) -> dict[str, Any]:
    data = await gql(transition(name), {"input": {"id": count_id, **fields}})
    payload: dict[str, Any] = data[name]
    return payload


async def counted(gql, counts: dict[str, int]) -> dict[str, Any]:
    """Starts, records and completes a count of `counts` at WH; the completed count."""
    count = await started(gql, list(counts))
    accepted(await record(gql, count["id"], counts), "cycleCount")
    return accepted(await move(gql, "completeCount", count["id"]), "cycleCount")


@pytest.fixture
async def warehouse(gql):
    """At WH: 10 TEE, 4 CAP, 5 MUG."""
    await seed(gql, skus=("TEE", "CAP", "MUG"), locations=("WH", "SHOP"))
    for sku, quantity in (("TEE", 10), ("CAP", 4), ("MUG", 5)):
        await receive(gql, sku, "WH", quantity)
    return gql


async def test_completing_a_count_corrects_on_hand_and_reports_discrepancies_and_accuracy(
    warehouse,
):
    gql = warehouse
    count = await started(gql, ["TEE", "CAP", "MUG"], reference="aisle 4")
    assert (count["status"], count["reference"], count["accuracy"]) == ("OPEN", "aisle 4", None)
    assert count["lines"][0] == {
        "sku": "TEE",
        "expected": None,
        "counted": None,
        "discrepancy": None,
        "adjusted": None,
        "unresolved": None,
    }
    recorded = accepted(
        await record(gql, count["id"], {"TEE": 8, "CAP": 4, "MUG": 7}), "cycleCount"
    )
    assert [(x["expected"], x["discrepancy"]) for x in recorded["lines"]] == [
        (10, -2),
        (4, 0),
        (5, 2),
    ]
    assert (await levels(gql))["WH"]["onHand"] == 10  # nothing applied before completion

    done = accepted(await move(gql, "completeCount", count["id"]), "cycleCount")
    assert done["status"] == "COMPLETED"
    assert done["completedAt"] is not None
    assert [(x["sku"], x["adjusted"], x["unresolved"]) for x in done["lines"]] == [
        ("TEE", -2, 0),
        ("CAP", 0, 0),
        ("MUG", 2, 0),
    ]
    accuracy = done["accuracy"]
    assert (accuracy["skus"], accuracy["matchedSkus"]) == (3, 1)
    assert accuracy["skuRate"] == pytest.approx(1 / 3)
    assert (accuracy["expectedUnits"], accuracy["discrepantUnits"]) == (19, 4)
    assert accuracy["unitRate"] == pytest.approx(1 - 4 / 19)
    assert (await levels(gql, "TEE"))["WH"]["onHand"] == 8
    assert (await levels(gql, "CAP"))["WH"]["onHand"] == 4
    assert (await levels(gql, "MUG"))["WH"]["onHand"] == 7
    [adjustment] = [e for e in await events(gql, "MUG") if e["type"] == "ADJUSTED"]
    assert (adjustment["reason"], adjustment["reference"]) == ("COUNT", count["id"])
    assert adjustment["delta"]["onHand"] == 2
    assert [e["type"] for e in await events(gql, "CAP")] == ["RECEIVED"]
    await assert_ledger_replays(gql)


async def test_a_sku_may_be_recounted_until_the_count_is_completed(warehouse):
    gql = warehouse
    count = await started(gql, ["TEE", "CAP"])
    await record(gql, count["id"], {"TEE": 8})
    again = accepted(await record(gql, count["id"], {"TEE": 10, "CAP": 0}), "cycleCount")
    assert [(x["counted"], x["discrepancy"]) for x in again["lines"]] == [(10, 0), (0, -4)]
    done = accepted(await move(gql, "completeCount", count["id"]), "cycleCount")
    assert [x["adjusted"] for x in done["lines"]] == [0, -4]
    assert (await levels(gql, "TEE"))["WH"]["onHand"] == 10
    assert (await levels(gql, "CAP"))["WH"]["onHand"] == 0
    await assert_ledger_replays(gql)


async def test_units_moving_between_recording_and_completion_stay_counted_once(warehouse):
    gql = warehouse
    count = await started(gql, ["TEE"])
    await record(gql, count["id"], {"TEE": 8})  # 2 missing from the 10 on hand
    await receive(gql, "TEE", "WH", 5)  # a delivery after the shelf was counted
    done = accepted(await move(gql, "completeCount", count["id"]), "cycleCount")
    assert done["lines"][0]["adjusted"] == -2
    assert (await levels(gql))["WH"]["onHand"] == 13
    await assert_ledger_replays(gql)


async def test_a_count_never_frees_held_units_and_alerts_what_it_could_not_take(warehouse):
    gql = warehouse
    await channel(gql, "web", ("WH",))
    hold = await gql(
        RESERVE,
        {"input": {"channel": "web", "orderRef": "o-1", "lines": [{"sku": "TEE", "quantity": 7}]}},
    )
    reservation = accepted(hold["reserveStock"], "reservation")

    done = await counted(gql, {"TEE": 2})
    line = done["lines"][0]
    assert (line["discrepancy"], line["adjusted"], line["unresolved"]) == (-8, -3, 5)
    wh = (await levels(gql))["WH"]
    assert (wh["onHand"], wh["reserved"], wh["available"]) == (7, 7, 0)
    still = await gql(
        f'{{ reservation(id: "{reservation["id"]}") {{ status lines {{ reserved }} }} }}'
    )
    assert still["reservation"] == {"status": "HELD", "lines": [{"reserved": 7}]}
    [alert] = (await gql(ALERTS, {"status": "OPEN"}))["alerts"]
    assert (alert["type"], alert["sku"]) == ("DRIFT", "TEE")
    assert alert["details"] == {"location": "WH", "countId": done["id"], "unresolved": 5}

    recount = await counted(gql, {"TEE": 7})
    assert recount["lines"][0]["unresolved"] == 0
    assert (await gql(ALERTS, {"status": "OPEN"}))["alerts"] == []
    await assert_ledger_replays(gql)


@pytest.mark.parametrize(
    ("skus", "fields", "expected"),
    [
        (["NOPE"], {}, [(("input", "skus", "0"), "SKU_NOT_FOUND")]),
        (["TEE", "TEE"], {}, [(("input", "skus", "1"), "INVALID_VALUE")]),
        ([], {}, [(("input", "skus"), "INVALID_VALUE")]),
        (["TEE"], {"location": "MOON"}, [(("input", "location"), "LOCATION_NOT_FOUND")]),
        (["TEE"], {"reference": " "}, [(("input", "reference"), "BLANK")]),
    ],
)
async def test_bad_counts_are_refused_with_a_code_and_change_nothing(
    warehouse, skus, fields, expected
):
    gql = warehouse
    refused = await start(gql, skus, **fields)
    assert refused["cycleCount"] is None
    assert error_codes(refused) == expected
    assert (await gql(COUNTS, {"first": 5}))["cycleCounts"]["edges"] == []


async def test_a_sku_is_in_one_open_count_per_location_at_a_time(warehouse):
    gql = warehouse
    first = await started(gql, ["TEE", "CAP"])
    refused = await start(gql, ["MUG", "CAP"])
    assert error_codes(refused) == [(("input", "skus", "1"), "COUNT_IN_PROGRESS")]
    assert first["id"] in refused["userErrors"][0]["message"]
    await started(gql, ["CAP"], location="SHOP")  # another location is another level
    accepted(await move(gql, "cancelCount", first["id"]), "cycleCount")
    await started(gql, ["MUG", "CAP"])


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"TEE": -1}, [(("input", "lines", "0", "counted"), "INVALID_QUANTITY")]),
        ({"TEE": 10**9 + 1}, [(("input", "lines", "0", "counted"), "QUANTITY_TOO_LARGE")]),
        ({"MUG": 1}, [(("input", "lines", "0", "sku"), "INVALID_VALUE")]),
        ({}, [(("input", "lines"), "INVALID_VALUE")]),
    ],
)
async def test_bad_recordings_are_refused_with_a_code(warehouse, counts, expected):
    gql = warehouse
    count = await started(gql, ["TEE"])
    refused = await record(gql, count["id"], counts)
    assert error_codes(refused) == expected
    found = await gql(f'{{ cycleCount(id: "{count["id"]}") {{ lines {{ counted }} }} }}')
    assert found["cycleCount"]["lines"] == [{"counted": None}]


async def test_duplicate_recorded_lines_are_refused(warehouse):
    gql = warehouse
    count = await started(gql, ["TEE"])
    data = await gql(
        RECORD,
        {
            "input": {
                "id": count["id"],
                "lines": [{"sku": "TEE", "counted": 1}, {"sku": "TEE", "counted": 2}],
            }
        },
    )
    assert error_codes(data["recordCount"]) == [(("input", "lines", "1", "sku"), "INVALID_VALUE")]


async def test_incomplete_unknown_and_finished_counts_are_refused(warehouse):
    gql = warehouse
    count = await started(gql, ["TEE", "CAP"])
    await record(gql, count["id"], {"TEE": 9})
    incomplete = await move(gql, "completeCount", count["id"])
    assert error_codes(incomplete) == [(("input", "id"), "COUNT_INCOMPLETE")]
    assert "CAP" in incomplete["userErrors"][0]["message"]
    assert (await levels(gql))["WH"]["onHand"] == 10

    await record(gql, count["id"], {"CAP": 4})
    accepted(await move(gql, "completeCount", count["id"]), "cycleCount")
    for name in ("completeCount", "cancelCount"):
        refused = await move(gql, name, count["id"])
        assert error_codes(refused) == [(("input", "id"), "INVALID_TRANSITION")]
        assert "it is COMPLETED" in refused["userErrors"][0]["message"]
    late = await record(gql, count["id"], {"TEE": 1})
    assert error_codes(late) == [(("input", "id"), "INVALID_TRANSITION")]
    for name in ("completeCount", "cancelCount"):
        assert error_codes(await move(gql, name, "cc-unknown")) == [
            (("input", "id"), "COUNT_NOT_FOUND")
        ]
    assert error_codes(await record(gql, "cc-unknown", {"TEE": 1})) == [
        (("input", "id"), "COUNT_NOT_FOUND")
    ]
    assert (await levels(gql))["WH"]["onHand"] == 9
    await assert_ledger_replays(gql)


async def test_a_replayed_completion_applies_once(warehouse):
    gql = warehouse
    count = await started(gql, ["TEE"], idempotencyKey="count-1")
    assert (await started(gql, ["TEE"], idempotencyKey="count-1"))["id"] == count["id"]
    await record(gql, count["id"], {"TEE": 7}, idempotencyKey="tally-1")
    first = await move(gql, "completeCount", count["id"], idempotencyKey="close-1")
    replay = await move(gql, "completeCount", count["id"], idempotencyKey="close-1")
    assert replay["userErrors"] == []
    assert replay["cycleCount"]["lines"] == first["cycleCount"]["lines"]
    assert (await levels(gql))["WH"]["onHand"] == 7
    reused = await record(gql, count["id"], {"TEE": 8}, idempotencyKey="tally-1")
    assert error_codes(reused) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    await assert_ledger_replays(gql)


async def test_counts_are_listed_newest_first_by_status_location_and_page(warehouse):
    gql = warehouse
    ids = [(await started(gql, [sku]))["id"] for sku in ("TEE", "CAP", "MUG")]
    at_shop = await started(gql, ["TEE"], location="SHOP")
    await move(gql, "cancelCount", ids[0])
    page = (await gql(COUNTS, {"first": 2}))["cycleCounts"]
    assert [e["node"]["id"] for e in page["edges"]] == [at_shop["id"], ids[2]]
    rest = await gql(COUNTS, {"first": 5, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["id"] for e in rest["cycleCounts"]["edges"]] == [ids[1], ids[0]]
    open_at_wh = await gql(COUNTS, {"first": 5, "status": "OPEN", "location": "WH"})
    assert [e["node"]["id"] for e in open_at_wh["cycleCounts"]["edges"]] == [ids[2], ids[1]]
    one = await gql(f'{{ cycleCount(id: "{ids[1]}") {{ {COUNT_FIELDS} }} }}')
    assert one["cycleCount"]["lines"][0]["sku"] == "CAP"
    assert (await gql('{ cycleCount(id: "cc-unknown") { id } }'))["cycleCount"] is None


@SQLITE
async def test_a_completed_count_reaches_level_and_alert_subscribers(live_server):
    async with http(live_server) as gql:
        await seed(gql, skus=("TEE",), locations=("WH",))
        await channel(gql, "web", ("WH",))
        await receive(gql, "TEE", "WH", 10)
        hold = {"channel": "web", "orderRef": "o-1", "lines": [{"sku": "TEE", "quantity": 7}]}
        accepted((await gql(RESERVE, {"input": hold}))["reserveStock"], "reservation")
        async with connected(live_server) as levels_client, connected(live_server) as alerts:
            await levels_client.subscribe("1", LEVELS_FEED)
            [snapshot] = await levels_client.results(1)
            assert snapshot["stockLevelChanged"]["onHand"] == 10
            await alerts.subscribe("1", ALERTS_FEED)
            assert await alerts.silent()
            await counted(gql, {"TEE": 2})
            [level] = await levels_client.results(1)
            assert level["stockLevelChanged"] == {"location": "WH", "onHand": 7, "reserved": 7}
            [alert] = await alerts.results(1)
            assert alert["alertRaised"] == {"type": "DRIFT", "status": "OPEN", "sku": "TEE"}

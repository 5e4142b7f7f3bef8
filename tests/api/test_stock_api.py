"""receiveStock, adjustStock, setStock, stockLevels, stockEvents and ledgerCheck over HTTP."""

from __future__ import annotations

from tests.api.stock_operations import ADJUST, RECEIVE, SET, error_codes, seed


async def test_receiving_stock_returns_the_level_and_its_ledger_row(gql):
    await seed(gql)
    data = await gql(
        RECEIVE,
        {"input": {"sku": "TEE", "location": "WH", "quantity": 12, "reference": "ASN-1"}},
    )
    payload = data["receiveStock"]
    assert payload["userErrors"] == []
    assert payload["stockLevel"] == {
        "sku": "TEE",
        "location": "WH",
        "onHand": 12,
        "available": 12,
        "reserved": 0,
        "committed": 0,
        "damaged": 0,
        "quarantined": 0,
        "inTransit": 0,
        "onOrder": 0,
        "version": 1,
    }
    event = payload["stockEvent"]
    assert (event["type"], event["reason"], event["reference"], event["actor"]) == (
        "RECEIVED",
        "RECEIVED",
        "ASN-1",
        "admin-token",
    )
    assert event["before"]["onHand"] == 0 and event["after"]["onHand"] == 12


async def test_damage_moves_units_out_of_available_and_write_off_removes_them(gql):
    await seed(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 10}})
    damaged = await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 3, "reason": "DAMAGED"}}
    )
    level = damaged["adjustStock"]["stockLevel"]
    assert (level["onHand"], level["damaged"], level["available"]) == (10, 3, 7)
    written_off = await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 2, "reason": "WRITE_OFF"}}
    )
    level = written_off["adjustStock"]["stockLevel"]
    assert (level["onHand"], level["damaged"], level["available"], level["version"]) == (8, 1, 7, 3)
    assert written_off["adjustStock"]["stockEvent"]["delta"] == {"onHand": -2, "damaged": -2}


async def test_quarantine_and_release(gql):
    await seed(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
    held = await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 2, "reason": "QUARANTINED"}}
    )
    assert held["adjustStock"]["stockLevel"]["available"] == 3
    released = await gql(
        ADJUST,
        {
            "input": {
                "sku": "TEE",
                "location": "WH",
                "quantity": 2,
                "reason": "RELEASED_FROM_QUARANTINE",
            }
        },
    )
    assert released["adjustStock"]["stockLevel"]["available"] == 5


async def test_removing_more_than_available_is_insufficient_stock(gql):
    await seed(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 2}})
    data = await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 3, "reason": "THEFT"}}
    )
    assert data["adjustStock"]["stockLevel"] is None
    assert error_codes(data["adjustStock"]) == [(("input", "quantity"), "INSUFFICIENT_STOCK")]
    levels = await gql('{ stockLevels(sku: "TEE") { onHand version } }')
    assert levels["stockLevels"] == [{"onHand": 2, "version": 1}]


async def test_set_stock_with_a_stale_change_from_quantity_changes_nothing(gql):
    await seed(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 10}})
    counted = await gql(
        SET, {"input": {"sku": "TEE", "location": "WH", "quantity": 9, "changeFromQuantity": 10}}
    )
    assert counted["setStock"]["stockLevel"]["onHand"] == 9
    assert counted["setStock"]["stockEvent"]["reason"] == "STOCK_TAKE"
    stale = await gql(
        SET, {"input": {"sku": "TEE", "location": "WH", "quantity": 4, "changeFromQuantity": 10}}
    )
    assert error_codes(stale["setStock"]) == [(("input", "changeFromQuantity"), "STALE_QUANTITY")]
    assert "on hand is 9, not 10" in stale["setStock"]["userErrors"][0]["message"]
    levels = await gql('{ stockLevels(sku: "TEE", location: "WH") { onHand version } }')
    assert levels["stockLevels"] == [{"onHand": 9, "version": 2}]


async def test_set_stock_without_expectation_sets_the_count(gql):
    await seed(gql)
    data = await gql(
        SET, {"input": {"sku": "TEE", "location": "WH", "quantity": 7, "reason": "CORRECTION"}}
    )
    assert data["setStock"]["stockLevel"]["onHand"] == 7
    assert data["setStock"]["stockEvent"]["delta"]["onHand"] == 7


async def test_an_idempotent_replay_returns_the_original_payload(gql):
    await seed(gql)
    request = {"input": {"sku": "TEE", "location": "WH", "quantity": 4, "idempotencyKey": "rcv-1"}}
    first = await gql(RECEIVE, request)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    again = await gql(RECEIVE, request)
    assert again == first
    assert again["receiveStock"]["stockEvent"]["idempotencyKey"] == "rcv-1"
    levels = await gql('{ stockLevels(sku: "TEE") { onHand } }')
    assert levels["stockLevels"] == [{"onHand": 5}]


async def test_an_idempotency_key_reused_for_other_input_is_refused(gql):
    await seed(gql)
    await gql(
        RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 4, "idempotencyKey": "k"}}
    )
    reused = await gql(
        RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5, "idempotencyKey": "k"}}
    )
    assert error_codes(reused["receiveStock"]) == [
        (("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")
    ]


async def test_stock_levels_filter_by_sku_and_location_and_sku_totals_sum_them(gql):
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    for sku, location, quantity in [("TEE", "WH", 5), ("TEE", "SHOP", 2), ("CAP", "SHOP", 1)]:
        await gql(RECEIVE, {"input": {"sku": sku, "location": location, "quantity": quantity}})
    everything = await gql("{ stockLevels { sku location onHand } }")
    assert len(everything["stockLevels"]) == 3
    shop = await gql('{ stockLevels(location: "SHOP") { sku } }')
    assert sorted(x["sku"] for x in shop["stockLevels"]) == ["CAP", "TEE"]
    totals = await gql(
        '{ sku(code: "TEE") { totals { onHand available } stockLevels { location } } }'
    )
    assert totals["sku"]["totals"] == {"onHand": 7, "available": 7}
    assert sorted(x["location"] for x in totals["sku"]["stockLevels"]) == ["SHOP", "WH"]


async def test_the_ledger_pages_newest_first(gql):
    await seed(gql)
    for quantity in range(1, 6):
        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": quantity}})
    query = """query($after: String) { stockEvents(sku: "TEE", first: 3, after: $after) {
        edges { node { delta { onHand } version } } pageInfo { hasNextPage endCursor } } }"""
    first = (await gql(query))["stockEvents"]
    assert [e["node"]["delta"]["onHand"] for e in first["edges"]] == [5, 4, 3]
    second = (await gql(query, {"after": first["pageInfo"]["endCursor"]}))["stockEvents"]
    assert [e["node"]["version"] for e in second["edges"]] == [2, 1]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_ledger_check_query_replays_the_ledger(gql):
    await seed(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})
    report = await gql(
        "{ ledgerCheck { ok stockLevelsChecked eventsReplayed discrepancies { sku } } }"
    )
    assert report["ledgerCheck"] == {
        "ok": True,
        "stockLevelsChecked": 1,
        "eventsReplayed": 1,
        "discrepancies": [],
    }

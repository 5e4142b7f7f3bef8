"""createSku, updateSku, createLocation, updateLocation and the catalogue queries over HTTP."""

from __future__ import annotations

CREATE_SKU = """
mutation($input: CreateSkuInput!) {
  createSku(input: $input) {
    sku { code name barcode active attributes { name value } totals { onHand } }
    userErrors { field message code }
  }
}"""

CREATE_LOCATION = """
mutation($input: CreateLocationInput!) {
  createLocation(input: $input) {
    location { code name kind priority latitude longitude active }
    userErrors { field message code }
  }
}"""


async def test_a_sku_is_created_with_its_variant_attributes(gql):
    data = await gql(
        CREATE_SKU,
        {
            "input": {
                "code": "TEE-BLK-M",
                "name": "Tee black M",
                "barcode": "8712345678901",
                "attributes": [
                    {"name": "colour", "value": "black"},
                    {"name": "size", "value": "M"},
                ],
            }
        },
    )
    assert data["createSku"] == {
        "sku": {
            "code": "TEE-BLK-M",
            "name": "Tee black M",
            "barcode": "8712345678901",
            "active": True,
            "attributes": [{"name": "colour", "value": "black"}, {"name": "size", "value": "M"}],
            "totals": {"onHand": 0},
        },
        "userErrors": [],
    }
    found = await gql('{ sku(code: "TEE-BLK-M") { name } missing: sku(code: "NOPE") { name } }')
    assert found == {"sku": {"name": "Tee black M"}, "missing": None}


async def test_a_duplicate_sku_code_is_a_user_error(gql):
    await gql(CREATE_SKU, {"input": {"code": "A", "name": "A"}})
    data = await gql(CREATE_SKU, {"input": {"code": "A", "name": "again"}})
    assert data["createSku"]["sku"] is None
    assert data["createSku"]["userErrors"] == [
        {
            "field": ["input", "code"],
            "message": "a SKU with code 'A' already exists",
            "code": "DUPLICATE_CODE",
        }
    ]


async def test_update_sku_changes_only_what_is_given(gql):
    await gql(CREATE_SKU, {"input": {"code": "A", "name": "A", "barcode": "1"}})
    data = await gql(
        """mutation { updateSku(input: {code: "A", name: "Renamed", active: false}) {
             sku { name barcode active } userErrors { code } } }"""
    )
    assert data["updateSku"] == {
        "sku": {"name": "Renamed", "barcode": "1", "active": False},
        "userErrors": [],
    }
    missing = await gql(
        'mutation { updateSku(input: {code: "NOPE", name: "x"}) { userErrors { field code } } }'
    )
    assert missing["updateSku"]["userErrors"] == [
        {"field": ["input", "code"], "code": "SKU_NOT_FOUND"}
    ]


async def test_skus_page_through_a_relay_connection_and_search(gql):
    for code in ["TEE-S", "TEE-M", "TEE-L", "CAP"]:
        await gql(CREATE_SKU, {"input": {"code": code, "name": f"Item {code}"}})
    query = """query($after: String, $search: String) {
      skus(first: 2, after: $after, search: $search) {
        edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor }
      } }"""
    first = (await gql(query))["skus"]
    assert [e["node"]["code"] for e in first["edges"]] == ["TEE-S", "TEE-M"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await gql(query, {"after": first["pageInfo"]["endCursor"]}))["skus"]
    assert [e["node"]["code"] for e in second["edges"]] == ["TEE-L", "CAP"]
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": second["edges"][-1]["cursor"],
    }
    searched = (await gql(query, {"search": "tee-"}))["skus"]
    assert [e["node"]["code"] for e in searched["edges"]] == ["TEE-S", "TEE-M"]
    none = (await gql(query, {"search": "100%_"}))["skus"]
    assert none["edges"] == []


async def test_a_bad_cursor_or_page_size_is_a_clear_error(gql):
    response = await gql.post('{ skus(after: "garbage!") { edges { cursor } } }')
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    response = await gql.post("{ skus(first: 0) { edges { cursor } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
    response = await gql.post("{ skus(first: 100000) { edges { cursor } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_locations_are_created_updated_and_listed_by_priority(gql):
    store = {
        "code": "STORE-1",
        "name": "City store",
        "kind": "STORE",
        "priority": 10,
        "latitude": 52.37,
        "longitude": 4.89,
    }
    created = await gql(CREATE_LOCATION, {"input": store})
    assert created["createLocation"] == {"location": {**store, "active": True}, "userErrors": []}
    await gql(CREATE_LOCATION, {"input": {"code": "WH", "name": "Warehouse", "kind": "WAREHOUSE"}})
    await gql(
        CREATE_LOCATION,
        {
            "input": {
                "code": "3PL",
                "name": "Partner",
                "kind": "THIRD_PARTY_LOGISTICS",
                "priority": 5,
            }
        },
    )
    listed = await gql("{ locations { code } }")
    assert [x["code"] for x in listed["locations"]] == ["WH", "3PL", "STORE-1"]
    updated = await gql(
        """mutation { updateLocation(input: {code: "STORE-1", priority: 1, active: false}) {
             location { priority active name } userErrors { code } } }"""
    )
    assert updated["updateLocation"]["location"] == {
        "priority": 1,
        "active": False,
        "name": "City store",
    }
    one = await gql('{ location(code: "3PL") { kind } }')
    assert one == {"location": {"kind": "THIRD_PARTY_LOGISTICS"}}


async def test_location_input_problems_are_each_reported(gql):
    data = await gql(
        CREATE_LOCATION,
        {"input": {"code": "bad code", "name": "", "priority": -1, "latitude": 123.0}},
    )
    errors = data["createLocation"]["userErrors"]
    assert {(tuple(e["field"]), e["code"]) for e in errors} == {
        (("input", "code"), "INVALID_VALUE"),
        (("input", "name"), "BLANK"),
        (("input", "priority"), "INVALID_VALUE"),
        (("input", "latitude"), "INVALID_VALUE"),
    }
    assert (await gql("{ locations { code } }"))["locations"] == []


async def test_duplicate_location_and_unknown_update_are_user_errors(gql):
    await gql(CREATE_LOCATION, {"input": {"code": "WH", "name": "Warehouse"}})
    again = await gql(CREATE_LOCATION, {"input": {"code": "WH", "name": "Other"}})
    assert again["createLocation"]["userErrors"][0]["code"] == "DUPLICATE_CODE"
    missing = await gql('mutation { updateLocation(input: {code: "X"}) { userErrors { code } } }')
    assert missing["updateLocation"]["userErrors"] == [{"code": "LOCATION_NOT_FOUND"}]

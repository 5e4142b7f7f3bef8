"""Bad input: a userError with a field and a stable code, nothing changed, never a 500."""

from __future__ import annotations

import pytest

from tests.api.stock_operations import ADJUST, RECEIVE, SET, error_codes, seed

HUGE = 10**9 + 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quantity": 0}, [(("input", "quantity"), "INVALID_QUANTITY")]),
        ({"quantity": -5}, [(("input", "quantity"), "INVALID_QUANTITY")]),
        ({"quantity": HUGE}, [(("input", "quantity"), "QUANTITY_TOO_LARGE")]),
        ({"sku": "NOPE"}, [(("input", "sku"), "SKU_NOT_FOUND")]),
        ({"location": "NOPE"}, [(("input", "location"), "LOCATION_NOT_FOUND")]),
        ({"sku": ""}, [(("input", "sku"), "BLANK")]),
        ({"sku": "x" * 10_240}, [(("input", "sku"), "TOO_LONG")]),
        ({"reference": "r" * 10_240}, [(("input", "reference"), "TOO_LONG")]),
        ({"idempotencyKey": "k" * 10_240}, [(("input", "idempotencyKey"), "TOO_LONG")]),
        ({"reason": "THEFT"}, [(("input", "reason"), "INVALID_REASON")]),
    ],
)
async def test_bad_receive_input_is_a_user_error_and_changes_nothing(gql, change, expected):
    await seed(gql)
    data = await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1, **change}})
    assert data["receiveStock"]["stockLevel"] is None
    assert error_codes(data["receiveStock"]) == expected
    assert (await gql("{ stockLevels { onHand } }"))["stockLevels"] == []
    assert (await gql("{ stockEvents { edges { cursor } } }"))["stockEvents"]["edges"] == []


async def test_adjust_refuses_a_reason_it_does_not_take(gql):
    await seed(gql)
    data = await gql(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 1, "reason": "STOCK_TAKE"}}
    )
    assert error_codes(data["adjustStock"]) == [(("input", "reason"), "INVALID_REASON")]


async def test_set_stock_refuses_negative_counts_and_foreign_reasons(gql):
    await seed(gql)
    data = await gql(
        SET,
        {
            "input": {
                "sku": "TEE",
                "location": "WH",
                "quantity": -1,
                "changeFromQuantity": -2,
                "reason": "THEFT",
            }
        },
    )
    assert sorted(error_codes(data["setStock"])) == [
        (("input", "changeFromQuantity"), "INVALID_QUANTITY"),
        (("input", "quantity"), "INVALID_QUANTITY"),
        (("input", "reason"), "INVALID_REASON"),
    ]


async def test_sku_input_edges(gql):
    query = "mutation($input: CreateSkuInput!) { createSku(input: $input) { sku { code } userErrors { field code } } }"
    cases = [
        ({"code": "", "name": "x"}, [(("input", "code"), "BLANK")]),
        ({"code": "A", "name": "n" * 10_240}, [(("input", "name"), "TOO_LONG")]),
        ({"code": "A B", "name": "x"}, [(("input", "code"), "INVALID_VALUE")]),
        (
            {"code": "A", "name": "x", "attributes": [{"name": "", "value": "v"}]},
            [(("input", "attributes"), "BLANK")],
        ),
    ]
    for sku_input, expected in cases:
        data = await gql(query, {"input": sku_input})
        assert error_codes(data["createSku"]) == expected, sku_input
    assert (await gql("{ skus { edges { cursor } } }"))["skus"]["edges"] == []


async def test_malformed_graphql_is_an_error_never_a_500(gql):
    response = await gql.post("{ skus(first: ")
    assert response.status_code == 200
    assert "Syntax Error" in response.json()["errors"][0]["message"]


async def test_malformed_graphql_is_a_400_for_graphql_response_clients(gql):
    response = await gql.http.post(
        "/graphql",
        json={"query": "{ skus(first: "},
        headers={
            "authorization": f"Bearer {gql.token}",
            "accept": "application/graphql-response+json",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")


async def test_wrong_variable_types_are_rejected_before_execution(gql):
    await seed(gql)
    for bad in ["three", 1.5, None, 2**40]:
        response = await gql.post(
            RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": bad}}
        )
        assert response.status_code == 200
        body = response.json()
        assert body.get("data") is None and body["errors"], bad
    unknown_reason = await gql.post(
        ADJUST, {"input": {"sku": "TEE", "location": "WH", "quantity": 1, "reason": "BURNT"}}
    )
    assert unknown_reason.json()["errors"]
    assert (await gql("{ stockLevels { onHand } }"))["stockLevels"] == []


async def test_a_body_that_is_not_json_is_a_400(gql):
    response = await gql.http.post(
        "/graphql",
        content=b"{not json",
        headers={"authorization": f"Bearer {gql.token}", "content-type": "application/json"},
    )
    assert response.status_code == 400


async def test_unexpected_failures_are_masked_not_leaked(gql, monkeypatch):
    from api.services.queries import StockQueries

    async def explode(*args, **kwargs):
        raise RuntimeError("secret connection string postgres://user:pw@db")

    monkeypatch.setattr(StockQueries, "locations", explode)
    response = await gql.post("{ locations { code } }")
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "internal error"
    assert "secret" not in response.text

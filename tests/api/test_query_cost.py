"""Every operation is priced from its document before it runs; over the limit it is refused
with QUERY_TOO_COMPLEX and nothing runs; every response reports its cost."""

from __future__ import annotations

import time

import pytest
from graphql import parse

from schema import build_schema
from schema.query_cost import (
    DEFAULT_LIST_SIZE,
    MUTATION_COST,
    SIZES,
    SURCHARGES,
    actual_cost,
    requested_cost,
)
from schema.realtime.graphql_core import graphql_core_schema

SCHEMA = graphql_core_schema(build_schema())
SKU_PAGE = "skus(first: 100) { edges { node { code stockLevels { onHand } totals { onHand } "
SKU_PAGE += "bundleStock { location available } } } }"


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    return requested_cost(SCHEMA, parse(query), None, variables)


def test_objects_cost_one_point_scalars_none_and_connections_their_page():
    assert cost("{ viewer { name role } }") == 1
    # the connection, then per edge: the edge and its node
    assert cost("{ skus(first: 7) { edges { node { code } } } }") == 1 + 7 * 2
    assert cost("query($n: Int!) { skus(first: $n) { edges { node { code } } } }", {"n": 3}) == 7
    assert cost("{ skus { edges { node { code } } } }") == 1 + 20 * 2  # the default page


def test_fragments_aliases_and_skipped_fields_count_as_the_executor_sees_them():
    query = """query($skip: Boolean!) {
      a: skus(first: 2) { ...Page }  b: skus(first: 2) { edges { ... on SkuEdge { node { code } } } }
      c: viewer @skip(if: $skip) { name }
    }
    fragment Page on SkuConnection { edges { node { code } } ...Page2 }
    fragment Page2 on SkuConnection { edges { node { name } } }"""
    assert requested_cost(SCHEMA, parse(query), None, {"skip": True}) == 5 + 5
    assert requested_cost(SCHEMA, parse(query), None, {"skip": False}) == 5 + 5 + 1


def test_a_mutation_field_costs_more_than_a_read_and_heavy_fields_carry_their_surcharge():
    mutation = 'mutation { a: releaseReservation(input: {id: "r1"}) { userErrors { code } } }'
    assert cost(mutation) == MUTATION_COST + 1 + DEFAULT_LIST_SIZE  # the payload, userErrors
    assert cost("{ ledgerCheck { ok } }") == SURCHARGES["Query.ledgerCheck"] + 1
    three = cost("{ a: ledgerCheck { ok } b: ledgerCheck { ok } c: ledgerCheck { ok } }")
    assert three == 3 * cost("{ ledgerCheck { ok } }")


def test_a_subscription_costs_its_snapshot_of_each_sku_it_covers():
    query = 'subscription($skus: [String!]) { availabilityChanged(channel: "web", skus: $skus)'
    query += " { sku published } }"
    assert requested_cost(SCHEMA, parse(query), None, {"skus": ["A", "B", "C"]}) == 3
    assert requested_cost(SCHEMA, parse(query), None, {}) == 100


def test_the_attacks_of_the_issue_are_priced_far_over_the_limit_in_milliseconds():
    """200 aliases of a full SKU page took 26 s; 1,000 aliases of ledgerCheck 5.9 s."""
    pages = parse("{" + " ".join(f"a{i}: {SKU_PAGE}" for i in range(200)) + "}")
    ledgers = parse("{" + " ".join(f"a{i}: ledgerCheck {{ ok }}" for i in range(1000)) + "}")
    for document in (pages, ledgers):
        started = time.perf_counter()
        assert requested_cost(SCHEMA, document, stop_above=1000) > 1000
        assert time.perf_counter() - started < 1  # a naive walk would never end


def test_nested_fragments_cost_time_in_proportion_to_the_document():
    levels = 40  # F(i) spreads F(i+1) and G(i+1), which spreads F(i+1): 2**40 paths if naive
    fragments = "\n".join(
        f"fragment F{i} on Sku {{ s{i}: stockLevels {{ onHand }} ...F{i + 1} ...G{i + 1} }}\n"
        f"fragment G{i + 1} on Sku {{ ...F{i + 1} }}"
        for i in range(levels)
    )
    query = '{ sku(code: "A") { ...F0 } }\n' + fragments + f"\nfragment F{levels} on Sku {{ code }}"
    started = time.perf_counter()
    assert cost(query) == 1 + levels * DEFAULT_LIST_SIZE
    assert time.perf_counter() - started < 1  # a naive walk would never end


def test_the_actual_cost_counts_what_was_returned():
    document = parse("{ skus(first: 50) { edges { node { code stockLevels { onHand } } } } }")
    returned = {"skus": {"edges": [{"node": {"code": "A", "stockLevels": [{"onHand": 1}] * 3}}]}}
    assert requested_cost(SCHEMA, document) == 1 + 50 * (2 + DEFAULT_LIST_SIZE)
    assert actual_cost(SCHEMA, document, None, None, returned) == 1 + 2 + 3


@pytest.mark.parametrize("name", sorted(SIZES.keys() | SURCHARGES.keys()))
def test_every_declared_cost_names_a_field_of_the_schema(name):
    type_name, field = name.split(".")
    if field.startswith("__"):
        assert type_name == "Query"  # introspection's entry points
        return
    assert field in SCHEMA.get_type(type_name).fields  # type: ignore[union-attr]


IMPORT = """importListings(input: {channel: "web", csv: "sku,external_sku"}) {
    listings { sku campaigns { startsAt } availability { published } } }"""
OVER_BUDGET_MUTATION = f"""mutation {{
  createSku(input: {{code: "NEVER", name: "never"}}) {{ sku {{ code }} }}
  one: {IMPORT} two: {IMPORT} }}"""


async def test_a_query_over_the_limit_is_refused_before_anything_runs(gql):
    assert cost(OVER_BUDGET_MUTATION) > 1000
    response = await gql.post(OVER_BUDGET_MUTATION)
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "1000" in error["message"] and str(cost(OVER_BUDGET_MUTATION)) in error["message"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == cost(OVER_BUDGET_MUTATION)
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert (await gql('{ sku(code: "NEVER") { code } }'))["sku"] is None


async def test_aliases_of_ledger_check_are_refused_as_too_complex(gql):
    response = await gql.post(
        "{ a: ledgerCheck { ok } b: ledgerCheck { ok } c: ledgerCheck { ok } }"
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    response = await gql.post("{ " + SKU_PAGE + " }")
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_every_response_carries_its_cost(gql):
    body = (await gql.post("{ skus(first: 50) { edges { node { code } } } }")).json()
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 101,
        "actualQueryCost": 1,  # no SKUs: the connection alone
        "throttleStatus": None,  # the operator's environment token is not rate-limited
    }
    failed = (await gql.post("{ nothingLikeThis }")).json()
    assert failed["extensions"]["cost"]["requestedQueryCost"] == 0

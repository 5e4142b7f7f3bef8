"""Facts worked out once per parsed document (schema/document_memo.py) answer every later
request of that document as the first was answered, and go when the document goes."""

from __future__ import annotations

import gc

from graphql import parse

from schema import build_schema
from schema.document_memo import _MEMOS, memo
from schema.input_hygiene import input_problems
from schema.query_cost import actual_cost, requested_cost
from schema.realtime.graphql_core import graphql_core_schema

SCHEMA = graphql_core_schema(build_schema())
PAGE = "query($n: Int!) { skus(first: $n) { edges { node { code } } } }"
RESERVE = (
    'mutation($order: String!) { reserveStock(input: {channel: "web", orderRef: $order, '
    'lines: [{sku: "A", quantity: 1}]}) { reservation { id } userErrors { code } } }'
)


def test_a_documents_facts_go_when_the_document_goes():
    document = parse("{ viewer { name } }")
    memo(document)["fact"] = 1
    key = id(document)
    assert memo(document) == {"fact": 1}
    del document
    gc.collect()
    assert key not in _MEMOS


def test_a_cost_that_reads_a_variable_follows_each_requests_variables():
    document = parse(PAGE)
    assert requested_cost(SCHEMA, document, None, {"n": 3}) == 7
    assert requested_cost(SCHEMA, document, None, {"n": 10}) == 21
    assert requested_cost(SCHEMA, document, None, {"n": 3}) == 7


def test_a_cost_that_reads_no_variable_is_the_same_for_every_request_and_kept():
    document = parse(RESERVE)
    first = requested_cost(SCHEMA, document, None, {"order": "o-1"})
    assert memo(document)  # kept with the document
    assert requested_cost(SCHEMA, document, None, {"order": "o-2"}) == first
    assert requested_cost(SCHEMA, document, None, None) == first
    data = {"reserveStock": {"reservation": {"id": "r1"}, "userErrors": []}}
    refused = {"reserveStock": {"reservation": None, "userErrors": [{"code": "X"}]}}
    assert actual_cost(SCHEMA, document, None, {"order": "o-3"}, data) == 10 + 1 + 1
    assert actual_cost(SCHEMA, document, None, {"order": "o-4"}, refused) == 10 + 1 + 1


def test_a_count_stopped_at_the_limit_is_not_taken_for_the_whole_cost():
    document = parse("{ a: ledgerCheck { ok } b: ledgerCheck { ok } }")
    assert requested_cost(SCHEMA, document, None, None, stop_above=10) == 501
    assert requested_cost(SCHEMA, document, None, None) == 1002
    assert requested_cost(SCHEMA, document, None, None, stop_above=10) == 501


def test_an_operation_name_the_document_lacks_keeps_nothing():
    document = parse("query A { viewer { name } } query B { viewer { role } }")
    for name in ("X", "Y", "Z"):
        assert requested_cost(SCHEMA, document, name, None) == 1
    assert memo(document) == {}


def test_refused_literals_are_refused_in_every_request_of_the_document():
    document = parse(
        'mutation { createSku(input: {code: "a\\u0000", name: "n"}) { sku { code } } }'
    )
    for _ in range(2):
        errors = input_problems(document, {})
        assert [error.extensions["field"] for error in errors] == [["input", "code"]]  # type: ignore[index]
    assert input_problems(parse("query($s: String) { viewer { name } }"), {"s": "\x01"})

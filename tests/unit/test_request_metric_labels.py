"""The `operation` label of /metrics: the schema's root fields, a bounded set whatever
clients send (schema/request_metrics.py)."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse

from schema.request_metrics import INVALID, OTHER, OperationLabels, outcome_of

KNOWN = frozenset({"sku", "skus", "channels", "locations", "reserveStock"})


def operation(document: str) -> OperationDefinitionNode:
    definition = parse(document).definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    return definition


def test_one_root_field_is_its_own_label_whatever_the_client_calls_the_operation():
    labels = OperationLabels()
    assert labels.of(operation("query CheckoutPage_v2 { sku(code: 1) { code } }"), KNOWN) == "sku"
    assert labels.of(operation("{ a: skus { x } b: skus { y } }"), KNOWN) == "skus"
    assert labels.of(operation("{ __typename }"), KNOWN) == "__typename"


def test_several_root_fields_are_joined_in_name_order():
    labels = OperationLabels()
    assert labels.of(operation("{ skus { x } channels { y } }"), KNOWN) == "channels+skus"


def test_fields_the_schema_does_not_have_never_become_labels():
    labels = OperationLabels()
    assert labels.of(operation("{ anythingAClientLikes { x } }"), KNOWN) == INVALID
    assert labels.of(operation("{ sku { x } ...Root }"), KNOWN) == OTHER


def test_combinations_beyond_the_cap_are_other_while_single_fields_stay_themselves():
    labels = OperationLabels(max_combinations=2)
    assert labels.of(operation("{ sku skus }"), KNOWN) == "sku+skus"
    assert labels.of(operation("{ sku channels }"), KNOWN) == "channels+sku"
    assert labels.of(operation("{ sku locations }"), KNOWN) == OTHER
    assert labels.of(operation("{ skus sku }"), KNOWN) == "sku+skus"  # already kept
    assert labels.of(operation("{ locations }"), KNOWN) == "locations"


def test_a_mutation_answered_with_user_errors_is_told_apart_from_one_that_succeeded():
    refused = {"reserveStock": {"reservation": None, "userErrors": [{"code": "X"}]}}
    done = {"reserveStock": {"reservation": {"id": "1"}, "userErrors": []}}
    assert outcome_of(refused, []) == "user_error"
    assert outcome_of(done, []) == "ok"

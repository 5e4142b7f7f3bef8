"""GraphQL requests counted for /metrics, by operation and outcome, with their durations
(the metrics are defined in api/observability/metrics.py).

The `operation` label is what a request asked for: its root fields (`reserveStock`,
`stockLevels`), several joined by `+` in name order. A client names its operations as it
likes, so that name is never a label; root fields are the schema's, a bounded set, and of
the combinations of several a worker keeps at most `MAX_COMBINATIONS`, then says `other`.
A document that does not parse, or asks for no field the schema has, is `invalid`.

Queries and mutations over HTTP and WebSocket are counted; the hub's runs of subscription
operations (one per change and group, with no request behind them) are not."""

from __future__ import annotations

import time
from collections.abc import Container, Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from api.observability.metrics import request_done
from schema.error_log import is_internal
from schema.realtime.graphql_core import graphql_core_schema
from schema.request_logging import note_operation
from schema.throttling import QUERY_TOO_COMPLEX, THROTTLED

MAX_COMBINATIONS = 100
INVALID = "invalid"
OTHER = "other"
INTROSPECTION = frozenset({"__schema", "__type", "__typename"})


class RequestMetrics(SchemaExtension):
    """Keep it last among the schema's extensions: it sees errors before MaskErrors hides
    what they were."""

    def on_operation(self) -> Iterator[None]:
        if getattr(self.execution_context.context, "request", None) is None:
            yield  # a subscription's result rendered by the hub
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            operation, outcome = self._operation(), self._outcome()
            request_done(operation, outcome, time.perf_counter() - started)
            note_operation(self.execution_context, operation, outcome)  # the request's log line

    def _operation(self) -> str:
        return operation_label(self.execution_context)

    def _outcome(self) -> str:
        context = self.execution_context
        result = context.result
        errors = list(getattr(result, "errors", None) or context.pre_execution_errors or [])
        if result is None and not errors:
            # Ended by an exception, which Strawberry answers after the operation: a refused
            # document (schema/bounds) before it was parsed, or something unexpected.
            return INVALID if context.graphql_document is None else "internal_error"
        return outcome_of(getattr(result, "data", None), errors)


def operation_definition(context: ExecutionContext) -> OperationDefinitionNode | None:
    """The operation a request runs, if its document parsed and names one."""
    document = context.graphql_document
    if document is None:
        return None
    try:
        return get_operation_ast(document, context.operation_name)
    except GraphQLError:
        return None


def operation_label(context: ExecutionContext) -> str:
    """The `operation` label: the root fields asked for (see the module)."""
    definition = operation_definition(context)
    if definition is None:
        return INVALID
    return LABELS.of(definition, _root_fields(context.schema, definition))


def _root_fields(schema: Any, definition: OperationDefinitionNode) -> Container[str]:
    root = graphql_core_schema(schema).get_root_type(definition.operation)
    return root.fields if root is not None else ()


class OperationLabels:
    """The `operation` label of each request: at most `max_combinations` of several fields."""

    def __init__(self, max_combinations: int = MAX_COMBINATIONS) -> None:
        self.max_combinations = max_combinations
        self._combinations: set[str] = set()

    def of(self, definition: OperationDefinitionNode, known: Container[str]) -> str:
        names = set()
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode):
                return OTHER  # a fragment spread at the root: not worth reading through
            name = selection.name.value
            if name not in known and name not in INTROSPECTION:
                return INVALID
            names.add(name)
        if not names:
            return INVALID
        label = "+".join(sorted(names))
        if len(names) == 1 or label in self._combinations:
            return label
        if len(self._combinations) >= self.max_combinations:
            return OTHER
        self._combinations.add(label)
        return label


LABELS = OperationLabels()
"""This worker's labels."""


def outcome_of(data: Any, errors: list[GraphQLError]) -> str:
    """ok; user_error (a mutation answered with userErrors, when they were selected);
    invalid (unparsable or invalid: nothing ran); error (a field refused, e.g. NOT_FOUND);
    internal_error; throttled; too_complex."""
    if errors:
        codes = {(error.extensions or {}).get("code") for error in errors}
        if THROTTLED in codes:
            return "throttled"
        if QUERY_TOO_COMPLEX in codes:
            return "too_complex"
        if any(is_internal(error) for error in errors):
            return "internal_error"
        if data is None and all(error.path is None for error in errors):
            return "invalid"
        return "error"
    if isinstance(data, dict) and any(
        isinstance(value, dict) and value.get("userErrors") for value in data.values()
    ):
        return "user_error"
    return "ok"

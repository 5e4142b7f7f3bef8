"""What the request log line (api/observability/request_log.py) learns from GraphQL: each
operation's root fields, the client's operation name, its outcome and its error codes (the
codes of top-level errors and of the userErrors a mutation answered with, when selected).

`RequestMetrics` (schema/request_metrics.py) calls `note_operation` with what it worked out
for /metrics, so an operation is read once for both. A subscription's start is a line of its
own (`subscription_started`), on its WebSocket's request id."""

from __future__ import annotations

import logging
from typing import Any, TypeGuard

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.types import ExecutionContext

from api.observability.request_log import current_request
from schema.error_log import is_internal

log = logging.getLogger("stockpool.request")

SHOWN_NAME_CHARACTERS = 100


def note_operation(context: ExecutionContext, operation: str, outcome: str) -> None:
    record = current_request()
    if record is None:
        return
    codes = [] if outcome == "ok" else error_codes(context)
    record.add_operation(operation, _name(context.operation_name), outcome, codes)


def error_codes(context: ExecutionContext) -> list[str]:
    """Distinct codes, in the order met: top-level errors first (INVALID for GraphQL's own,
    which have none; INTERNAL for an unexpected exception), then userErrors."""
    result = context.result
    errors: list[GraphQLError] = list(
        getattr(result, "errors", None) or context.pre_execution_errors or []
    )
    codes: list[str] = []
    for error in errors:
        code = (error.extensions or {}).get("code") or ("INTERNAL" if is_internal(error) else "")
        code = code if isinstance(code, str) and code else "INVALID"  # as schema/error_log.py
        if code not in codes:
            codes.append(code)
    data = getattr(result, "data", None)
    if isinstance(data, dict):
        for payload in data.values():
            for user_error in _user_errors(payload):
                code = user_error.get("code") if isinstance(user_error, dict) else None
                if isinstance(code, str) and code not in codes:
                    codes.append(code)
    return codes


def _user_errors(payload: Any) -> list[Any]:
    if isinstance(payload, dict):
        found = payload.get("userErrors")
        if isinstance(found, list):
            return found
    return []


def subscription_started(definition: OperationDefinitionNode, name: str | None) -> None:
    """A subscription has exactly one root field (GraphQL's rule): the line names it."""
    record = current_request()
    if record is not None:
        record.subscriptions += 1
    if log.isEnabledFor(logging.INFO):
        fields = [s.name.value for s in definition.selection_set.selections if _is_field(s)]
        operation = fields[0] if len(fields) == 1 else "invalid"
        shown = {"operation": operation, "operation_name": _name(name)}
        log.info("subscription started", extra={"fields": shown})


def _is_field(selection: Any) -> TypeGuard[FieldNode]:
    return isinstance(selection, FieldNode)


def _name(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    return name if len(name) <= SHOWN_NAME_CHARACTERS else name[:SHOWN_NAME_CHARACTERS] + "…"

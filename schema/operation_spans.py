"""A span per GraphQL operation: Strawberry's OpenTelemetryExtension, adapted.

Imported only while tracing is on (api/observability/tracing.py), since it needs the `otel`
extra. What it changes from Strawberry's:
- the operation span is the *current* span while the operation runs, so the database spans
  of its transactions and reads (api/database/engine.py) are its children;
- it is named `<type> <root fields>` (`mutation reserveStock`, the `operation` label of
  /metrics), bounded by the schema; the client's operation name is an attribute;
- no query text and no arguments on any span (a query may carry order references, URLs);
- no span per resolver: one per operation, with its parsing and validation;
- the hub's renders of subscription changes (no request behind them) are not traced."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.types import ExecutionContext

from api.observability import tracing
from schema.error_log import is_internal
from schema.request_logging import error_codes
from schema.request_metrics import operation_definition, operation_label


class OperationSpans(OpenTelemetryExtension):
    resolve = SchemaExtension.resolve  # type: ignore[assignment]  # no span per resolver

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(execution_context=execution_context, tracer_provider=tracing.provider())
        self._traced = False

    def on_operation(self) -> Generator[None, None, None]:
        context = self.execution_context
        if getattr(context.context, "request", None) is None:
            yield  # a subscription's change rendered by the hub
            return
        self._traced = True
        with self._tracer.start_as_current_span("GraphQL operation", kind=SpanKind.SERVER) as span:
            self._span_holder[LifecycleStep.OPERATION] = span
            span.set_attribute("component", "graphql")
            yield
            _describe(span, context)

    def on_parse(self) -> Generator[None, None, None]:
        if self._traced:
            yield from super().on_parse()
        else:
            yield

    def on_validate(self) -> Generator[None, None, None]:
        if self._traced:
            yield from super().on_validate()
        else:
            yield


def _describe(span: trace.Span, context: ExecutionContext) -> None:
    definition = operation_definition(context)
    kind = definition.operation.value if definition is not None else "operation"
    span.update_name(f"{kind} {operation_label(context)}")
    span.set_attribute("graphql.operation.type", kind)
    if context.operation_name:
        span.set_attribute("graphql.operation.name", context.operation_name[:100])
    errors: list[Any] = list(
        getattr(context.result, "errors", None) or context.pre_execution_errors or []
    )
    codes = error_codes(context)  # top-level errors' and userErrors'
    if codes:
        span.set_attribute("stockpool.error_codes", codes)
    if context.result is None or any(is_internal(error) for error in errors):
        span.set_status(Status(StatusCode.ERROR))

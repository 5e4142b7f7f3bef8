"""The Strawberry schema: thin translation from GraphQL to domain commands and back."""

from __future__ import annotations

from datetime import datetime

from strawberry.extensions import SchemaExtension

from api.observability import tracing
from api.settings import Settings
from schema.bounds.cache import DocumentCache
from schema.bounds.extension import CheckedDocuments
from schema.bounds.limits import RequestBounds
from schema.error_masking import MaskInternalErrors
from schema.input_hygiene import InputHygiene
from schema.mutations import Mutation
from schema.queries import Query
from schema.request_metrics import RequestMetrics
from schema.scalars import DateTime
from schema.stockpool_schema import StockpoolSchema
from schema.subscriptions import Subscription
from schema.throttling import Throttling


def build_schema(settings: Settings | None = None) -> StockpoolSchema:
    """Traces operations if tracing is on when it is built (api/observability/tracing.py)."""
    documents = DocumentCache(RequestBounds.from_settings(settings or Settings()))
    return StockpoolSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides={datetime: DateTime},  # INVALID_VALUE dates (schema/scalars.py)
        documents=documents,
        extensions=[
            # Parses, bounds and validates: keep it first, the others see its document.
            lambda: CheckedDocuments(documents),
            *_traced(),  # a span per operation, when tracing is on (schema/operation_spans.py)
            Throttling,  # query cost and rate limits (schema/throttling.py)
            InputHygiene,  # no control characters, no huge numbers (schema/input_hygiene.py)
            MaskInternalErrors,  # "internal error" for unexpected ones (schema/error_masking.py)
            RequestMetrics,  # /metrics: requests by operation and outcome (keep it last)
        ],
    )


def _traced() -> list[type[SchemaExtension]]:
    if not tracing.enabled():
        return []
    from schema.operation_spans import OperationSpans  # needs the otel extra

    return [OperationSpans]

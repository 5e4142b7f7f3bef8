"""stockpool's Strawberry schema: request bounds, one cache of checked documents for HTTP
and WebSocket alike, and error logs that grow with requests rather than with their size."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from schema.bounds.cache import DocumentCache
from schema.bounds.limits import RequestBounds
from schema.error_log import log_errors
from schema.extension_runner import LeanExtensionsRunner
from schema.input_conversion import plan_inputs


class StockpoolSchema(strawberry.Schema):
    def __init__(self, *args: Any, documents: DocumentCache, **kwargs: Any) -> None:
        """`documents` is the cache the schema's CheckedDocuments extension uses."""
        super().__init__(*args, **kwargs)
        self.documents = documents
        plan_inputs(self)  # input objects built from a plan per type (schema/input_conversion.py)

    @property
    def bounds(self) -> RequestBounds:
        return self.documents.bounds

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs each error with a traceback and its source excerpt (which repeats
        # the whole line of a one-line query): 5,000 refused fields wrote 652 MB.
        name = execution_context.operation_name if execution_context else None
        log_errors(errors, name)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Hooks found once per extension class (schema/extension_runner.py)."""
        return LeanExtensionsRunner(execution_context, extensions)

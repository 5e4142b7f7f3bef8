"""The Strawberry side of the request bounds: every HTTP request and every WebSocket query or
mutation is parsed, bounded and validated through the schema's one `DocumentCache` (the
hub's subscriptions use the same cache through `schema.realtime.documents`)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

from schema.bounds.cache import Checked, DocumentCache, Rules
from schema.realtime.graphql_core import validate


class CheckedDocuments(SchemaExtension):
    """Replaces Strawberry's ParserCache and ValidationCache: those keep 1,000 documents of
    any size, and parse without bounds. A document over a bound is refused before it is
    validated, as validation's cost grows with the aliases and fields it is given."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self._checked: Checked | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            checked = self._checked = self.cache.get(context.query)
            if isinstance(checked.parsed, GraphQLError):
                # Raised, the error becomes the request's only error, as a syntax error
                # would; a fresh traceback keeps the cached error from collecting frames.
                raise checked.parsed.with_traceback(None)
            context.graphql_document = checked.parsed
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.query and context.validation_rules:
            checked = self._checked or self.cache.get(context.query)
            context.pre_execution_errors = checked.validation(
                context.validation_rules, self._validate
            )
        yield

    def _validate(self, document: DocumentNode, rules: Rules) -> list[GraphQLError]:
        return validate(self.execution_context.schema, document, rules)

"""GraphQL documents parsed, bounded and validated once, however many subscribers send them."""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError
from strawberry import Schema

from schema.bounds.limits import QueryTooComplex
from schema.realtime.graphql_core import SPECIFIED_RULES, validate
from schema.stockpool_schema import StockpoolSchema


class Documents:
    """Checks documents with the request bounds and the rules Strawberry applies to every
    request, through the schema's one cache of checked documents (which HTTP requests use
    too): thousands of widgets send the same few documents."""

    def __init__(self, schema: Schema) -> None:
        if not isinstance(schema, StockpoolSchema):
            raise TypeError("the hub serves the schema build_schema() makes")
        self._schema = schema

    def get(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The document, or the errors that make it unusable (a document over a bound is
        one `QUERY_TOO_COMPLEX` error). A syntax error is raised."""
        checked = self._schema.documents.get(query)
        if isinstance(checked.parsed, QueryTooComplex):
            return [checked.parsed]
        if isinstance(checked.parsed, GraphQLError):
            raise checked.parsed.with_traceback(None)
        errors = checked.validation(
            SPECIFIED_RULES, lambda document, rules: validate(self._schema, document, rules)
        )
        return errors or checked.parsed

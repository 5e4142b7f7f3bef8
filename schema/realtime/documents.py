"""GraphQL documents parsed and validated once, however many subscribers send them."""

from __future__ import annotations

from collections import OrderedDict

from graphql import DocumentNode, GraphQLError, parse
from strawberry import Schema

from schema.realtime.graphql_core import validate

MAX_CACHED = 1000


class Documents:
    """Parses and validates with the rules Strawberry applies to every request, and keeps
    the most recently used results: thousands of widgets send the same few documents."""

    def __init__(self, schema: Schema, max_cached: int = MAX_CACHED) -> None:
        self._schema = schema
        self._max_cached = max_cached
        self._cache: OrderedDict[str, DocumentNode | list[GraphQLError]] = OrderedDict()

    def get(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The document, or the errors that make it unusable. A syntax error is raised."""
        found = self._cache.get(query)
        if found is None:
            document = parse(query)
            errors = validate(self._schema, document)
            found = errors or document
            self._cache[query] = found
            if len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(query)
        return found

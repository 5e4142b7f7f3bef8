"""Static request bounds: what one GraphQL document may weigh, checked before validation.

Each bound is counted on the parsed document in one pass (fragments are counted once and
their totals reused, so a fragment spread many times weighs what it expands to without
being expanded), and a document over any bound is refused with one `QUERY_TOO_COMPLEX`
error naming the bound. The same function serves HTTP and WebSocket requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from api.settings import Settings
from schema.errors import PublicError

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True, slots=True)
class RequestBounds:
    """Far above what a storefront, dashboard or connector sends; far below an attack. The
    defaults, and what each bound counts, are those of `Settings`."""

    max_body_bytes: int
    max_tokens: int
    max_aliases: int
    max_depth: int
    max_definitions: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestBounds:
        return cls(
            max_body_bytes=settings.max_body_bytes,
            max_tokens=settings.max_tokens,
            max_aliases=settings.max_aliases,
            max_depth=settings.max_depth,
            max_definitions=settings.max_definitions,
        )


class QueryTooComplex(PublicError):
    def __init__(self, message: str) -> None:
        super().__init__(message, QUERY_TOO_COMPLEX)


def over(what: str, count: int, limit: int) -> QueryTooComplex:
    return QueryTooComplex(f"the document has {count} {what}; the limit is {limit}")


def parse_within(query: str, bounds: RequestBounds) -> DocumentNode:
    """The parsed document. Raises `QueryTooComplex` for one over a bound, and graphql-core's
    syntax error for one that does not parse."""
    if len(query) > bounds.max_body_bytes:
        raise over("characters", len(query), bounds.max_body_bytes)
    try:
        document = parse(query, max_tokens=bounds.max_tokens)
    except GraphQLError as error:
        # graphql-core stops at the token limit, or where nesting would exhaust the stack.
        if "Parsing aborted" not in error.message:
            raise
        if "tokens" in error.message:
            limit = bounds.max_tokens
            raise QueryTooComplex(
                f"the document has more than {limit} tokens; the limit is {limit}"
            ) from None
        raise QueryTooComplex(
            f"the document nests too deeply to parse; the limit is {bounds.max_depth} fields deep"
        ) from None
    check_shape(document, bounds)
    return document


def check_shape(document: DocumentNode, bounds: RequestBounds) -> None:
    """Raises `QueryTooComplex` for the first bound `document` is over."""
    definitions = len(document.definitions)
    if definitions > bounds.max_definitions:
        raise over("operations and fragments", definitions, bounds.max_definitions)
    shape = Shape.of(document)
    if shape.aliases > bounds.max_aliases:
        raise over("aliases", shape.aliases, bounds.max_aliases)
    if shape.depth > bounds.max_depth:
        raise QueryTooComplex(
            f"the document nests fields {shape.depth} deep; the limit is {bounds.max_depth}"
        )


@dataclass(slots=True)
class Shape:
    """Aliases and nesting depth of a document's operations, fragments expanded."""

    aliases: int = 0
    depth: int = 0
    _fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    _measured: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode) -> Shape:
        shape = cls()
        shape._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                aliases, depth = shape._measure(definition.selection_set, frozenset())
                shape.aliases += aliases
                shape.depth = max(shape.depth, depth)
        return shape

    def _measure(
        self, selections: SelectionSetNode | None, seen: frozenset[str]
    ) -> tuple[int, int]:
        """(aliases, depth) of a selection set; a fragment cycle (invalid, refused later by
        validation) counts nothing rather than looping."""
        aliases, depth = 0, 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode) and selection.name.value.startswith("__"):
                aliases += self._measure(selection.selection_set, seen)[0]
                aliases += selection.alias is not None
            elif isinstance(selection, FieldNode):
                inner_aliases, inner_depth = self._measure(selection.selection_set, seen)
                aliases += inner_aliases + (selection.alias is not None)
                depth = max(depth, inner_depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                inner_aliases, inner_depth = self._measure(selection.selection_set, seen)
                aliases += inner_aliases
                depth = max(depth, inner_depth)
            elif isinstance(selection, FragmentSpreadNode):
                inner_aliases, inner_depth = self._spread(selection.name.value, seen)
                aliases += inner_aliases
                depth = max(depth, inner_depth)
        return aliases, depth

    def _spread(self, name: str, seen: frozenset[str]) -> tuple[int, int]:
        if name in self._measured:
            return self._measured[name]
        fragment = self._fragments.get(name)
        if fragment is None or name in seen:
            return 0, 0
        measured = self._measure(fragment.selection_set, seen | {name})
        self._measured[name] = measured
        return measured

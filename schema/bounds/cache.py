"""Checked documents: each distinct query text parsed, bounded and validated once, and kept
while it is among the recently used ones that fit a memory budget."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from graphql import ASTValidationRule, DocumentNode, GraphQLError

from schema.bounds.limits import RequestBounds, parse_within

Rules = tuple[type[ASTValidationRule], ...]

TOKEN_BYTES = 500
"""Memory a parsed token takes, with its AST node and location (measured: 350-550 bytes)."""


@dataclass(slots=True)
class Checked:
    """A query text after parsing and the request bounds: its document, or the one error
    (syntax, or over a bound) that makes it unusable."""

    parsed: DocumentNode | GraphQLError
    weight: int
    validated: dict[Rules, list[GraphQLError]] = field(default_factory=dict)

    def validation(
        self, rules: Rules, validate: Callable[[DocumentNode, Rules], list[GraphQLError]]
    ) -> list[GraphQLError]:
        """The validation errors of the document under `rules`, computed once per rule set."""
        if isinstance(self.parsed, GraphQLError):
            raise ValueError("a text that did not parse has no validation")
        found = self.validated.get(rules)
        if found is None:
            found = self.validated[rules] = validate(self.parsed, rules)
        return found


def check(query: str, bounds: RequestBounds) -> Checked:
    try:
        document = parse_within(query, bounds)
    except GraphQLError as error:
        return Checked(error, len(query))
    return Checked(document, len(query) + TOKEN_BYTES * _tokens(document))


def _tokens(document: DocumentNode) -> int:
    count = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        count += 1
        token = token.next
    return count


class DocumentCache:
    """Least recently used first out, once over `max_entries` or `max_bytes` (the estimated
    memory of the texts and their parsed documents). A text too big for the budget is
    checked and not kept."""

    def __init__(
        self, bounds: RequestBounds, max_entries: int = 1000, max_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self.bounds = bounds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.weight = 0
        self._entries: OrderedDict[str, Checked] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Checked:
        found = self._entries.get(query)
        if found is not None:
            self._entries.move_to_end(query)
            return found
        found = check(query, self.bounds)
        if found.weight <= self.max_bytes:
            self._entries[query] = found
            self.weight += found.weight
            while len(self._entries) > self.max_entries or self.weight > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.weight -= dropped.weight
        return found

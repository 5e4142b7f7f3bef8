"""One rule for the text and numbers of every request, before anything runs.

Every string a request carries, in its variables or as a literal in the document (arguments,
variable defaults, directive arguments), may hold any character but the C0 and C1 control
characters (tab, line feed and carriage return excepted) and lone UTF-16 surrogates: NUL is
refused by PostgreSQL, a lone surrogate by every UTF-8 encoder, and the other controls are
never meant. Whether a line break fits a field is the field's own rule
(domain/validation.py: names, references and keys are single-line; a CSV body is not).

Every number must be finite and within ±2^53: no field of stockpool takes a larger one
(GraphQL's Int stops at 2^31), and `safetyPercent: 1e308` would overflow on the way to basis
points. Every list holds at most MAX_LIST_ITEMS: coercing 10,000 input objects costs a second.

GraphQL's String and Float are reserved types that a schema cannot redefine, so the rule
reads the request itself rather than coercing: `InputHygiene` runs it for every query and
mutation Strawberry executes (HTTP and WebSocket), and the WebSocket transport runs
`input_problems` for the subscriptions it starts itself. A refusal is one GraphQL error per
offending value (at most MAX_PROBLEMS) with `extensions.code` INVALID_VALUE and
`extensions.field`, the path to the value: an argument's name first for a literal, `$name`
first for a variable."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from schema.document_memo import memo

FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_NUMBER = 2**53
MAX_LIST_ITEMS = 1_000
"""No list argument of stockpool takes more (the longest, `availability(skus)`, takes 500)."""
MAX_PROBLEMS = 20

Path = tuple[str, ...]


def text_problem(value: str) -> str | None:
    found = FORBIDDEN_CHARACTER.search(value)
    if found is None:
        return None
    return (
        f"holds the control character U+{ord(found.group()):04X}: text may hold tab, line feed "
        "and carriage return but no other control character"
    )


def number_problem(value: float) -> str | None:
    if math.isfinite(value) and -MAX_NUMBER <= value <= MAX_NUMBER:
        return None
    return f"is a number beyond ±{MAX_NUMBER} (2^53), which no field takes"


def _in_variable(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Depth first over decoded JSON (exact types: this runs over every value of every
    request, and ABC checks cost more than the walk)."""
    kind = type(value)
    if kind is str:
        if (problem := text_problem(value)) is not None:
            yield path, problem
    elif kind is dict:
        for key, item in value.items():
            yield from _in_variable(item, (*path, str(key)))
    elif kind is list:
        if len(value) > MAX_LIST_ITEMS:
            yield path, f"is a list of {len(value)} items; a list holds at most {MAX_LIST_ITEMS}"
            return
        for index, item in enumerate(value):
            yield from _in_variable(item, (*path, str(index)))
    elif (kind is int or kind is float) and (problem := number_problem(value)) is not None:
        yield path, problem


def _in_literal(node: ValueNode, path: Path) -> Iterator[tuple[Path, str, Node]]:
    if isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _in_literal(field.value, (*path, field.name.value))
    elif isinstance(node, ListValueNode):
        if len(node.values) > MAX_LIST_ITEMS:
            yield path, f"is a list of more than {MAX_LIST_ITEMS} items", node
            return
        for index, item in enumerate(node.values):
            yield from _in_literal(item, (*path, str(index)))
    else:
        problem = None
        if isinstance(node, StringValueNode):
            problem = text_problem(node.value)
        elif isinstance(node, IntValueNode | FloatValueNode):
            problem = number_problem(float(node.value))
        if problem is not None:
            yield path, problem, node


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[Path, str, Node]] = []

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        self.found.extend(_in_literal(node.value, (node.name.value,)))

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
        if node.default_value is not None:
            self.found.extend(_in_literal(node.default_value, (f"${node.variable.name.value}",)))


def _error(path: Path, problem: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(
        f"{'.'.join(path)} {problem}",
        node,
        extensions={"code": "INVALID_VALUE", "field": list(path)},
    )


def _literal_problems(document: DocumentNode) -> list[tuple[Path, str, Node]]:
    """The document's own literals are the same in every request: read once per document
    (schema/document_memo.py), the first MAX_PROBLEMS kept."""
    kept = memo(document)
    found: list[tuple[Path, str, Node]] | None = kept.get(_Literals)
    if found is None:
        literals = _Literals()
        visit(document, literals)
        found = kept[_Literals] = literals.found[:MAX_PROBLEMS]
    return found


def _problems(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> Iterator[GraphQLError]:
    for path, problem, node in _literal_problems(document):
        yield _error(path, problem, node)
    if isinstance(variables, Mapping):
        for name, value in variables.items():
            for path, problem in _in_variable(value, (f"${name}",)):
                yield _error(path, problem)


def input_problems(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    """The request's text and numbers that break the rule, as errors; none when it keeps it."""
    return list(islice(_problems(document, variables), MAX_PROBLEMS))


class InputHygiene(SchemaExtension):
    """Refuses a query or mutation whose input breaks the rule before it executes."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            errors = input_problems(context.graphql_document, context.variables)
            if errors:
                context.result = ExecutionResult(data=None, errors=errors)
        yield

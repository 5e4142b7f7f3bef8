"""Every root field of the committed schema.graphql, with plain arguments and the places
(leaves) a kind of bad input can be put, and the documents that carry them.

Read from schema.graphql (which tests/api/test_schema_file.py keeps equal to the code), so a
new query, mutation, subscription or argument is attacked without anyone listing it here."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)

from tests.hostile.kinds import ITEM, MISSING, Kind

SCHEMA = build_schema((Path(__file__).parents[2] / "schema.graphql").read_text())
PLAIN_TEXT = "X"
"""The code of the SKU, location and channel the suite seeds: plain arguments name them."""
PLAIN_SCALARS = {
    "String": PLAIN_TEXT,
    "ID": PLAIN_TEXT,
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00Z",
    "JSON": {},
}
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


@dataclass(frozen=True)
class Leaf:
    path: tuple[str | int, ...]
    """Argument name, then input field names and list indexes."""
    target: str
    item: Any = None
    """For a list: its plain item."""


@dataclass(frozen=True)
class RootField:
    operation: str
    name: str
    field: GraphQLField
    plain: dict[str, Any]
    leaves: tuple[Leaf, ...]

    def leaves_for(self, target: str) -> list[Leaf]:
        return [leaf for leaf in self.leaves if leaf.target == target]

    def arguments_with(self, kind: Kind, rotation: int) -> dict[str, Any] | None:
        """Plain arguments with `kind` put at one of this field's leaves of its target (which
        one turns with `rotation`, so the kinds of a target reach every leaf between them);
        None when the field has no such leaf."""
        leaves = self.leaves_for(kind.target)
        if not leaves:
            return None
        leaf = leaves[rotation % len(leaves)]
        arguments = copy.deepcopy(self.plain)
        _put(arguments, leaf.path, _value(kind.value, leaf.item))
        return arguments


def _value(value: Any, item: Any) -> Any:
    if value is ITEM:
        return copy.deepcopy(item)
    if isinstance(value, list):
        return [_value(v, item) for v in value]
    return value


def _put(container: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    *parents, last = path
    target: Any = container
    for step in parents:
        target = target[step]
    if value is MISSING:
        del target[last]
    else:
        target[last] = value


def _target(named: Any, path: tuple[str | int, ...]) -> str:
    if isinstance(named, GraphQLEnumType):
        return "enum"
    name = named.name
    if name in ("String", "ID") and len(path) == 1 and path[0] in ("after", "search"):
        return "cursor" if path[0] == "after" else "search"
    return "String" if name == "ID" else str(name)


def _plain(type_: GraphQLInputType, path: tuple[str | int, ...], leaves: list[Leaf]) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _plain(type_.of_type, path, leaves)
    if isinstance(type_, GraphQLList):
        item = _plain(type_.of_type, (*path, 0), leaves)
        leaves.append(Leaf(path, "list", item))
        return [item]
    if isinstance(type_, GraphQLInputObjectType):
        leaves.append(Leaf(path, "object"))
        return {name: _plain(f.type, (*path, name), leaves) for name, f in type_.fields.items()}
    if isinstance(type_, GraphQLEnumType):
        leaves.append(Leaf(path, "enum"))
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    target = _target(type_, path)
    leaves.append(Leaf(path, target))
    return None if target == "cursor" else PLAIN_SCALARS[type_.name]


def root_fields(operation: str) -> list[RootField]:
    root = {
        "query": SCHEMA.query_type,
        "mutation": SCHEMA.mutation_type,
        "subscription": SCHEMA.subscription_type,
    }[operation]
    assert root is not None
    found = []
    for name, field in root.fields.items():
        leaves: list[Leaf] = []
        plain = {arg: _plain(a.type, (arg,), leaves) for arg, a in field.args.items()}
        found.append(RootField(operation, name, field, plain, tuple(leaves)))
    return found


def selection(field: GraphQLField) -> str:
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if "userErrors" in named.fields:
        return " { __typename userErrors { code field } }"
    return " { __typename }"


@dataclass(frozen=True)
class Entry:
    alias: str
    field: RootField
    arguments: dict[str, Any]


def with_variables(entries: list[Entry]) -> tuple[str, dict[str, Any]]:
    """One document, each entry an aliased field whose arguments are variables."""
    definitions, fields, variables = [], [], {}
    for entry in entries:
        passed = []
        for arg, definition in entry.field.field.args.items():
            variable = f"{entry.alias}_{arg}"
            definitions.append(f"${variable}: {definition.type}")
            passed.append(f"{arg}: ${variable}")
            if arg in entry.arguments:
                variables[variable] = entry.arguments[arg]
        fields.append(_field(entry, passed))
    header = f"{entries[0].field.operation}({', '.join(definitions)})" if definitions else ""
    return f"{header or entries[0].field.operation} {{ {' '.join(fields)} }}", variables


def with_literals(entries: list[Entry]) -> str:
    """One document, each entry's arguments written inline."""
    fields = []
    for entry in entries:
        passed = []
        for arg, definition in entry.field.field.args.items():
            if arg in entry.arguments:
                literal = _literal(entry.arguments[arg], get_named_type(definition.type))
                passed.append(f"{arg}: {literal}")
        fields.append(_field(entry, passed))
    return f"{entries[0].field.operation} {{ {' '.join(fields)} }}"


def _field(entry: Entry, passed: list[str]) -> str:
    arguments = f"({', '.join(passed)})" if passed else ""
    return f"{entry.alias}: {entry.field.name}{arguments}{selection(entry.field.field)}"


def _literal(value: Any, named: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if isinstance(named, GraphQLEnumType) and _NAME.match(value):
            return value
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, named) for v in value) + "]"
    if isinstance(value, dict):
        fields = named.fields if isinstance(named, GraphQLInputObjectType) else {}
        parts = []
        for key, item in value.items():
            inner = get_named_type(fields[key].type) if key in fields else None
            parts.append(f"{key}: {_literal(item, inner)}")
        return "{" + ", ".join(parts) + "}"
    raise TypeError(value)

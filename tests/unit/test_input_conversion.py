"""Input objects built from a plan per type (schema/input_conversion.py) are the objects
Strawberry's own conversion builds: nested inputs, lists of them, enums, optional fields,
defaults and fields left out alike."""

from __future__ import annotations

import enum
from dataclasses import asdict

import strawberry
from strawberry.types.base import get_object_definition

from schema import build_schema
from schema.input_conversion import InputBuilder, plan_inputs


@strawberry.enum
class Kind(enum.Enum):
    WEB = "web"
    SHOP = "shop"


@strawberry.input
class Line:
    sku: str
    quantity: int = 1
    location: str | None = None


@strawberry.input
class Order:
    ref: str
    lines: list[Line]
    kind: Kind = Kind.WEB
    note: str | None = strawberry.UNSET
    tags: list[str] | None = None
    backup: Line | None = None


SEEN: list[Order] = []


@strawberry.type
class Query:
    @strawberry.field
    def place(self, input: Order) -> str:
        SEEN.append(input)
        return "ok"


def _schema(planned: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    for kind in (Line, Order):  # a plan is kept on the type: none unless asked for
        get_object_definition(kind, strict=True).from_input = None
    if planned:
        plan_inputs(schema)
    return schema


QUERY = """query($input: Order!) { place(input: $input) }"""
INPUTS = [
    {"ref": "a", "lines": [{"sku": "X"}]},
    {"ref": "b", "lines": [{"sku": "X", "quantity": 3, "location": "WH"}], "backup": None},
    {"ref": "c", "lines": [], "kind": "SHOP", "note": None, "tags": ["t1", "t2"]},
    {"ref": "d", "lines": [{"sku": "X"}], "note": "n", "backup": {"sku": "Z", "location": None}},
]


def _built(planned: bool) -> list[Order]:
    SEEN.clear()
    schema = _schema(planned)
    for value in INPUTS:
        result = schema.execute_sync(QUERY, variable_values={"input": value})
        assert result.errors is None, result.errors
    literal = '{ place(input: {ref: "e", lines: [{sku: "L", quantity: 2}], kind: SHOP}) }'
    assert schema.execute_sync(literal).errors is None
    assert all(
        isinstance(get_object_definition(kind, strict=True).from_input, InputBuilder) is planned
        for kind in (Line, Order)
    )
    return list(SEEN)


def test_planned_inputs_are_the_objects_strawberry_builds():
    planned, strawberrys = _built(True), _built(False)
    assert [asdict(item) for item in planned] == [asdict(item) for item in strawberrys]
    assert [type(line).__name__ for item in planned for line in item.lines] == [
        "Line",
        "Line",
        "Line",
        "Line",
    ]
    assert planned[1].backup is None and planned[3].backup.sku == "Z"
    assert planned[2].kind is Kind.SHOP and planned[0].note is strawberry.UNSET


def test_every_input_type_of_stockpools_schema_has_a_plan():
    schema = build_schema()
    inputs = [
        wrapper.definition
        for wrapper in schema.schema_converter.type_map.values()
        if getattr(wrapper.definition, "is_input", False)
    ]
    assert inputs
    assert all(isinstance(definition.from_input, InputBuilder) for definition in inputs)

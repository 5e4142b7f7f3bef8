"""A stock document (purchase order, transfer, customer return, cycle count) as JSON and back:
what an idempotency record keeps, so a replay answers with the document as the first run left
it, not as it is now.

One shape for every document: the dataclass's fields by name, nested line dataclasses as
objects, enums by value, moments as ISO 8601 with their offset, tuples as lists. Reading back
follows the document class's type hints, so a new field needs no code here."""

from __future__ import annotations

import types
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

D = TypeVar("D")


def snapshot(document: Any) -> dict[str, Any]:
    """The document (a dataclass instance) as a JSON-ready dict."""
    return {f.name: _to_json(getattr(document, f.name)) for f in fields(document)}


def from_snapshot(kind: type[D], data: dict[str, Any]) -> D:
    """The `kind` document a snapshot was taken of; fields it lacks take their defaults."""
    hints = get_type_hints(kind)
    values = {
        f.name: _from_json(hints[f.name], data[f.name])
        for f in fields(cast(Any, kind))
        if f.name in data
    }
    return kind(**values)


def _to_json(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return snapshot(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"a document snapshot cannot hold {type(value).__name__}")


def _from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        [inner] = [arg for arg in get_args(hint) if arg is not type(None)]
        return _from_json(inner, value)
    if origin is tuple:
        item = get_args(hint)[0]
        return tuple(_from_json(item, each) for each in value)
    if isinstance(hint, type):
        if is_dataclass(hint):
            return from_snapshot(hint, value)
        if issubclass(hint, Enum):
            return hint(value)
        if issubclass(hint, datetime):
            return datetime.fromisoformat(value)
    return value

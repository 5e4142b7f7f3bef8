"""Reading a persisted query manifest: the documents an admin registers for clients to run by
hash (docs/persisted-queries.md).

The format is Apollo's (`@apollo/generate-persisted-query-manifest`):

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256 of body>", "name": "...", "type": "query", "body": "..."}]}

A plain object mapping each SHA-256 to its document (`{"<sha256>": "query ..."}`) is read
too. Every id must be the lowercase hex SHA-256 of its body's UTF-8 text, which is what APQ
clients send as `sha256Hash`; a manifest with any problem is refused whole."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
OPERATION_TYPES = ("query", "mutation", "subscription")
MAX_NAME_CHARS = 200


class ManifestError(ValueError):
    """The manifest cannot be imported: `problems` says where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ManifestOperation:
    sha256: str
    body: str
    name: str | None = None
    operation_type: str | None = None


def sha256_hex(body: str) -> str:
    """The hash APQ clients send for a document: SHA-256 of its UTF-8 text, lowercase hex."""
    return hashlib.sha256(body.encode()).hexdigest()


def parse_manifest(text: str, max_body_chars: int) -> list[ManifestOperation]:
    """The operations of a manifest, or ManifestError naming every problem found."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ManifestError([f"not JSON: {error}"]) from None
    if isinstance(data, dict) and "format" not in data:
        entries: list[Any] = [{"id": key, "body": value} for key, value in data.items()]
    elif isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT:
        if data.get("version") != 1:
            raise ManifestError([f"version {data.get('version')!r} is not supported (1 is)"])
        entries = data.get("operations")  # type: ignore[assignment]
        if not isinstance(entries, list):
            raise ManifestError(["`operations` must be an array"])
    else:
        raise ManifestError([f'expected {{"format": "{MANIFEST_FORMAT}", ...}} or a hash map'])
    problems: list[str] = []
    operations = [_operation(i, entry, max_body_chars, problems) for i, entry in enumerate(entries)]
    if problems:
        raise ManifestError(problems)
    return [operation for operation in operations if operation is not None]


def _operation(
    index: int, entry: object, max_body_chars: int, problems: list[str]
) -> ManifestOperation | None:
    where = f"operations[{index}]"
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected an object")
        return None
    body, operation_id = entry.get("body"), entry.get("id")
    name, kind = entry.get("name"), entry.get("type")
    if not isinstance(body, str) or not body.strip():
        problems.append(f"{where}.body: expected a GraphQL document")
        return None
    if len(body) > max_body_chars:
        problems.append(f"{where}.body: over {max_body_chars} characters")
        return None
    if not isinstance(operation_id, str) or operation_id != sha256_hex(body):
        problems.append(f"{where}.id: must be the lowercase hex SHA-256 of body")
        return None
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_CHARS):
        problems.append(f"{where}.name: expected a string of at most {MAX_NAME_CHARS} characters")
        return None
    if kind is not None and kind not in OPERATION_TYPES:
        problems.append(f"{where}.type: expected one of {', '.join(OPERATION_TYPES)}")
        return None
    if (found := _operation_type(body)) is None:
        problems.append(f"{where}.body: not a GraphQL document with an operation")
        return None
    return ManifestOperation(operation_id, body, name, kind or found)


def _operation_type(body: str) -> str | None:
    try:
        document = parse(body, no_location=True)
    except GraphQLError:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.operation.value
    return None

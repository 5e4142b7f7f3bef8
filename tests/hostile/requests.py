"""Whole malformed requests: bodies, content types, encodings, abusive documents, and bad
WebSocket frames. Each must get a 4xx (or a GraphQL error), never a 5xx or an internal error,
and change nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

JSON = "application/json"
SKUS = "{ skus { edges { node { code } } } }"


@dataclass(frozen=True)
class BadRequest:
    name: str
    body: bytes
    content_type: str | None = JSON
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    authorized: bool = True
    path: str = "/graphql"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _deep(pairs: int) -> str:
    """An introspection selection (2 * pairs + 2) fields deep."""
    return "{ __schema { types { " + "fields { type { " * pairs + "name" + " } }" * pairs + " } } }"


HTTP_REQUESTS = [
    BadRequest("a JSON string body", b'"x"'),
    BadRequest("a JSON null body", b"null"),
    BadRequest("a JSON number body", b"1"),
    BadRequest("a JSON true body", b"true"),
    BadRequest("an empty JSON array body", b"[]"),
    BadRequest("a batch of two requests", _json([{"query": SKUS}, {"query": SKUS}])),
    BadRequest("an empty body", b""),
    BadRequest("truncated JSON", b'{"query": "{ skus'),
    BadRequest("JSON with a trailing comma", b'{"query": "{ viewer { name } }",}'),
    BadRequest("invalid UTF-8 in the body", b'{"query": "{ sku(code: \\"\xff\xfe\\") { code } }"}'),
    BadRequest("a lone surrogate escape", b'{"query": "{ sku(code: \\"\\ud800\\") { code } }"}'),
    BadRequest("a UTF-8 byte order mark first", b"\xef\xbb\xbf" + _json({"query": SKUS})),
    BadRequest("UTF-16 encoded JSON", json.dumps({"query": SKUS}).encode("utf-16")),
    BadRequest("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
    BadRequest("query as a number", _json({"query": 1})),
    BadRequest("query as a list", _json({"query": [SKUS]})),
    BadRequest("query missing", _json({"variables": {}})),
    BadRequest("query null", _json({"query": None})),
    BadRequest("variables as a string", _json({"query": SKUS, "variables": "{}"})),
    BadRequest("variables as a list", _json({"query": SKUS, "variables": [1]})),
    BadRequest("operationName as a number", _json({"query": SKUS, "operationName": 1})),
    BadRequest("an unknown operationName", _json({"query": SKUS, "operationName": "Nope"})),
    BadRequest("two unnamed operations", _json({"query": SKUS + " " + SKUS})),
    BadRequest("extensions as a string", _json({"query": SKUS, "extensions": "x"})),
    BadRequest("text/plain content", _json({"query": SKUS}), "text/plain"),
    BadRequest("no content type", _json({"query": SKUS}), None),
    BadRequest(
        "form-encoded content",
        b"query=%7B+viewer+%7B+name+%7D+%7D",
        "application/x-www-form-urlencoded",
    ),
    BadRequest("multipart without a map", b"--b\r\n\r\n--b--", "multipart/form-data; boundary=b"),
    BadRequest("a body over 1 MiB", _json({"query": SKUS, "variables": {"x": "x" * 1_100_000}})),
    BadRequest(
        "a mutation over GET",
        b"",
        None,
        "GET",
        path="/graphql?query="
        + quote('mutation { createSku(input: {code: "G", name: "G"}) { userErrors { code } } }'),
    ),
    BadRequest("PUT", _json({"query": SKUS}), method="PUT"),
    BadRequest("DELETE", b"", None, "DELETE"),
    BadRequest("no API key", _json({"query": SKUS}), authorized=False),
    BadRequest(
        "Bearer without a key",
        _json({"query": SKUS}),
        headers={"authorization": "Bearer"},
        authorized=False,
    ),
    BadRequest(
        "a Basic authorization",
        _json({"query": SKUS}),
        headers={"authorization": "Basic eDp4"},
        authorized=False,
    ),
    BadRequest(
        "a key of 10,000 characters",
        _json({"query": SKUS}),
        headers={"authorization": "Bearer " + "k" * 10_000},
        authorized=False,
    ),
    BadRequest("a syntax error", _json({"query": "{ skus(first: "})),
    BadRequest("a NUL byte in the document", _json({"query": "{ viewer\x00 { name } }"})),
    BadRequest(
        "a control character escape in a string literal",
        _json({"query": '{ sku(code: "\\u0000") { code } }'}),
    ),
    BadRequest("an unknown field", _json({"query": "{ nope }"})),
    BadRequest("a subscription over HTTP", _json({"query": "subscription { alertRaised { id } }"})),
    BadRequest("a selection 100 deep", _json({"query": _deep(49)})),
    BadRequest(
        "5,000 aliases",
        _json({"query": "{ " + " ".join(f"a{n}: viewer {{ name }}" for n in range(5000)) + " }"}),
    ),
    BadRequest(
        "a fragment cycle",
        _json({"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}),
    ),
    BadRequest("10,000 __typename", _json({"query": "{ " + "__typename " * 10_000 + "}"})),
    BadRequest("an introspection 22 deep", _json({"query": _deep(10)})),
    BadRequest("an unknown directive", _json({"query": "{ viewer @nope { name } }"})),
    BadRequest("@skip with a string", _json({"query": '{ viewer @skip(if: "yes") { name } }'})),
    BadRequest(
        "a variable of the wrong type",
        _json(
            {
                "query": "query($n: String) { skus(first: $n) { edges { cursor } } }",
                "variables": {"n": "5"},
            }
        ),
    ),
    BadRequest(
        "an undefined variable", _json({"query": "{ skus(first: $n) { edges { cursor } } }"})
    ),
    BadRequest(
        "a duplicated variable",
        _json(
            {
                "query": "query($n: Int!, $n: Int!) { skus(first: $n) { edges { cursor } } }",
                "variables": {"n": 1},
            }
        ),
    ),
    BadRequest(
        "1,000 variables",
        _json(
            {
                "query": "query("
                + ", ".join(f"$v{n}: Int" for n in range(1000))
                + ") { viewer { name } }"
            }
        ),
    ),
    BadRequest("first: 1000000", _json({"query": "{ skus(first: 1000000) { edges { cursor } } }"})),
    BadRequest("first: 0", _json({"query": "{ skus(first: 0) { edges { cursor } } }"})),
]


@dataclass(frozen=True)
class BadFrame:
    name: str
    frame: str | bytes
    init: bool = True
    """Sent after connection_init (else as the first frame)."""


WEBSOCKET_FRAMES = [
    BadFrame("not JSON", "{not json"),
    BadFrame("a JSON array", "[]"),
    BadFrame("a JSON string", '"subscribe"'),
    BadFrame("no type", json.dumps({"id": "1"})),
    BadFrame("an unknown type", json.dumps({"type": "explode"})),
    BadFrame(
        "subscribe without an id", json.dumps({"type": "subscribe", "payload": {"query": SKUS}})
    ),
    BadFrame(
        "subscribe with a payload string",
        json.dumps({"id": "1", "type": "subscribe", "payload": "x"}),
    ),
    BadFrame(
        "subscribe with a numeric id",
        json.dumps({"id": 1, "type": "subscribe", "payload": {"query": SKUS}}),
    ),
    BadFrame(
        "subscribe before connection_init",
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SKUS}}),
        init=False,
    ),
    BadFrame(
        "connection_init with a payload list",
        json.dumps({"type": "connection_init", "payload": []}),
        init=False,
    ),
    BadFrame("connection_init twice", json.dumps({"type": "connection_init", "payload": {}})),
    BadFrame("a binary frame", b"\x00\xff\x00"),
    BadFrame(
        "a message over 64 KiB",
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SKUS, "variables": {"x": "x" * 100_000}},
            }
        ),
    ),
    BadFrame(
        "a NUL in a subscription's channel",
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": 'subscription { availabilityChanged(channel: "X\\u0000") { sku } }'
                },
            }
        ),
    ),
    BadFrame(
        "a lone surrogate in a variable",
        '{"id": "1", "type": "subscribe", "payload": {"query": "subscription($c: String!) { availabilityChanged(channel: $c) { sku } }", "variables": {"c": "\\ud800"}}}',
    ),
]

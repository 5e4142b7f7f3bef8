"""Sends the hostile documents over HTTP and WebSocket and judges every answer: never a 5xx,
never `internal error`, refused kinds refused, and a refused mutation changes nothing."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from sqlalchemy import select

from api.database.engine import Database
from api.database.tables import metadata
from tests.conftest import ADMIN_TOKEN
from tests.hostile.kinds import Kind
from tests.hostile.operations import Entry, RootField, with_literals, with_variables

BATCH = 50
"""Subscriptions started at once on one socket."""
QUIET = 1.0
"""Seconds of silence, once the server has answered a ping sent after them, after which the
subscriptions that have not answered are taken as accepted with an empty snapshot."""
PONG_WAIT = 60.0
"""Seconds the server may take to reach that ping on a loaded machine."""
CHUNK = 100
"""Root fields per document: under the default alias, token and cost bounds."""
MAX_BODY = 400_000
"""Characters of arguments per document: two 100k-character values (at most 200 KB each in
UTF-8) stay under the 1 MiB body limit."""
RECORDS_ON_REFUSAL = {"UNMAPPED_SKU"}
"""Refusals that record something by design: a connector reporting an external SKU no
listing maps raises an UNMAPPED_SKU alert."""
AUTH = {"authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Findings:
    """What went wrong, collected over a whole run so one failure shows them all."""

    items: list[str] = field(default_factory=list)
    requests: int = 0
    slowest: tuple[float, str] = (0.0, "")
    """Reported, never asserted: what hostile input costs is measured by `make bench`."""

    def timed(self, where: str, seconds: float) -> None:
        self.slowest = max(self.slowest, (seconds, where))

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


@dataclass
class App:
    """One running app (a real uvicorn) on one database."""

    backend: str
    http: httpx.AsyncClient
    ws_url: str
    database: Database
    snapshot: str = ""

    async def changed(self) -> bool:
        now = await fingerprint(self.database)
        changed, self.snapshot = now != self.snapshot, now
        return changed


async def fingerprint(database: Database) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    async with database.reader.connect() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            digest.update(table.name.encode())
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def batches(
    fields: list[RootField], kind: Kind, rotation: int, share: int = 1
) -> Iterator[list[Entry]]:
    """The fields `kind` can be put in, in documents of at most BATCH; with `share` n, only
    every n-th of them, turning with `rotation` so that the kinds share the fields out."""
    batch: list[Entry] = []
    size = 0
    most = 1 if fields and fields[0].operation == "subscription" else BATCH
    for index, root in enumerate(fields):
        if (index + rotation) % share:
            continue
        arguments = root.arguments_with(kind, rotation + index)
        if arguments is None:
            continue
        weight = len(json.dumps(arguments))
        if batch and (len(batch) == most or size + weight > MAX_BODY):
            yield batch
            batch, size = [], 0
        batch.append(Entry(f"f{index}", root, arguments))
        size += weight
    if batch:
        yield batch


def must_refuse(kind: Kind, entry: Entry) -> bool:
    return kind.refused is True or (
        kind.refused == "mutations" and entry.field.operation == "mutation"
    )


def judge(
    findings: Findings,
    where: str,
    kind: Kind,
    entries: list[Entry],
    status: int,
    text: str,
) -> tuple[bool, bool]:
    """Judges one answer: whether any resolver ran (an error with a path, or data), and
    whether any mutation was accepted (and so may have changed the database)."""
    findings.requests += 1
    if status >= 500:
        findings.add(where, f"HTTP {status}: {text[:300]}")
    if "internal error" in text.lower():
        findings.add(where, f"internal error: {text[:300]}")
    try:
        body = json.loads(text)
    except ValueError:
        if status < 400:
            findings.add(where, f"not JSON with HTTP {status}: {text[:200]}")
        return False, False
    if not isinstance(body, dict):
        findings.add(where, f"not a GraphQL response: {text[:200]}")
        return False, False
    data, errors = body.get("data"), body.get("errors") or []
    for error in errors:
        if error.get("extensions", {}).get("code") == "THROTTLED":
            findings.add(where, f"the suite's batch was throttled: {error}")
    accepted = False
    for entry in entries:
        answer = data.get(entry.alias) if isinstance(data, dict) else None
        refused = (
            answer is None
            or any((e.get("path") or [None])[0] == entry.alias for e in errors)
            or (isinstance(answer, dict) and bool(answer.get("userErrors")))
        )
        if not refused and must_refuse(kind, entry):
            findings.add(f"{where} {entry.field.name}", f"accepted: {answer}")
        payload = answer if isinstance(answer, dict) else {}
        codes = {e.get("code") for e in payload.get("userErrors") or []}
        records = bool(codes) and codes <= RECORDS_ON_REFUSAL
        accepted |= (not refused or records) and entry.field.operation == "mutation"
    executed = data is not None or any(e.get("path") for e in errors)
    return accepted, executed


async def over_http(
    app: App,
    findings: Findings,
    kind: Kind,
    fields: list[RootField],
    rotation: int,
    literal: bool,
    share: int = 1,
) -> None:
    form = "literal" if literal else "variables"
    for entries in batches(fields, kind, rotation, share):
        if literal:
            body: dict[str, Any] = {"query": with_literals(entries)}
        else:
            query, variables = with_variables(entries)
            body = {"query": query, "variables": variables}
        started = time.monotonic()
        response = await app.http.post("/graphql", json=body, headers=AUTH)
        where = f"[{app.backend} http {form}] {kind.target}: {kind.name}"
        findings.timed(where, time.monotonic() - started)
        accepted, executed = judge(
            findings, where, kind, entries, response.status_code, response.text
        )
        await _no_change_unless(app, findings, where, entries, accepted, executed)


async def _no_change_unless(
    app: App, findings: Findings, where: str, entries: list[Entry], accepted: bool, executed: bool
) -> None:
    """After mutations: the database changed only if one of them was accepted. A request
    refused before execution (no `data`) ran no resolver: its fingerprint is not taken."""
    if entries[0].field.operation != "mutation":
        return
    if (executed or accepted) and await app.changed() and not accepted:
        findings.add(where, "refused, yet the database changed")


class Socket:
    """One graphql-transport-ws connection, as the admin."""

    def __init__(self, connection: Any, url: str) -> None:
        self.connection = connection
        self.url = url
        self.next_id = 0

    @classmethod
    async def open(cls, url: str) -> Socket:
        connection = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
        socket = cls(connection, url)
        await socket.send(
            {"type": "connection_init", "payload": {"authorization": AUTH["authorization"]}}
        )
        ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        return socket

    async def reopen(self) -> None:
        await self.connection.close()
        self.connection = (await Socket.open(self.url)).connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def run(self, query: str, variables: dict[str, Any]) -> str:
        """The raw answer to one query or mutation: its `next` or its `error`."""
        self.next_id += 1
        operation_id = str(self.next_id)
        payload = {"query": query, "variables": variables}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), 10)
            message = json.loads(raw)
            if message.get("id") != operation_id:
                continue
            if message["type"] in ("next", "error"):
                return raw

    async def subscribe_all(self, operations: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """Starts every subscription at once and waits until each has answered or all have
        been quiet for QUIET seconds (a subscription with an empty snapshot says nothing):
        the raw answer of each, `{"type": "quiet"}` for the quiet ones. All are completed."""
        first = self.next_id + 1
        for query, variables in operations:
            self.next_id += 1
            payload = {"query": query, "variables": variables}
            await self.send({"id": str(self.next_id), "type": "subscribe", "payload": payload})
        # The server reads a connection's messages in order and refuses a subscription before
        # it reads the next one, so its pong comes after every refusal: the quiet time starts
        # then, however slowly a loaded machine got there.
        await self.send({"type": "ping"})
        answers: dict[str, str] = {}
        ids = [str(n) for n in range(first, self.next_id + 1)]
        ponged = False
        try:
            while len(answers) < len(ids):
                wait = QUIET if ponged else PONG_WAIT
                raw = await asyncio.wait_for(self.connection.recv(), wait)
                message = json.loads(raw)
                if message["type"] == "pong":
                    ponged = True
                elif message.get("id") in ids and message["type"] in ("next", "error"):
                    answers.setdefault(message["id"], raw)
        except TimeoutError:
            pass
        for operation_id in ids:
            await self.send({"id": operation_id, "type": "complete"})
        return [answers.get(operation_id, '{"type": "quiet"}') for operation_id in ids]

    async def close(self) -> None:
        await self.connection.close()


def ws_answer(raw: str) -> tuple[int, str]:
    """A WebSocket answer as (status, GraphQL response text) for `judge`: an `error` message
    is a refusal of the whole operation."""
    message = json.loads(raw)
    payload = message.get("payload")
    if message["type"] == "quiet":
        return 200, json.dumps({"data": {"quiet": True}})
    if message["type"] == "error":
        return 400, json.dumps({"data": None, "errors": payload})
    return 200, json.dumps(payload)


async def over_websocket(
    app: App,
    socket: Socket,
    findings: Findings,
    kind: Kind,
    fields: list[RootField],
    rotation: int,
    max_bytes: int,
    share: int = 1,
) -> None:
    for entries in batches(fields, kind, rotation, share):
        query, variables = with_variables(entries)
        if len(json.dumps(variables)) + len(query) > max_bytes:
            continue  # the transport refuses it whole (1009): tests/hostile/test_requests.py
        where = f"[{app.backend} ws] {kind.target}: {kind.name}"
        started = time.monotonic()
        try:
            raw = await socket.run(query, variables)
        except (TimeoutError, websockets.ConnectionClosed) as ended:
            findings.add(where, f"no answer ({ended!r}) to {query[:150]}")
            await socket.reopen()
            continue
        findings.timed(where, time.monotonic() - started)
        status, text = ws_answer(raw)
        if "internal error" in raw.lower():
            findings.add(where, f"internal error: {raw[:300]}")
        accepted, executed = judge(findings, where, kind, entries, status, text)
        await _no_change_unless(app, findings, where, entries, accepted, executed)


async def subscriptions_over_websocket(
    app: App,
    socket: Socket,
    findings: Findings,
    kinds: list[Kind],
    fields: list[RootField],
    max_bytes: int,
) -> None:
    """Every kind at every subscription with a leaf of its target, started CHUNK at a time."""
    planned = [
        (kind, entries)
        for rotation, kind in enumerate(kinds)
        for entries in batches(fields, kind, rotation)
        if len(json.dumps(with_variables(entries))) <= max_bytes
    ]
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        raws = await socket.subscribe_all([with_variables(entries) for _, entries in chunk])
        for (kind, entries), raw in zip(chunk, raws, strict=True):
            where = f"[{app.backend} ws subscription] {kind.target}: {kind.name}"
            if "internal error" in raw.lower():
                findings.add(where, f"internal error: {raw[:300]}")
            status, text = ws_answer(raw)
            if json.loads(raw)["type"] == "quiet":
                text = json.dumps({"data": {entries[0].alias: {"quiet": True}}})
            judge(findings, where, kind, entries, status, text)
    assert not await app.changed(), "a subscription changed the database"

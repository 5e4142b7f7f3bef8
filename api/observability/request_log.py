"""One log line per HTTP request and per WebSocket connection, and the request id.

`RequestLog` wraps the application: it takes the client's `X-Request-Id` when it is sane
(`REQUEST_ID_PATTERN`) or makes one, returns it on the response (on a WebSocket, on the
handshake's answer), and keeps the request's `RequestRecord` in a context variable while the
request is served, so every line logged meanwhile carries the id (api/observability/logs.py)
and the layers that know more add it: the caller's role and key prefix (`note_caller`), each
GraphQL operation's name, outcome and error codes (schema/request_logging.py).

When the request ends, one line sums it up (`stockpool.request`): method, path, status,
duration, the caller, the operations. Never the query text, the query string, a variable or
a whole key. A WebSocket logs when it opens and when it closes (role, duration, operations
run, subscriptions started); each subscription logs its start (schema/request_logging.py).

Cheap on the hot path: a header scan, a small record, one line formatted only if INFO is on.
Probes and scrapes (`QUIET_PATHS`) that succeed log at DEBUG: they come every few seconds."""

from __future__ import annotations

import logging
import os
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import key_prefix
from domain.access import Principal

log = logging.getLogger("stockpool.request")

HEADER = b"x-request-id"
REQUEST_ID_PATTERN = re.compile(r"[\x21-\x7e]{1,128}")
"""A client's id is kept when it is 1 to 128 printable ASCII characters without spaces."""
MAX_NOTED = 20
"""Operations and error codes a record keeps by name (a WebSocket may run many): past this,
only counted."""
QUIET_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})


@dataclass(slots=True)
class RequestRecord:
    """What is known of one request (or WebSocket connection) while it is served."""

    id: str
    started: float
    role: str | None = None
    key: str | None = None
    status: int | None = None
    operations: list[str] = field(default_factory=list)
    operation_names: list[str] = field(default_factory=list)
    operation_count: int = 0
    outcomes: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    subscriptions: int = 0

    def add_operation(
        self, operation: str, name: str | None, outcome: str, codes: list[str]
    ) -> None:
        self.operation_count += 1
        _add(self.operations, operation)
        if name:
            _add(self.operation_names, name)
        _add(self.outcomes, outcome)
        for code in codes:
            _add(self.error_codes, code)


def _add(values: list[str], value: str) -> None:
    if value not in values and len(values) < MAX_NOTED:
        values.append(value)


_CURRENT: ContextVar[RequestRecord | None] = ContextVar("stockpool_request", default=None)


def current_request() -> RequestRecord | None:
    """The record of the request being served in this context, if any."""
    return _CURRENT.get()


def current_request_id() -> str | None:
    record = _CURRENT.get()
    return None if record is None else record.id


def note_caller(principal: Principal | None, secret: str | None) -> None:
    """The authenticated caller of the current request: its role, and which key: a minted
    key by its prefix (what `apiKeys` shows), the configured admin token by its name only."""
    record = _CURRENT.get()
    if record is None or principal is None:
        return
    record.role = principal.role.value
    if principal.key_id is not None and secret:
        record.key = key_prefix(secret)
    else:
        record.key = principal.name


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-Id` if it is sane, else a new one (32 hex digits)."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            sent: str = value.decode("latin-1")
            if REQUEST_ID_PATTERN.fullmatch(sent):
                return sent
            break
    return os.urandom(16).hex()  # as random as a uuid4, without building one


class RequestLog:
    """ASGI middleware: the request id and the request's log line (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = RequestRecord(request_id_of(scope), time.perf_counter())
        header = (HEADER, record.id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = _CURRENT.set(record)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error serving %s %s", scope["method"], scope["path"])
            if record.status is not None:
                raise  # too late to answer: the server closes the connection
            await _internal_error(send_with_id)
        finally:
            try:
                _log_http(scope, record)
            finally:
                _CURRENT.reset(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = RequestRecord(request_id_of(scope), time.perf_counter())
        header = (HEADER, record.id.encode())

        async def send_with_id(message: Message) -> None:
            kind = message["type"]
            if kind == "websocket.accept":
                message["headers"] = [*message.get("headers", ()), header]
                if log.isEnabledFor(logging.INFO):
                    log.info("websocket opened", extra={"fields": {"path": scope["path"]}})
            elif kind == "websocket.close":
                record.status = message.get("code", 1000)
            await send(message)

        async def receive_close() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect" and record.status is None:
                record.status = message.get("code", 1005)  # the client closed it
            return message

        token = _CURRENT.set(record)
        try:
            await self.app(scope, receive_close, send_with_id)
        finally:
            try:
                _log_websocket(record)
            finally:
                _CURRENT.reset(token)


async def _internal_error(send: Send) -> None:
    body = b'{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _log_http(scope: Scope, record: RequestRecord) -> None:
    status = record.status or 500
    quiet = scope["path"] in QUIET_PATHS and status < 400
    level = logging.DEBUG if quiet else logging.INFO
    if not log.isEnabledFor(level):
        return
    fields = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": _milliseconds(record),
        **_caller_and_operations(record),
        "outcome": _outcome(record, status),
        "error_codes": record.error_codes or _status_codes(status),
    }
    log.log(level, "%s %s %s", scope["method"], scope["path"], status, extra={"fields": fields})


def _log_websocket(record: RequestRecord) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {
        "close_code": record.status,
        "duration_ms": _milliseconds(record),
        **_caller_and_operations(record),
        "subscriptions": record.subscriptions,
        "error_codes": record.error_codes,
    }
    log.info("websocket closed", extra={"fields": fields})


def _caller_and_operations(record: RequestRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {"role": record.role, "key": record.key}
    if record.operation_count:
        fields["operation"] = "|".join(record.operations)
        fields["operation_name"] = "|".join(record.operation_names) or None
        if record.operation_count > 1:
            fields["operations"] = record.operation_count
    return fields


def _milliseconds(record: RequestRecord) -> float:
    return round((time.perf_counter() - record.started) * 1000, 2)


def _outcome(record: RequestRecord, status: int) -> str:
    """The GraphQL outcome (schema/request_metrics.py:outcome_of; the worst of several),
    else what the status says."""
    for worst in ("internal_error", "throttled", "too_complex", "invalid", "error", "user_error"):
        if worst in record.outcomes:
            return worst
    if record.outcomes:
        return record.outcomes[0]
    if status < 400:
        return "ok"
    return {401: "unauthenticated", 429: "throttled"}.get(
        status, "internal_error" if status >= 500 else "bad_request"
    )


def _status_codes(status: int) -> list[str]:
    return ["UNAUTHENTICATED"] if status == 401 else []

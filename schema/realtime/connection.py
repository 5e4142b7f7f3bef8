"""One WebSocket client: the protocol conversation, its operations, and its limits.

What the connection sends, and how it ends, is its `Sender`'s (schema/realtime/sender.py).
A connection is admitted at connection_init only while its key holds fewer connections than
it may (`Admission`, counted per client address for storefront keys); a message over
`max_message_bytes` closes it with 1009."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocket

from api import gc_tuning
from api.client_address import client_address
from api.observability import metrics
from domain.access import Principal
from schema import persisted_queries
from schema.context import Context
from schema.realtime import protocols
from schema.realtime.admission import Ticket
from schema.realtime.hub import Hub, Operation
from schema.realtime.operations import Operations
from schema.realtime.outbox import Outbox
from schema.realtime.protocols import Dialect
from schema.realtime.sender import Sender

log = logging.getLogger(__name__)

Authenticate = Callable[[dict[str, Any]], Awaitable[Principal | None]]


class Connection:
    __slots__ = (
        "_acknowledged",
        "_authenticate",
        "_init_received",
        "_init_timer",
        "_ticket",
        "context",
        "dialect",
        "hub",
        "limits",
        "operations",
        "sender",
        "websocket",
    )

    def __init__(
        self,
        websocket: WebSocket,
        dialect: Dialect,
        hub: Hub,
        context: Context,
        authenticate: Authenticate,
    ) -> None:
        self.websocket = websocket
        self.dialect = dialect
        self.hub = hub
        self.limits = hub.limits
        self.context = context
        self.sender = Sender(websocket, self.limits)
        # Operations hold the sender's methods, never the connection's: no reference cycle.
        self.operations = Operations(hub, dialect, context, self.sender.put, self.sender.close)
        self._authenticate = authenticate
        self._init_received = False
        self._acknowledged = False
        self._ticket: Ticket | None = None
        self._init_timer: asyncio.TimerHandle | None = None

    @property
    def outbox(self) -> Outbox:
        return self.sender.outbox

    # ---- life -------------------------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.hub.connections.add(self)
        self._init_timer = loop.call_later(self.limits.init_timeout, self._init_timed_out)
        sender = self.sender
        # The task serving the connection reads it too: one task fewer per connection.
        sender.reader = asyncio.current_task()
        try:
            await self._read()
        except asyncio.CancelledError:
            if not sender.interrupted or sender.reader is None:
                raise
            sender.reader.uncancel()
        finally:
            sender.reader = None
            if self._init_timer is not None:
                self._init_timer.cancel()
                self._init_timer = None
            self.operations.stop_all()
            self.hub.connections.discard(self)
            if self._ticket is not None:
                self.hub.admission.release(self._ticket)
                self._ticket = None
                if self.context.principal is not None:
                    metrics.WEBSOCKET_CONNECTIONS.labels(self.context.principal.role.value).dec()
            await sender.finish()
            gc_tuning.connection_closed()

    def close(self, code: int, reason: str) -> None:
        """Closes at once: what still waits in the outbox is dropped."""
        self.sender.close(code, reason)

    def stalled_for(self, now: float) -> float:
        return self.sender.stalled_for(now)

    def check_writing(self, now: float) -> None:
        self.sender.check_writing(now)

    def _init_timed_out(self) -> None:
        if not self._init_received:
            self.close(protocols.INIT_TIMEOUT, "Connection initialisation timeout")

    def _send(self, type_: str, operation: str | None = None, payload: Any = None) -> None:
        self.sender.put(self.dialect.frame(type_, operation, payload), operation)

    # ---- reading ----------------------------------------------------------------------------

    async def _read(self) -> None:
        sender = self.sender
        try:
            while not sender.done:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    sender.disconnected = True
                    sender.done = True
                    return
                await self._receive(message.get("text"), message.get("bytes"))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("WebSocket connection failed")
            self.close(1011, "internal error")

    def _too_big(self, text: str) -> bool:
        """Longer than `max_message_bytes` in UTF-8 (counted exactly only when it could be)."""
        cap = self.limits.max_message_bytes
        return len(text) > cap or (len(text) * 4 > cap and len(text.encode()) > cap)

    async def _receive(self, text: str | None, data: bytes | None) -> None:
        if text is None:
            if data is not None and len(data) > self.limits.max_message_bytes:
                self.close(protocols.MESSAGE_TOO_BIG, "Message too big")
            else:
                self.close(protocols.BAD_MESSAGE, "WebSocket message type must be text")
            return
        if self._too_big(text):
            self.close(protocols.MESSAGE_TOO_BIG, "Message too big")
            return
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            self.close(protocols.BAD_MESSAGE, "WebSocket message must be valid JSON")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if not isinstance(kind, str):
            self.close(protocols.BAD_MESSAGE, "Failed to parse message")
        elif kind == "connection_init":
            await self._on_init(message)
        elif kind == self.dialect.start:
            await self._on_start(message)
        elif kind == self.dialect.stop:
            self._on_stop(message)
        elif kind == self.dialect.ping:
            self._send("pong")
        elif kind == "pong" and self.dialect.ping:
            pass
        elif kind == self.dialect.terminate:
            self.close(1000, "")
        else:
            self.close(protocols.BAD_MESSAGE, f"Unknown message type: {kind!r}")

    async def _on_init(self, message: dict[str, Any]) -> None:
        if self._init_received:
            self.close(protocols.TOO_MANY_INITS, "Too many initialisation requests")
            return
        params = message.get("payload")
        params = {} if params is None else params
        if not isinstance(params, dict):
            self.close(protocols.BAD_MESSAGE, "Invalid connection init payload")
            return
        self._init_received = True
        if self._init_timer is not None:
            self._init_timer.cancel()  # let go of it now, not when the connection ends
            self._init_timer = None
        principal = await self._authenticate(params)
        if principal is None:
            self._refuse_init(protocols.FORBIDDEN, "Forbidden")
            return
        self._ticket = self.hub.admission.admit(principal, self._client_address, self.limits)
        if self._ticket is None:
            self._refuse_init(protocols.TOO_MANY_CONNECTIONS, "Too many connections for this key")
            return
        self.context.principal = principal
        self.context.connection_params = params
        metrics.WEBSOCKET_CONNECTIONS.labels(principal.role.value).inc()
        self._send("connection_ack")
        self._acknowledged = True

    def _refuse_init(self, code: int, reason: str) -> None:
        if self.dialect.init_refusal:
            self._send(self.dialect.init_refusal, payload={"message": reason})
        self.sender.close_when_written(code, reason)

    def _client_address(self) -> str:
        websocket = self.websocket
        trusted = self.hub.services.settings.trusted_proxies
        return client_address(websocket.scope, websocket.headers.get("x-forwarded-for"), trusted)

    async def _on_start(self, message: dict[str, Any]) -> None:
        operation_id, payload = message.get("id"), message.get("payload")
        if (
            not isinstance(operation_id, str)
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str | None)
            or (payload.get("query") is None and "extensions" not in payload)
            or not isinstance(payload.get("variables", {}), dict | None)
            or not isinstance(payload.get("operationName"), str | None)
        ):
            self.close(protocols.BAD_MESSAGE, f"Invalid {self.dialect.start} message")
        elif not self._acknowledged or self.context.principal is None:
            self.close(protocols.UNAUTHORIZED, "Unauthorized")
        elif operation_id in self.operations:
            self.close(protocols.DUPLICATE_ID, f"Subscriber for {operation_id} already exists")
        elif len(self.operations) >= self.limits.operations_for(self.context.principal):
            self.operations.refuse(operation_id, [GraphQLError("Subscription limit reached")])
        else:
            query = await persisted_queries.subscribe_query(  # APQ: a hash for a query
                self.hub.services.persisted_queries, payload, self.context.principal
            )
            if isinstance(query, GraphQLError):
                self.operations.refuse(operation_id, [query])
                return
            operation = Operation(query, payload.get("variables"), payload.get("operationName"))
            await self.hub.services.connectors.seen(self.context.principal)
            await self.operations.start(operation_id, operation)

    def _on_stop(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        if not isinstance(operation_id, str):
            self.close(protocols.BAD_MESSAGE, f"Invalid {self.dialect.stop} message")
        elif operation_id in self.operations:
            self.operations.stop(operation_id)
            self.outbox.discard(operation_id)
            if self.dialect.confirms_stop:
                self._send("complete", operation_id)

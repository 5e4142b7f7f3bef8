"""One WebSocket client: the protocol conversation, its operations, and its one writer.

Everything the server sends a client goes through the connection's outbox and is written by
a single task, which exists only while something waits (an idle connection costs no task),
so a client that reads slowly only ever costs its outbox (bounded) and one blocked task; a
socket that accepts nothing for `send_timeout` seconds is closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocket

from domain.access import Principal
from schema.context import Context
from schema.realtime import protocols
from schema.realtime.hub import Hub, Operation
from schema.realtime.operations import Operations
from schema.realtime.outbox import Outbox, OutboxOverflow
from schema.realtime.protocols import Dialect

log = logging.getLogger(__name__)

Authenticate = Callable[[dict[str, Any]], Awaitable[Principal | None]]


class Connection:
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
        self.outbox = Outbox(self.limits.max_unkeyed)
        self.operations = Operations(hub, dialect, context, self._put, self.close)
        self._authenticate = authenticate
        self._init_received = False
        self._acknowledged = False
        self._done = asyncio.Event()
        self._closing: tuple[int, str] | None = None
        self._close_when_written: tuple[int, str] | None = None
        self._disconnected = False
        self._sending_since: float | None = None
        self._writer: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[Any] | None = None
        self._init_timer: asyncio.TimerHandle | None = None
        self._interrupted = False

    # ---- life -------------------------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.hub.connections.add(self)
        self._init_timer = loop.call_later(self.limits.init_timeout, self._init_timed_out)
        # The task serving the connection reads it too: one task fewer per connection.
        self._reader = asyncio.current_task()
        try:
            await self._read()
        except asyncio.CancelledError:
            if not self._interrupted or self._reader is None:
                raise
            self._reader.uncancel()
        finally:
            self._reader = None
            if self._init_timer is not None:
                self._init_timer.cancel()
            if self._writer is not None:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
            self.operations.stop_all()
            self.hub.connections.discard(self)
            await self._send_close()

    def close(self, code: int, reason: str) -> None:
        """Closes at once: what still waits in the outbox is dropped."""
        if self._closing is None:
            self._closing = (code, reason)
        self._done.set()
        reader = self._reader
        if reader is not None and reader is not asyncio.current_task() and not self._interrupted:
            self._interrupted = True  # it waits on the client: stop waiting
            reader.cancel()

    def close_when_written(self, code: int, reason: str) -> None:
        """Closes once what already waits in the outbox is written."""
        if len(self.outbox) == 0 and self._sending_since is None:
            self.close(code, reason)
        else:
            self._close_when_written = (code, reason)

    def stalled_for(self, now: float) -> float:
        """Seconds the frame being written has waited for the socket to accept it."""
        return 0.0 if self._sending_since is None else now - self._sending_since

    def check_writing(self, now: float) -> None:
        """Called by the hub's watchdog: a socket that accepts nothing is given up on."""
        if self.stalled_for(now) > self.limits.send_timeout:
            self.close(
                protocols.TOO_SLOW,
                f"client too slow: nothing written for {self.limits.send_timeout:g} s",
            )

    async def _send_close(self) -> None:
        if self._closing is None or self._disconnected:
            return
        code, reason = self._closing
        try:
            # A client that reads nothing cannot take a close frame either: don't wait on it.
            await asyncio.wait_for(self.websocket.close(code, reason), self.limits.close_timeout)
        except Exception as error:
            log.debug("no close frame for a WebSocket client: %r", error)

    def _init_timed_out(self) -> None:
        if not self._init_received:
            self.close(protocols.INIT_TIMEOUT, "Connection initialisation timeout")

    # ---- writing ----------------------------------------------------------------------------

    def _put(self, frame: str, operation: str | None = None, key: Hashable | None = None) -> None:
        if self._done.is_set():
            return
        try:
            self.outbox.put(frame, operation, key)
        except OutboxOverflow as overflow:
            self.close(protocols.TOO_SLOW, f"client too slow: {overflow}")
            return
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())

    def _send(self, type_: str, operation: str | None = None, payload: Any = None) -> None:
        self._put(self.dialect.frame(type_, operation, payload), operation)

    async def _write(self) -> None:
        """Writes until the outbox is empty, then ends (the next frame starts a new one)."""
        loop = asyncio.get_running_loop()
        try:
            while (frame := self.outbox.pop()) is not None:
                self._sending_since = loop.time()
                await self.websocket.send_text(frame)
                self._sending_since = None
            if self._close_when_written is not None:
                self.close(*self._close_when_written)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.debug("WebSocket client gone while writing: %r", error)
            self._disconnected = True
            self._done.set()
        finally:
            self._writer = None

    # ---- reading ----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            while not self._done.is_set():
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    self._disconnected = True
                    self._done.set()
                    return
                await self._receive(message.get("text"))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("WebSocket connection failed")
            self.close(1011, "internal error")

    async def _receive(self, text: str | None) -> None:
        if text is None:
            self.close(protocols.BAD_MESSAGE, "WebSocket message type must be text")
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
        principal = await self._authenticate(params)
        if principal is None:
            if self.dialect.init_refusal:
                self._send(self.dialect.init_refusal, payload={"message": "Forbidden"})
            self.close_when_written(protocols.FORBIDDEN, "Forbidden")
            return
        self.context.principal = principal
        self.context.connection_params = params
        self._send("connection_ack")
        self._acknowledged = True

    async def _on_start(self, message: dict[str, Any]) -> None:
        operation_id, payload = message.get("id"), message.get("payload")
        if (
            not isinstance(operation_id, str)
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not isinstance(payload.get("variables", {}), dict | None)
            or not isinstance(payload.get("operationName"), str | None)
        ):
            self.close(protocols.BAD_MESSAGE, f"Invalid {self.dialect.start} message")
        elif not self._acknowledged:
            self.close(protocols.UNAUTHORIZED, "Unauthorized")
        elif operation_id in self.operations:
            self.close(protocols.DUPLICATE_ID, f"Subscriber for {operation_id} already exists")
        elif len(self.operations) >= self.limits.max_operations:
            self.operations.refuse(operation_id, [GraphQLError("Subscription limit reached")])
        else:
            operation = Operation(
                payload["query"], payload.get("variables"), payload.get("operationName")
            )
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

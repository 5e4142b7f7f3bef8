"""What one WebSocket connection sends, written by one task, and how the connection ends.

Everything the server sends a client goes through the outbox and is written by a single task,
which exists only while something waits (an idle connection costs no task), so a client that
reads slowly only ever costs its outbox (bounded) and one blocked task; a socket that accepts
nothing for `send_timeout` seconds is closed.

The sender refers to nothing that refers to it: the connection's operations and subscribers
hold its `put` and `close`, and once the connection is over reference counting frees it all
at once, without waiting for the cyclic garbage collector (which, tuned for many connections,
runs rarely: see api/gc_tuning.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from typing import Any

from starlette.websockets import WebSocket

from schema.realtime import protocols
from schema.realtime.limits import RealtimeLimits
from schema.realtime.outbox import Outbox, OutboxOverflow

log = logging.getLogger(__name__)


class Sender:
    # Slots, and a flag rather than an asyncio.Event (nobody waits on it): thousands of idle
    # connections each hold one sender (docs/realtime.md#memory-per-connection).
    __slots__ = (
        "_close_when_written",
        "_sending_since",
        "_writer",
        "closing",
        "disconnected",
        "done",
        "interrupted",
        "limits",
        "outbox",
        "reader",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, limits: RealtimeLimits) -> None:
        self.websocket = websocket
        self.limits = limits
        self.outbox = Outbox(limits.max_unkeyed)
        self.done = False
        """True once the connection is over: closed by either side."""
        self.closing: tuple[int, str] | None = None
        """The close code and reason the server will send."""
        self.disconnected = False
        """The client went away: no close frame can be sent."""
        self.reader: asyncio.Task[Any] | None = None
        """The task reading the client, interrupted by `close` (set while it reads)."""
        self.interrupted = False
        self._close_when_written: tuple[int, str] | None = None
        self._sending_since: float | None = None
        self._writer: asyncio.Task[None] | None = None

    def put(self, frame: str, operation: str | None = None, key: Hashable | None = None) -> None:
        if self.done:
            return
        try:
            self.outbox.put(frame, operation, key)
        except OutboxOverflow as overflow:
            self.close(protocols.TOO_SLOW, f"client too slow: {overflow}")
            return
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())

    def close(self, code: int, reason: str) -> None:
        """Closes at once: what still waits in the outbox is dropped."""
        if self.closing is None:
            self.closing = (code, reason)
        self.done = True
        reader = self.reader
        if reader is not None and reader is not asyncio.current_task() and not self.interrupted:
            self.interrupted = True  # it waits on the client: stop waiting
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

    async def finish(self) -> None:
        """Stops writing and sends the close frame, if the client can still take one."""
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self.closing is None or self.disconnected:
            return
        code, reason = self.closing
        try:
            # A client that reads nothing cannot take a close frame either: don't wait on it.
            await asyncio.wait_for(self.websocket.close(code, reason), self.limits.close_timeout)
        except Exception as error:
            log.debug("no close frame for a WebSocket client: %r", error)

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
            self.disconnected = True
            self.done = True
        finally:
            self._writer = None

"""SQLite statements run on the event loop's own thread instead of hopping to a driver thread.

aiosqlite hands every call (execute, fetch, close of each cursor) to its worker thread and
waits for the answer: some 80 thread round trips per reservation, most of its cost. The
writer connection holds SQLite's write lock from BEGIN IMMEDIATE to COMMIT, so within a
transaction no statement waits for another writer: they take microseconds and are cheaper
run in place. BEGIN, which may wait for another process's transaction, and closing still go
through the worker thread, and nothing runs in place while the thread is busy: the two
threads never use the sqlite3 connection at once (a caller cancelled while its BEGIN runs
leaves the thread working on)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class InlineConnection(aiosqlite.Connection):
    _thread_idle: asyncio.Event | None = None

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        idle = self._idle()
        await idle.wait()  # returns at once unless the worker thread is still busy
        if not (_may_wait(args) or fn == self._connection.close):
            return fn(*args, **kwargs)
        idle.clear()
        loop = asyncio.get_running_loop()

        def in_thread() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                loop.call_soon_threadsafe(idle.set)

        return await super()._execute(in_thread)  # type: ignore[no-untyped-call]

    def _idle(self) -> asyncio.Event:
        if self._thread_idle is None:
            self._thread_idle = asyncio.Event()
            self._thread_idle.set()
        return self._thread_idle


def _may_wait(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN"


def connect(path: str, timeout: float) -> InlineConnection:
    """An aiosqlite connection (await it) whose statements run inline; the sqlite3
    connection is shared by the loop thread and the worker thread, never at once."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=timeout, check_same_thread=False)

    return InlineConnection(connector, iter_chunk_size=64)

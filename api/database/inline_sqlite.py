"""SQLite statements run on the event loop's own thread instead of hopping to a driver thread.

aiosqlite hands every call (execute, fetch, close of each cursor) to its worker thread and
waits for the answer: some 80 thread round trips per reservation, most of its cost. The
writer connection holds SQLite's write lock from BEGIN IMMEDIATE to COMMIT, so within a
transaction no statement waits for another writer: they take microseconds and are cheaper
run in place. Only BEGIN, which may wait for another process's transaction, still goes
through the worker thread so it never blocks the event loop."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class InlineConnection(aiosqlite.Connection):
    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection or _may_wait(args):
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        return fn(*args, **kwargs)


def _may_wait(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN"


def connect(path: str, timeout: float) -> InlineConnection:
    """An aiosqlite connection (await it) whose statements run inline; the sqlite3
    connection is shared by the loop thread and the worker thread, never at once."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=timeout, check_same_thread=False)

    return InlineConnection(connector, iter_chunk_size=64)

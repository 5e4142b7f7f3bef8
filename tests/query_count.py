"""Counting the statements a piece of code sends to the database, as Saleor's
`assert_num_queries(n)`: list pages and hot paths pin their query counts in tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_sent: ContextVar[list[str] | None] = ContextVar("statements_sent", default=None)


@event.listens_for(Engine, "before_cursor_execute")
def _record(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    sent = _sent.get()
    if sent is not None and not statement.lstrip().upper().startswith("BEGIN"):
        sent.append(statement)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collects the statements sent while the block runs, by every engine in the process: the
    reader and SQLite's writer (a separate engine whose connections run statements in place,
    see api/database/inline_sqlite.py) and an app's own engines; an executemany is one.

    Only statements sent from this task and the tasks it starts count, so an app's background
    sweeper or a group-commit worker started before the block does not. BEGIN is left out:
    only SQLite's engines send one (asyncpg begins implicitly), and left in, the same code
    would count differently on the two databases."""
    sent: list[str] = []
    token = _sent.set(sent)
    try:
        yield sent
    finally:
        _sent.reset(token)


@contextmanager
def assert_num_queries(expected: int) -> Iterator[list[str]]:
    """Fails unless the block sends exactly `expected` statements; the message lists them."""
    with count_queries() as sent:
        yield sent
    listed = "\n".join(f"  {i}. {' '.join(s.split())[:200]}" for i, s in enumerate(sent, 1))
    assert len(sent) == expected, f"{expected} queries expected, {len(sent)} sent:\n{listed}"

"""Engines for SQLite (embedded, WAL) and PostgreSQL, and the transactions services run in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from api.database import change_journal, inline_sqlite
from api.observability import tracing

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """Owns the engines. On SQLite, writes go through one connection that starts every
    transaction with BEGIN IMMEDIATE: a read-then-write transaction can never fail to
    upgrade its lock, and writers queue in-process instead of spinning on SQLITE_BUSY."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        if self.is_sqlite:
            self.reader = _sqlite_engine(url, immediate=False, pool_size=pool_size)
            self.writer = _sqlite_engine(url, immediate=True, pool_size=1)
        else:
            self.reader = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self.writer = self.reader
        self._span_attributes = {"db.system.name": self.dialect}

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back if it raises.
        Before it commits, what it changed is written into the channels' feeds
        (api/database/change_journal.py). Traced as a span when tracing is on."""
        with tracing.span("db transaction", self._span_attributes):
            async with self.writer.begin() as connection:
                journal = change_journal.begin(connection)
                try:
                    yield connection
                    await journal.write(connection)
                finally:
                    change_journal.end(connection)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with tracing.span("db read", self._span_attributes):
            async with self.reader.connect() as connection:
                yield connection

    async def dispose(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()


def _sqlite_engine(url: str, immediate: bool, pool_size: int) -> AsyncEngine:
    options: dict[str, Any] = {}
    if immediate:
        path = make_url(url).database or ":memory:"
        options["async_creator"] = lambda: inline_sqlite.connect(
            path, SQLITE_BUSY_TIMEOUT_MS / 1000
        )
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **options,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine

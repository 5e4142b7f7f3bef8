"""The documents a worker can run by hash (persisted queries, docs/persisted-queries.md).

Two kinds, kept apart:
- **registered** documents, imported by an admin (`stockpool persisted-queries import`) into
  the database, the truth every worker agrees on. Each worker keeps them all in memory and
  reads the rows it has not seen when asked for a hash it does not know, at most once every
  `refresh_seconds`: a document imported while the workers run is found within that time,
  with no message between workers and no query on the path of a known hash. Documents never
  change (a hash is its text), so nothing cached can go stale.
- **recent** documents, registered by any key through APQ (hash and query together): kept
  in this worker only, in a bounded LRU (count and characters), so a public key sending
  endless distinct documents replaces old entries instead of filling memory. Another worker
  answers PERSISTED_QUERY_NOT_FOUND for them once, and the client sends the query again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError

from api.clock import Clock, utc_now
from api.database.engine import Database
from api.database.persisted_query_repository import (
    add_documents,
    count_documents,
    documents_after,
)
from api.persisted_manifest import ManifestOperation

log = logging.getLogger(__name__)

MAX_RECENT_DOCUMENTS = 1_000
MAX_RECENT_CHARS = 4 * 1024 * 1024
REFRESH_SECONDS = 1.0


class RecentDocuments:
    """An LRU of documents by hash, bounded by count and by total characters."""

    def __init__(
        self, max_documents: int = MAX_RECENT_DOCUMENTS, max_chars: int = MAX_RECENT_CHARS
    ) -> None:
        self.max_documents = max_documents
        self.max_chars = max_chars
        self.chars = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, sha256: str) -> str | None:
        body = self._documents.get(sha256)
        if body is not None:
            self._documents.move_to_end(sha256)
        return body

    def put(self, sha256: str, body: str) -> None:
        if len(body) > self.max_chars or sha256 in self._documents:
            return
        self._documents[sha256] = body
        self.chars += len(body)
        while len(self._documents) > self.max_documents or self.chars > self.max_chars:
            _, dropped = self._documents.popitem(last=False)
            self.chars -= len(dropped)


class PersistedQueries:
    def __init__(
        self,
        database: Database,
        storefront_only: bool = False,
        max_age: int = 0,
        clock: Clock = utc_now,
        refresh_seconds: float = REFRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.storefront_only = storefront_only
        """Storefront keys run registered documents only (STOCKPOOL_STOREFRONT_PERSISTED_ONLY)."""
        self.max_age = max_age
        """Seconds a CDN may keep a storefront key's GET answer (0: never)."""
        self.recent = RecentDocuments()
        self._clock = clock
        self._registered: dict[str, str] = {}
        self._seen_id = 0
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._next_refresh = 0.0
        self._refreshing = asyncio.Lock()

    async def registered(self, sha256: str) -> str | None:
        """The registered document with this hash, if an admin registered one."""
        body = self._registered.get(sha256)
        if body is None and self._monotonic() >= self._next_refresh:
            await self._refresh()
            body = self._registered.get(sha256)
        return body

    async def find(self, sha256: str) -> str | None:
        """Any document this worker can run by this hash: recent (APQ) or registered."""
        return self.recent.get(sha256) or await self.registered(sha256)

    def remember(self, sha256: str, body: str) -> None:
        """An APQ registration: `body` is known to hash to `sha256` (the caller checked)."""
        if sha256 not in self._registered:
            self.recent.put(sha256, body)

    async def register(self, operations: Sequence[ManifestOperation]) -> int:
        """Adds documents to the registry (the CLI's import); returns how many were new."""
        async with self.database.transaction() as conn:
            return await add_documents(conn, operations, self._clock())

    async def _refresh(self) -> None:
        """Reads the documents registered since the last refresh. A database that does not
        answer leaves the hash unknown (PERSISTED_QUERY_NOT_FOUND), not a failed request."""
        async with self._refreshing:
            if self._monotonic() < self._next_refresh:
                return  # another lookup refreshed while this one waited
            try:
                await self._read_new()
            except (SQLAlchemyError, OSError) as error:
                log.warning("could not read the registered persisted queries: %s", error)
            self._next_refresh = self._monotonic() + self._refresh_seconds

    async def _read_new(self) -> None:
        async with self.database.read() as conn:
            total = await count_documents(conn)
            if total > len(self._registered):
                self._add(await documents_after(conn, self._seen_id))
            if total > len(self._registered):
                # An import committed after a later one: its ids are below those seen.
                self._add(await documents_after(conn, 0))

    def _add(self, rows: list[tuple[int, str, str]]) -> None:
        for row_id, sha256, body in rows:
            self._registered[sha256] = body
            self._seen_id = max(self._seen_id, row_id)

"""Registered documents (persisted queries): added once, never changed, read by id order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables.persisted_queries import persisted_queries
from api.persisted_manifest import ManifestOperation


async def add_documents(
    conn: AsyncConnection, operations: Sequence[ManifestOperation], now: datetime
) -> int:
    """Registers the operations whose hash is not registered yet; returns how many were new.
    A document is its hash: one already there is kept as it is (same text, same hash)."""
    if not operations:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    before = await count_documents(conn)
    await conn.execute(
        insert(persisted_queries).on_conflict_do_nothing(index_elements=["sha256"]),
        [
            {
                "sha256": operation.sha256,
                "name": operation.name,
                "operation_type": operation.operation_type,
                "body": operation.body,
                "created_at": now,
            }
            for operation in operations
        ],
    )
    return await count_documents(conn) - before


async def count_documents(conn: AsyncConnection) -> int:
    found = await conn.execute(select(func.count()).select_from(persisted_queries))
    return int(found.scalar_one())


async def documents_after(conn: AsyncConnection, after_id: int) -> list[tuple[int, str, str]]:
    """(id, sha256, body) of every document registered after `after_id`, oldest first."""
    found = await conn.execute(
        select(persisted_queries.c.id, persisted_queries.c.sha256, persisted_queries.c.body)
        .where(persisted_queries.c.id > after_id)
        .order_by(persisted_queries.c.id)
    )
    return [(int(row.id), str(row.sha256), str(row.body)) for row in found]

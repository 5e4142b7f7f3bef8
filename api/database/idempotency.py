"""Idempotency records, written in the same transaction as the change they stand for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    operation: str
    fingerprint: str
    result: dict[str, Any]


def fingerprint(operation: str, request: dict[str, Any]) -> str:
    """A stable digest of what was asked, so a replay with other input can be told apart."""
    canonical = orjson.dumps([operation, request], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def find(conn: AsyncConnection, scope: str, key: str) -> IdempotencyRecord | None:
    row = (
        await conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    return IdempotencyRecord(row.operation, row.fingerprint, dict(row.result))


async def store(
    conn: AsyncConnection,
    scope: str,
    key: str,
    record: IdempotencyRecord,
    now: datetime,
) -> None:
    await conn.execute(
        insert(idempotency_keys).values(
            scope=scope,
            key=key,
            operation=record.operation,
            fingerprint=record.fingerprint,
            result=record.result,
            created_at=now,
        )
    )

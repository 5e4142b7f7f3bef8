"""Idempotency records, written in the same transaction as the change they stand for."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import idempotency_keys
from domain.errors import IdempotencyKeyReused


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    operation: str
    fingerprint: str
    result: dict[str, Any]

    def require_same(self, key: str, operation: str, digest: str) -> None:
        """A key names one request: the same key with other input is refused."""
        if (self.operation, self.fingerprint) != (operation, digest):
            raise IdempotencyKeyReused(key)


def fingerprint_of(command: Any) -> tuple[str, str]:
    """A command dataclass's operation (its type's name) and the digest of its fields but
    the key."""
    operation = type(command).__name__
    return operation, fingerprint(operation, request_of(command))


def request_of(command: Any) -> dict[str, Any]:
    """The fields that identify a request, for its idempotency fingerprint."""
    request = asdict(command)
    request.pop("idempotency_key", None)
    plain: dict[str, Any] = _plain(request)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


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

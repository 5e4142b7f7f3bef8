"""Registered GraphQL documents, looked up by the SHA-256 of their text (persisted queries,
docs/persisted-queries.md). Written by `stockpool persisted-queries import`; read by every
worker, which keeps them in memory (api/services/persisted_queries.py)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from api.database.tables.base import Id, Timestamp, metadata

persisted_queries = Table(
    "persisted_queries",
    metadata,
    # Increasing: a worker reads the rows past the last id it has seen.
    Column("id", Id, primary_key=True, autoincrement=True),
    # Lowercase hex SHA-256 of `body` (UTF-8): what clients send as `sha256Hash`.
    Column("sha256", String(64), nullable=False, unique=True),
    # The operation's name and kind as the manifest gave them (for people, not for lookups).
    Column("name", String(200)),
    Column("operation_type", String(16)),
    Column("body", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

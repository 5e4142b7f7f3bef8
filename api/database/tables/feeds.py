"""Each channel's feeds (availability, reservations): every change at a position that only
grows, kept for the retention window; one head row per feed hands out positions in commit order."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table

from api.database.tables.base import Timestamp, metadata

feed_heads = Table(
    "feed_heads",
    metadata,
    # Positions are taken from this row at the end of a transaction, under its row lock until
    # commit: a later position is always a later commit, on any number of workers.
    Column("channel_id", ForeignKey("channels.id"), primary_key=True),
    Column("stream", String(16), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # Entries up to and including this position were dropped by retention.
    Column("kept_after", BigInteger, nullable=False, server_default="0"),
)

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("channel_id", ForeignKey("channels.id"), primary_key=True),
    Column("stream", String(16), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    # The SKU code (availability) or the reservation id (reservations) the change is about.
    Column("subject", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Index("ix_feed_entries_recorded_at", "recorded_at"),
)

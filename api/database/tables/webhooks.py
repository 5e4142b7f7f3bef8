"""Outbound webhooks: the endpoints partners registered and the outbox of deliveries, written
in the transaction of the change they tell (api/database/webhook_outbox.py)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from api.database.tables.base import Id, Timestamp, metadata, not_negative

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", String(2048), nullable=False),
    # The WebhookEvent names it takes, e.g. ["AVAILABILITY_CHANGED"].
    Column("events", JSON, nullable=False),
    # Bound to one channel: it receives only that channel's availability and reservations.
    Column("channel_id", ForeignKey("channels.id")),
    Column("secret", String(128), nullable=False),
    # During a rotation the previous secret signs too, until previous_secret_until.
    Column("previous_secret", String(128)),
    Column("previous_secret_until", Timestamp),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_at", Timestamp),
    # The first failed attempt since the last delivered one (None: not failing).
    Column("failing_since", Timestamp),
    # After a failed attempt nothing more is sent to it until then (one probe, not a storm).
    Column("paused_until", Timestamp),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # No foreign key: a worker whose endpoint list is a moment old may still write a delivery
    # for an endpoint just deleted, and that must never fail the sale; the relay drops it.
    Column("endpoint_id", BigInteger, nullable=False),
    # The `webhook-id`: the same on every attempt of this message.
    Column("message_id", String(40), nullable=False, unique=True),
    Column("event", String(32), nullable=False),
    # Availability and stock levels: a newer version of the same key replaces a pending one.
    Column("coalescing_key", String(200)),
    Column("version", BigInteger),
    # The request body: {"type", "timestamp", "data"}.
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Timestamp),
    # A worker is sending it until then; after that another may (it died mid-request).
    Column("claimed_until", Timestamp),
    Column("last_attempt_at", Timestamp),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint(
        "status IN ('PENDING', 'DELIVERED', 'FAILED', 'SUPERSEDED')", name="status_known"
    ),
    *not_negative("attempts"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
    Index("ix_webhook_deliveries_coalescing_key", "coalescing_key"),
)

"""stock pool foundation: catalogue, stock levels, ledger, idempotency, api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-22 11:15:18.846709
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "locations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_locations_code")),
    )
    op.create_table(
        "skus",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("barcode", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skus")),
        sa.UniqueConstraint("code", name=op.f("uq_skus_code")),
    )
    op.create_table(
        "stock_levels",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("on_hand", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("damaged", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("quarantined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reserved", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("committed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("in_transit", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("on_order", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("committed >= 0", name=op.f("ck_stock_levels_committed_not_negative")),
        sa.CheckConstraint("damaged >= 0", name=op.f("ck_stock_levels_damaged_not_negative")),
        sa.CheckConstraint("in_transit >= 0", name=op.f("ck_stock_levels_in_transit_not_negative")),
        sa.CheckConstraint(
            "on_hand - damaged - quarantined - reserved - committed >= 0",
            name=op.f("ck_stock_levels_available_not_negative"),
        ),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_levels_on_hand_not_negative")),
        sa.CheckConstraint("on_order >= 0", name=op.f("ck_stock_levels_on_order_not_negative")),
        sa.CheckConstraint(
            "quarantined >= 0", name=op.f("ck_stock_levels_quarantined_not_negative")
        ),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_stock_levels_reserved_not_negative")),
        sa.CheckConstraint("version >= 0", name=op.f("ck_stock_levels_version_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_levels_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_stock_levels_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint("sku_id", "location_id", name="uq_stock_levels_sku_location"),
    )
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.create_index("ix_stock_levels_location", ["location_id"], unique=False)

    op.create_table(
        "stock_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "stock_level_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "location_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("before_on_hand", sa.BigInteger(), nullable=False),
        sa.Column("before_damaged", sa.BigInteger(), nullable=False),
        sa.Column("before_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("before_reserved", sa.BigInteger(), nullable=False),
        sa.Column("before_committed", sa.BigInteger(), nullable=False),
        sa.Column("before_in_transit", sa.BigInteger(), nullable=False),
        sa.Column("before_on_order", sa.BigInteger(), nullable=False),
        sa.Column("after_on_hand", sa.BigInteger(), nullable=False),
        sa.Column("after_damaged", sa.BigInteger(), nullable=False),
        sa.Column("after_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("after_reserved", sa.BigInteger(), nullable=False),
        sa.Column("after_committed", sa.BigInteger(), nullable=False),
        sa.Column("after_in_transit", sa.BigInteger(), nullable=False),
        sa.Column("after_on_order", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_events_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_stock_events_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["stock_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_stock_events_stock_level_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_events")),
    )
    with op.batch_alter_table("stock_events", schema=None) as batch_op:
        batch_op.create_index("ix_stock_events_level", ["stock_level_id", "id"], unique=False)
        batch_op.create_index("ix_stock_events_location", ["location_id", "id"], unique=False)
        batch_op.create_index("ix_stock_events_sku", ["sku_id", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("stock_events", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_events_sku")
        batch_op.drop_index("ix_stock_events_location")
        batch_op.drop_index("ix_stock_events_level")

    op.drop_table("stock_events")
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_levels_location")

    op.drop_table("stock_levels")
    op.drop_table("skus")
    op.drop_table("locations")
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")

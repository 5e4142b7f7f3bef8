"""listings and published availability

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:53:27.260179
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_sku", sa.String(length=64), nullable=False),
        sa.Column("live_external_sku", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("safety_units", sa.BigInteger(), nullable=True),
        sa.Column("safety_basis_points", sa.Integer(), nullable=True),
        sa.Column("cap", sa.BigInteger(), nullable=True),
        sa.Column("allow_backorder", sa.Boolean(), nullable=False),
        sa.Column("backorder_limit", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published", sa.BigInteger(), nullable=False),
        sa.Column("published_status", sa.String(length=16), nullable=False),
        sa.Column("published_sellable", sa.BigInteger(), nullable=False),
        sa.Column("published_backorderable", sa.BigInteger(), nullable=False),
        sa.Column("promised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_version", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_quantity", sa.BigInteger(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "backorder_limit >= 0", name=op.f("ck_listings_backorder_limit_not_negative")
        ),
        sa.CheckConstraint("cap >= 0", name=op.f("ck_listings_cap_not_negative")),
        sa.CheckConstraint(
            "published = published_sellable + published_backorderable",
            name=op.f("ck_listings_published_adds_up"),
        ),
        sa.CheckConstraint("published >= 0", name=op.f("ck_listings_published_not_negative")),
        sa.CheckConstraint(
            "published_version >= 0", name=op.f("ck_listings_published_version_not_negative")
        ),
        sa.CheckConstraint(
            "safety_basis_points BETWEEN 0 AND 10000",
            name=op.f("ck_listings_safety_basis_points_in_range"),
        ),
        sa.CheckConstraint("safety_units >= 0", name=op.f("ck_listings_safety_units_not_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_listings_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_listings_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint(
            "channel_id", "live_external_sku", name="uq_listings_channel_external_sku"
        ),
        sa.UniqueConstraint("channel_id", "sku_id", name="uq_listings_channel_sku"),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index("ix_listings_sku", ["sku_id"], unique=False)

    op.create_table(
        "listing_campaigns",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "listing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("safety_basis_points", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_listing_campaigns_ends_after_start")
        ),
        sa.CheckConstraint(
            "safety_basis_points BETWEEN 0 AND 10000",
            name=op.f("ck_listing_campaigns_safety_basis_points_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_listing_campaigns_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_campaigns")),
    )
    with op.batch_alter_table("listing_campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_listing_campaigns_ends", ["ends_at"], unique=False)
        batch_op.create_index("ix_listing_campaigns_listing", ["listing_id"], unique=False)
        batch_op.create_index("ix_listing_campaigns_starts", ["starts_at"], unique=False)

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("safety_units", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("safety_basis_points", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("low_stock_threshold", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint("safety_units_not_negative", "safety_units >= 0")
        batch_op.create_check_constraint(
            "safety_basis_points_in_range", "safety_basis_points BETWEEN 0 AND 10000"
        )
        batch_op.create_check_constraint(
            "low_stock_threshold_not_negative", "low_stock_threshold >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("low_stock_threshold")
        batch_op.drop_column("safety_basis_points")
        batch_op.drop_column("safety_units")

    with op.batch_alter_table("listing_campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_campaigns_starts")
        batch_op.drop_index("ix_listing_campaigns_listing")
        batch_op.drop_index("ix_listing_campaigns_ends")

    op.drop_table("listing_campaigns")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_sku")

    op.drop_table("listings")

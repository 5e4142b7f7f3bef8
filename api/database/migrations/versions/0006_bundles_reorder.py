"""bundles and kits, reorder policies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bundle_components",
        sa.Column("bundle_sku_id", Id, nullable=False),
        sa.Column("component_sku_id", Id, nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bundle_components_quantity_positive")),
        sa.CheckConstraint(
            "bundle_sku_id <> component_sku_id", name=op.f("ck_bundle_components_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["bundle_sku_id"], ["skus.id"], name=op.f("fk_bundle_components_bundle_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["component_sku_id"],
            ["skus.id"],
            name=op.f("fk_bundle_components_component_sku_id_skus"),
        ),
        sa.PrimaryKeyConstraint(
            "bundle_sku_id", "component_sku_id", name=op.f("pk_bundle_components")
        ),
    )
    op.create_index("ix_bundle_components_component", "bundle_components", ["component_sku_id"])

    op.create_table(
        "reservation_bundle_lines",
        sa.Column("reservation_id", sa.String(length=32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("bundle_sku_id", Id, nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_reservation_bundle_lines_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_bundle_lines_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["bundle_sku_id"],
            ["skus.id"],
            name=op.f("fk_reservation_bundle_lines_bundle_sku_id_skus"),
        ),
        sa.PrimaryKeyConstraint(
            "reservation_id", "line_number", name=op.f("pk_reservation_bundle_lines")
        ),
    )

    op.create_table(
        "reorder_policies",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("location_id", Id, nullable=True),
        sa.Column("reorder_point", sa.BigInteger(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.BigInteger(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "reorder_point >= 0", name=op.f("ck_reorder_policies_reorder_point_not_negative")
        ),
        sa.CheckConstraint(
            "lead_time_days BETWEEN 0 AND 365",
            name=op.f("ck_reorder_policies_lead_time_days_in_range"),
        ),
        sa.CheckConstraint(
            "safety_stock >= 0", name=op.f("ck_reorder_policies_safety_stock_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_reorder_policies_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_reorder_policies_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorder_policies")),
        sa.UniqueConstraint("sku_id", "location_id", name="uq_reorder_policies_sku_location"),
    )
    # One policy per SKU covering every location (NULLs never collide in the constraint).
    op.create_index(
        "uq_reorder_policies_sku_everywhere",
        "reorder_policies",
        ["sku_id"],
        unique=True,
        sqlite_where=sa.text("location_id IS NULL"),
        postgresql_where=sa.text("location_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_reorder_policies_sku_everywhere", table_name="reorder_policies")
    op.drop_table("reorder_policies")
    op.drop_table("reservation_bundle_lines")
    op.drop_index("ix_bundle_components_component", table_name="bundle_components")
    op.drop_table("bundle_components")

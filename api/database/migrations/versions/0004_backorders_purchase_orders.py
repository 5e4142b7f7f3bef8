"""backorders and purchase orders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backordered", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_stock_levels_backordered_not_negative"), "backordered >= 0"
        )

    with op.batch_alter_table("stock_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("before_backordered", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("after_backordered", sa.BigInteger(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("reservation_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backordered", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("promised_at", Timestamp, nullable=True))
        batch_op.drop_constraint(op.f("ck_reservation_lines_within_quantity"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_reservation_lines_backordered_not_negative"), "backordered >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_reservation_lines_within_quantity"),
            "reserved + committed + fulfilled + backordered <= quantity",
        )

    op.create_index(
        "ix_reservation_lines_backordered", "reservation_lines", ["sku_id", "backordered"]
    )

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("expected_at", Timestamp, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_purchase_orders_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status", "id"])

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", sa.String(length=32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("stock_level_id", Id, nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("ordered", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("damaged", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("ordered > 0", name=op.f("ck_purchase_order_lines_ordered_positive")),
        sa.CheckConstraint(
            "received >= 0", name=op.f("ck_purchase_order_lines_received_not_negative")
        ),
        sa.CheckConstraint(
            "damaged >= 0", name=op.f("ck_purchase_order_lines_damaged_not_negative")
        ),
        sa.CheckConstraint(
            "received + damaged <= ordered", name=op.f("ck_purchase_order_lines_within_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_purchase_order_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["stock_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_purchase_order_lines_stock_level_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint(
            "purchase_order_id", "sku_id", name="uq_purchase_order_lines_order_sku"
        ),
    )
    op.create_index("ix_purchase_order_lines_level", "purchase_order_lines", ["stock_level_id"])


def downgrade() -> None:
    op.drop_index("ix_purchase_order_lines_level", table_name="purchase_order_lines")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_status", table_name="purchase_orders")
    op.drop_table("purchase_orders")
    op.drop_index("ix_reservation_lines_backordered", table_name="reservation_lines")
    with op.batch_alter_table("reservation_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reservation_lines_within_quantity"), type_="check")
        batch_op.drop_constraint(
            op.f("ck_reservation_lines_backordered_not_negative"), type_="check"
        )
        batch_op.drop_column("promised_at")
        batch_op.drop_column("backordered")
        batch_op.create_check_constraint(
            op.f("ck_reservation_lines_within_quantity"),
            "reserved + committed + fulfilled <= quantity",
        )
    with op.batch_alter_table("stock_events", schema=None) as batch_op:
        batch_op.drop_column("after_backordered")
        batch_op.drop_column("before_backordered")
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stock_levels_backordered_not_negative"), type_="check")
        batch_op.drop_column("backordered")

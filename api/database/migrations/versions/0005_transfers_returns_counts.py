"""transfers, customer returns and cycle counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("from_location_id", Id, nullable=False),
        sa.Column("to_location_id", Id, nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("expected_at", Timestamp, nullable=False),
        sa.Column("shipped_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "from_location_id <> to_location_id", name=op.f("ck_transfers_distinct_locations")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["locations.id"],
            name=op.f("fk_transfers_from_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"],
            ["locations.id"],
            name=op.f("fk_transfers_to_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    op.create_index("ix_transfers_status", "transfers", ["status", "id"])

    op.create_table(
        "transfer_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("source_level_id", Id, nullable=False),
        sa.Column("destination_level_id", Id, nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("damaged", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_transfer_lines_quantity_positive")),
        sa.CheckConstraint("received >= 0", name=op.f("ck_transfer_lines_received_not_negative")),
        sa.CheckConstraint("damaged >= 0", name=op.f("ck_transfer_lines_damaged_not_negative")),
        sa.CheckConstraint(
            "received + damaged <= quantity", name=op.f("ck_transfer_lines_within_quantity")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_transfer_lines_transfer_id_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_transfer_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["source_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_transfer_lines_source_level_id_stock_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_transfer_lines_destination_level_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_lines")),
        sa.UniqueConstraint("transfer_id", "sku_id", name="uq_transfer_lines_transfer_sku"),
    )
    op.create_index("ix_transfer_lines_destination", "transfer_lines", ["destination_level_id"])

    op.create_table(
        "customer_returns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("order_ref", sa.String(length=500), nullable=False),
        sa.Column("reservation_id", sa.String(length=32), nullable=True),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_customer_returns_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_customer_returns_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_customer_returns_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_returns")),
    )
    op.create_index("ix_customer_returns_status", "customer_returns", ["status", "id"])
    op.create_index("ix_customer_returns_order", "customer_returns", ["channel_id", "order_ref"])

    op.create_table(
        "customer_return_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("return_id", sa.String(length=32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("stock_level_id", Id, nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("restocked", sa.BigInteger(), nullable=False),
        sa.Column("damaged", sa.BigInteger(), nullable=False),
        sa.Column("written_off", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_customer_return_lines_quantity_positive")),
        sa.CheckConstraint(
            "restocked >= 0", name=op.f("ck_customer_return_lines_restocked_not_negative")
        ),
        sa.CheckConstraint(
            "damaged >= 0", name=op.f("ck_customer_return_lines_damaged_not_negative")
        ),
        sa.CheckConstraint(
            "written_off >= 0", name=op.f("ck_customer_return_lines_written_off_not_negative")
        ),
        sa.CheckConstraint(
            "restocked + damaged + written_off <= quantity",
            name=op.f("ck_customer_return_lines_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["customer_returns.id"],
            name=op.f("fk_customer_return_lines_return_id_customer_returns"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_customer_return_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["stock_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_customer_return_lines_stock_level_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_return_lines")),
        sa.UniqueConstraint("return_id", "sku_id", name="uq_customer_return_lines_return_sku"),
    )

    op.create_table(
        "customer_return_inspections",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("return_line_id", Id, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_customer_return_inspections_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["return_line_id"],
            ["customer_return_lines.id"],
            name=op.f("fk_customer_return_inspections_return_line_id_customer_return_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_return_inspections")),
    )
    op.create_index(
        "ix_customer_return_inspections_line", "customer_return_inspections", ["return_line_id"]
    )

    op.create_table(
        "cycle_counts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("completed_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_cycle_counts_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_counts")),
    )
    op.create_index("ix_cycle_counts_status", "cycle_counts", ["status", "id"])

    op.create_table(
        "cycle_count_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("count_id", sa.String(length=32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("stock_level_id", Id, nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=True),
        sa.Column("counted", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", Timestamp, nullable=True),
        sa.Column("adjusted", sa.BigInteger(), nullable=True),
        sa.Column("unresolved", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "expected >= 0", name=op.f("ck_cycle_count_lines_expected_not_negative")
        ),
        sa.CheckConstraint("counted >= 0", name=op.f("ck_cycle_count_lines_counted_not_negative")),
        sa.CheckConstraint(
            "unresolved >= 0", name=op.f("ck_cycle_count_lines_unresolved_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["count_id"],
            ["cycle_counts.id"],
            name=op.f("fk_cycle_count_lines_count_id_cycle_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_cycle_count_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["stock_level_id"],
            ["stock_levels.id"],
            name=op.f("fk_cycle_count_lines_stock_level_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_count_lines")),
        sa.UniqueConstraint("count_id", "sku_id", name="uq_cycle_count_lines_count_sku"),
    )


def downgrade() -> None:
    op.drop_table("cycle_count_lines")
    op.drop_index("ix_cycle_counts_status", table_name="cycle_counts")
    op.drop_table("cycle_counts")
    op.drop_index("ix_customer_return_inspections_line", table_name="customer_return_inspections")
    op.drop_table("customer_return_inspections")
    op.drop_table("customer_return_lines")
    op.drop_index("ix_customer_returns_order", table_name="customer_returns")
    op.drop_index("ix_customer_returns_status", table_name="customer_returns")
    op.drop_table("customer_returns")
    op.drop_index("ix_transfer_lines_destination", table_name="transfer_lines")
    op.drop_table("transfer_lines")
    op.drop_index("ix_transfers_status", table_name="transfers")
    op.drop_table("transfers")

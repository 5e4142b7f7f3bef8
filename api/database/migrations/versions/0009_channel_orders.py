"""a channel's order is recorded as a sale once: channel_orders keys sales by (channel, order_ref)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_orders",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("order_ref", sa.String(length=500), nullable=False),
        sa.Column("reservation_id", sa.String(length=32), nullable=False),
        sa.Column("lines_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_orders_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_channel_orders_reservation_id_reservations"),
        ),
        sa.PrimaryKeyConstraint("channel_id", "order_ref", name=op.f("pk_channel_orders")),
        sa.UniqueConstraint("reservation_id", name=op.f("uq_channel_orders_reservation_id")),
    )


def downgrade() -> None:
    op.drop_table("channel_orders")

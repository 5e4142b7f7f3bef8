"""each channel's availability and reservation feeds: feed_heads hands out positions in commit
order, feed_entries keeps every change for the retention window

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feed_heads",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kept_after", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_feed_heads_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "stream", name=op.f("pk_feed_heads")),
    )
    op.create_table(
        "feed_entries",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_feed_entries_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "stream", "position", name=op.f("pk_feed_entries")),
    )
    op.create_index("ix_feed_entries_recorded_at", "feed_entries", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_feed_entries_recorded_at", table_name="feed_entries")
    op.drop_table("feed_entries")
    op.drop_table("feed_heads")

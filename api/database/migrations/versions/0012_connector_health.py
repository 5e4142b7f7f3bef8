"""connector health and outage fallback: the connector columns of channels, exposure_holds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
MAX_COUNTER = 2_147_483_647


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("connector_timeout_seconds", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "outage_fallback", sa.String(length=32), nullable=False, server_default="none"
            )
        )
        batch.add_column(
            sa.Column("outage_threshold", sa.BigInteger(), nullable=False, server_default="0")
        )
        for column in (
            "connector_watched_since",
            "connector_last_seen",
            "connector_heartbeat_at",
            "connector_down_since",
            "connector_back_at",
        ):
            batch.add_column(sa.Column(column, Timestamp, nullable=True))
        batch.create_check_constraint(
            "connector_timeout_in_range", "connector_timeout_seconds BETWEEN 5 AND 86400"
        )
        batch.create_check_constraint("outage_threshold_not_negative", "outage_threshold >= 0")
        batch.create_check_constraint(
            "outage_threshold_not_too_large", f"outage_threshold <= {MAX_COUNTER}"
        )
    op.create_table(
        "exposure_holds",
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("sku_id", Id, nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("since", Timestamp, nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_exposure_holds_units_not_negative")),
        sa.CheckConstraint(
            f"units <= {MAX_COUNTER}", name=op.f("ck_exposure_holds_units_not_too_large")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_exposure_holds_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_exposure_holds_sku_id_skus")
        ),
        sa.PrimaryKeyConstraint("channel_id", "sku_id", name=op.f("pk_exposure_holds")),
    )


def downgrade() -> None:
    op.drop_table("exposure_holds")
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint("outage_threshold_not_too_large", type_="check")
        batch.drop_constraint("outage_threshold_not_negative", type_="check")
        batch.drop_constraint("connector_timeout_in_range", type_="check")
        for column in (
            "connector_back_at",
            "connector_down_since",
            "connector_heartbeat_at",
            "connector_last_seen",
            "connector_watched_since",
            "outage_threshold",
            "outage_fallback",
            "connector_timeout_seconds",
        ):
            batch.drop_column(column)

"""persisted queries: persisted_queries, the registered GraphQL documents by SHA-256

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "persisted_queries",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("operation_type", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persisted_queries")),
        sa.UniqueConstraint("sha256", name=op.f("uq_persisted_queries_sha256")),
    )


def downgrade() -> None:
    op.drop_table("persisted_queries")

"""no quantity column holds more than a GraphQL Int

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 10:00:00

Every quantity column gets a CHECK `<= 2147483647` (a signed difference, BETWEEN the Int's
bounds). A database holding a larger value is not migrated: the upgrade stops naming the
table and column, because clamping a counter would leave the ledger unable to replay it
(docs/operations.md says how to bring such a row down first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MAX_INT = 2_147_483_647
MIN_INT = -2_147_483_648

_COUNTERS = (
    "on_hand",
    "damaged",
    "quarantined",
    "reserved",
    "committed",
    "in_transit",
    "on_order",
    "backordered",
)

QUANTITIES: dict[str, tuple[str, ...]] = {
    "stock_levels": _COUNTERS,
    "stock_events": (
        *(f"before_{name}" for name in _COUNTERS),
        *(f"after_{name}" for name in _COUNTERS),
    ),
    "channels": ("safety_units", "low_stock_threshold"),
    "reservation_lines": (
        "quantity",
        "reserved",
        "committed",
        "fulfilled",
        "oversold",
        "backordered",
    ),
    "listings": (
        "safety_units",
        "cap",
        "backorder_limit",
        "published",
        "published_sellable",
        "published_backorderable",
        "reported_quantity",
    ),
    "bundle_components": ("quantity",),
    "reservation_bundle_lines": ("quantity",),
    "reorder_policies": ("reorder_point", "safety_stock"),
    "purchase_order_lines": ("ordered", "received", "damaged"),
    "transfer_lines": ("quantity", "received", "damaged"),
    "customer_return_lines": ("quantity", "restocked", "damaged", "written_off"),
    "customer_return_inspections": ("quantity",),
    "cycle_count_lines": ("expected", "counted", "unresolved"),
}
"""Per table, its quantity columns that are never negative (their CHECK `>= 0` stays)."""

SIGNED: dict[str, tuple[str, ...]] = {"cycle_count_lines": ("adjusted",)}
"""Per table, its quantity columns that may be negative: a difference."""


def upgrade() -> None:
    bind = op.get_bind()
    for table in sorted({*QUANTITIES, *SIGNED}):
        _refuse_if_too_large(bind, table)
        with op.batch_alter_table(table) as batch:
            for column in QUANTITIES.get(table, ()):
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}_not_too_large"), f"{column} <= {MAX_INT}"
                )
            for column in SIGNED.get(table, ()):
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}_in_int_range"),
                    f"{column} BETWEEN {MIN_INT} AND {MAX_INT}",
                )


def downgrade() -> None:
    for table in sorted({*QUANTITIES, *SIGNED}):
        with op.batch_alter_table(table) as batch:
            for column in QUANTITIES.get(table, ()):
                batch.drop_constraint(op.f(f"ck_{table}_{column}_not_too_large"), type_="check")
            for column in SIGNED.get(table, ()):
                batch.drop_constraint(op.f(f"ck_{table}_{column}_in_int_range"), type_="check")


def _refuse_if_too_large(bind: sa.engine.Connection, table: str) -> None:
    columns, signed = QUANTITIES.get(table, ()), SIGNED.get(table, ())
    bounds = [f"MAX({c})" for c in (*columns, *signed)] + [f"MIN({c})" for c in signed]
    found = bind.execute(sa.text(f"SELECT {', '.join(bounds)} FROM {table}")).one()
    named = [*columns, *signed, *signed]
    over = sorted(
        {
            column
            for column, value in zip(named, found, strict=True)
            if value is not None and not MIN_INT <= value <= MAX_INT
        }
    )
    if over:
        raise RuntimeError(
            f"{table} holds values beyond {MAX_INT} in {', '.join(over)}: bring them down "
            "before migrating (see docs/operations.md, 'Quantities and timestamps in the database')"
        )

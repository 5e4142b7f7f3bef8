"""Stock documents: purchase orders, transfers, customer returns and cycle counts."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from api.database.tables.base import (
    Id,
    Timestamp,
    in_int_range,
    line_columns,
    metadata,
    not_too_large,
    quantities,
    receipt_checks,
    timestamps,
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("supplier", String(200), nullable=False),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("reference", String(500)),
    Column("status", String(24), nullable=False),
    Column("expected_at", Timestamp, nullable=False),
    *timestamps(),
)
Index("ix_purchase_orders_status", purchase_orders.c.status, purchase_orders.c.id)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    *line_columns("purchase_order_id", "purchase_orders"),
    Column("stock_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("ordered", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("damaged", BigInteger, nullable=False),
    UniqueConstraint("purchase_order_id", "sku_id", name="uq_purchase_order_lines_order_sku"),
    *receipt_checks("ordered"),
)
Index("ix_purchase_order_lines_level", purchase_order_lines.c.stock_level_id)

transfers = Table(
    "transfers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("from_location_id", ForeignKey("locations.id"), nullable=False),
    Column("to_location_id", ForeignKey("locations.id"), nullable=False),
    Column("reference", String(500)),
    Column("status", String(24), nullable=False),
    Column("expected_at", Timestamp, nullable=False),
    Column("shipped_at", Timestamp),
    *timestamps(),
    CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
)
Index("ix_transfers_status", transfers.c.status, transfers.c.id)

transfer_lines = Table(
    "transfer_lines",
    metadata,
    *line_columns("transfer_id", "transfers"),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("source_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("destination_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("damaged", BigInteger, nullable=False),
    UniqueConstraint("transfer_id", "sku_id", name="uq_transfer_lines_transfer_sku"),
    *receipt_checks("quantity"),
)
Index("ix_transfer_lines_destination", transfer_lines.c.destination_level_id)

customer_returns = Table(
    "customer_returns",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel_id", ForeignKey("channels.id"), nullable=False),
    Column("order_ref", String(500), nullable=False),
    Column("reservation_id", ForeignKey("reservations.id")),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("status", String(24), nullable=False),
    *timestamps(),
)
Index("ix_customer_returns_status", customer_returns.c.status, customer_returns.c.id)
Index("ix_customer_returns_order", customer_returns.c.channel_id, customer_returns.c.order_ref)

customer_return_lines = Table(
    "customer_return_lines",
    metadata,
    *line_columns("return_id", "customer_returns"),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("stock_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("reason", String(48), nullable=False),
    Column("restocked", BigInteger, nullable=False),
    Column("damaged", BigInteger, nullable=False),
    Column("written_off", BigInteger, nullable=False),
    UniqueConstraint("return_id", "sku_id", name="uq_customer_return_lines_return_sku"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    *not_too_large("quantity"),
    *quantities("restocked", "damaged", "written_off"),
    CheckConstraint("restocked + damaged + written_off <= quantity", name="within_quantity"),
)

customer_return_inspections = Table(
    "customer_return_inspections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("return_line_id", ForeignKey("customer_return_lines.id"), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("reason", String(48), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    *not_too_large("quantity"),
)
Index("ix_customer_return_inspections_line", customer_return_inspections.c.return_line_id)

cycle_counts = Table(
    "cycle_counts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("reference", String(500)),
    Column("status", String(24), nullable=False),
    *timestamps(),
    Column("completed_at", Timestamp),
)
Index("ix_cycle_counts_status", cycle_counts.c.status, cycle_counts.c.id)

cycle_count_lines = Table(
    "cycle_count_lines",
    metadata,
    *line_columns("count_id", "cycle_counts"),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("stock_level_id", ForeignKey("stock_levels.id"), nullable=False),
    # On hand when the count was recorded; the difference is applied as a delta at completion.
    Column("expected", BigInteger),
    Column("counted", BigInteger),
    Column("recorded_at", Timestamp),
    Column("adjusted", BigInteger),
    Column("unresolved", BigInteger),
    UniqueConstraint("count_id", "sku_id", name="uq_cycle_count_lines_count_sku"),
    *quantities("expected", "counted", "unresolved"),
    in_int_range("adjusted"),
)

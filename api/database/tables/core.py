"""The catalogue, stock levels and their ledger, channels, listings, reservations, alerts,
bundles and reorder policies; the invariants of a stock level live here as CHECKs."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false

from api.database.tables.base import (
    Id,
    Timestamp,
    line_columns,
    metadata,
    not_negative,
    not_too_large,
    quantities,
    timestamps,
)
from domain.quantities import QUANTITY_NAMES, UNAVAILABLE_ON_HAND

skus = Table(
    "skus",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("barcode", String(64)),
    Column("attributes", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    *timestamps(),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("active", Boolean, nullable=False),
    *timestamps(),
)


_available = " - ".join(("on_hand", *UNAVAILABLE_ON_HAND))

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in QUANTITY_NAMES),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("sku_id", "location_id", name="uq_stock_levels_sku_location"),
    *quantities(*QUANTITY_NAMES),
    CheckConstraint(f"{_available} >= 0", name="available_not_negative"),
    CheckConstraint("version >= 0", name="version_not_negative"),
)
Index("ix_stock_levels_location", stock_levels.c.location_id)

stock_events = Table(
    "stock_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("stock_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("reason", String(48), nullable=False),
    Column("reference", String(500)),
    Column("actor", String(200), nullable=False),
    Column("idempotency_key", String(200)),
    Column("version", BigInteger, nullable=False),
    *(Column(f"before_{name}", BigInteger, nullable=False) for name in QUANTITY_NAMES),
    *(Column(f"after_{name}", BigInteger, nullable=False) for name in QUANTITY_NAMES),
    Column("created_at", Timestamp, nullable=False),
    *not_too_large(*(f"{when}_{name}" for when in ("before", "after") for name in QUANTITY_NAMES)),
)
Index("ix_stock_events_level", stock_events.c.stock_level_id, stock_events.c.id)
Index("ix_stock_events_sku", stock_events.c.sku_id, stock_events.c.id)
Index("ix_stock_events_location", stock_events.c.location_id, stock_events.c.id)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("channel", String(64)),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp),
    Column("expires_at", Timestamp),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("routing", String(32), nullable=False),
    Column("split", String(16), nullable=False),
    Column("safety_units", BigInteger, nullable=False, server_default="0"),
    Column("safety_basis_points", Integer, nullable=False, server_default="0"),
    Column("low_stock_threshold", BigInteger, nullable=False, server_default="0"),
    Column("sales_preempt_holds", Boolean, nullable=False, server_default=sa_false()),
    # Connector health (domain/connectors.py): the settings, then what the monitor knows.
    Column("connector_timeout_seconds", Integer),
    Column("outage_fallback", String(32), nullable=False, server_default="none"),
    Column("outage_threshold", BigInteger, nullable=False, server_default="0"),
    Column("connector_watched_since", Timestamp),
    Column("connector_last_seen", Timestamp),
    Column("connector_heartbeat_at", Timestamp),
    Column("connector_down_since", Timestamp),
    Column("connector_back_at", Timestamp),
    *timestamps(),
    CheckConstraint("safety_units >= 0", name="safety_units_not_negative"),
    CheckConstraint("safety_basis_points BETWEEN 0 AND 10000", name="safety_basis_points_in_range"),
    CheckConstraint("low_stock_threshold >= 0", name="low_stock_threshold_not_negative"),
    *not_too_large("safety_units", "low_stock_threshold"),
    CheckConstraint(
        "connector_timeout_seconds BETWEEN 5 AND 86400", name="connector_timeout_in_range"
    ),
    *quantities("outage_threshold"),
)

channel_locations = Table(
    "channel_locations",
    metadata,
    Column("channel_id", ForeignKey("channels.id"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel_id", ForeignKey("channels.id"), nullable=False),
    Column("order_ref", String(500), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    *timestamps(),
)
Index("ix_reservations_due", reservations.c.status, reservations.c.expires_at)
Index("ix_reservations_order", reservations.c.channel_id, reservations.c.order_ref)

channel_orders = Table(
    "channel_orders",
    metadata,
    # A channel's order recorded as a sale: its (channel, order_ref) names one sale, so a
    # resend (even a concurrent one) finds the first here instead of selling twice.
    Column("channel_id", ForeignKey("channels.id"), primary_key=True),
    Column("order_ref", String(500), primary_key=True),
    Column("reservation_id", ForeignKey("reservations.id"), nullable=False, unique=True),
    Column("lines_digest", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

_line_counters = ("quantity", "reserved", "committed", "fulfilled", "oversold", "backordered")

reservation_lines = Table(
    "reservation_lines",
    metadata,
    *line_columns("reservation_id", "reservations"),
    Column("stock_level_id", ForeignKey("stock_levels.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    *(
        Column(
            name, BigInteger, nullable=False, server_default="0" if name == "backordered" else None
        )
        for name in _line_counters
    ),
    Column("promised_at", Timestamp),
    *quantities(*_line_counters),
    CheckConstraint(
        "reserved + committed + fulfilled + backordered <= quantity", name="within_quantity"
    ),
)
Index("ix_reservation_lines_reservation", reservation_lines.c.reservation_id)
Index(
    "ix_reservation_lines_backordered",
    reservation_lines.c.sku_id,
    reservation_lines.c.backordered,
)
Index(
    "ix_reservation_lines_level", reservation_lines.c.stock_level_id, reservation_lines.c.reserved
)

listings = Table(
    "listings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_id", ForeignKey("channels.id"), nullable=False),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    Column("external_sku", String(64), nullable=False),
    # Set only while the listing is not removed: one live listing per external SKU.
    Column("live_external_sku", String(64)),
    Column("status", String(16), nullable=False),
    Column("safety_units", BigInteger),
    Column("safety_basis_points", Integer),
    Column("cap", BigInteger),
    Column("allow_backorder", Boolean, nullable=False),
    Column("backorder_limit", BigInteger, nullable=False),
    Column("removed_at", Timestamp),
    # What the channel may show now; the version moves only when quantity or status does.
    Column("published", BigInteger, nullable=False),
    Column("published_status", String(16), nullable=False),
    Column("published_sellable", BigInteger, nullable=False),
    Column("published_backorderable", BigInteger, nullable=False),
    Column("promised_at", Timestamp),
    Column("published_version", BigInteger, nullable=False),
    Column("published_at", Timestamp, nullable=False),
    Column("reported_quantity", BigInteger),
    Column("reported_at", Timestamp),
    *timestamps(),
    UniqueConstraint("channel_id", "sku_id", name="uq_listings_channel_sku"),
    UniqueConstraint("channel_id", "live_external_sku", name="uq_listings_channel_external_sku"),
    CheckConstraint("safety_units >= 0", name="safety_units_not_negative"),
    CheckConstraint("safety_basis_points BETWEEN 0 AND 10000", name="safety_basis_points_in_range"),
    *not_negative("cap", "backorder_limit", "published"),
    CheckConstraint(
        "published = published_sellable + published_backorderable", name="published_adds_up"
    ),
    CheckConstraint("published_version >= 0", name="published_version_not_negative"),
    *not_too_large(
        "safety_units",
        "cap",
        "backorder_limit",
        "published",
        "published_sellable",
        "published_backorderable",
        "reported_quantity",
    ),
)
Index("ix_listings_sku", listings.c.sku_id)

listing_campaigns = Table(
    "listing_campaigns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("listing_id", ForeignKey("listings.id"), nullable=False),
    Column("starts_at", Timestamp, nullable=False),
    Column("ends_at", Timestamp, nullable=False),
    Column("safety_basis_points", Integer, nullable=False),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    CheckConstraint("safety_basis_points BETWEEN 0 AND 10000", name="safety_basis_points_in_range"),
)
Index("ix_listing_campaigns_listing", listing_campaigns.c.listing_id)
Index("ix_listing_campaigns_starts", listing_campaigns.c.starts_at)
Index("ix_listing_campaigns_ends", listing_campaigns.c.ends_at)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("cause", String(300), nullable=False),
    # Set only while the alert is open or acknowledged: one such alert per cause.
    Column("open_cause", String(300), unique=True),
    Column("sku", String(64)),
    Column("channel", String(64)),
    Column("message", String(1000), nullable=False),
    Column("details", JSON, nullable=False),
    Column("occurrences", Integer, nullable=False),
    *timestamps(),
)
Index("ix_alerts_status", alerts.c.status, alerts.c.id)

bundle_components = Table(
    "bundle_components",
    metadata,
    Column("bundle_sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("component_sku_id", ForeignKey("skus.id"), primary_key=True),
    Column("quantity", BigInteger, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("bundle_sku_id <> component_sku_id", name="not_itself"),
    *not_too_large("quantity"),
)
Index("ix_bundle_components_component", bundle_components.c.component_sku_id)

# Which request lines of a reservation were bundles; their units are held as component lines
# with the same line number.
reservation_bundle_lines = Table(
    "reservation_bundle_lines",
    metadata,
    Column("reservation_id", ForeignKey("reservations.id"), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("bundle_sku_id", ForeignKey("skus.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    *not_too_large("quantity"),
)

reorder_policies = Table(
    "reorder_policies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sku_id", ForeignKey("skus.id"), nullable=False),
    # NULL: the policy covers the SKU over every location.
    Column("location_id", ForeignKey("locations.id")),
    Column("reorder_point", BigInteger, nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("safety_stock", BigInteger, nullable=False),
    *timestamps(),
    UniqueConstraint("sku_id", "location_id", name="uq_reorder_policies_sku_location"),
    CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
    CheckConstraint("lead_time_days BETWEEN 0 AND 365", name="lead_time_days_in_range"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
    *not_too_large("reorder_point", "safety_stock"),
)
Index(
    "uq_reorder_policies_sku_everywhere",
    reorder_policies.c.sku_id,
    unique=True,
    sqlite_where=reorder_policies.c.location_id.is_(None),
    postgresql_where=reorder_policies.c.location_id.is_(None),
)

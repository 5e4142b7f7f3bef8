"""The schema of the database, by concern; every table registers on one `metadata`."""

from __future__ import annotations

from api.database.tables.base import metadata
from api.database.tables.connectors import exposure_holds
from api.database.tables.core import (
    alerts,
    api_keys,
    bundle_components,
    channel_locations,
    channel_orders,
    channels,
    idempotency_keys,
    listing_campaigns,
    listings,
    locations,
    reorder_policies,
    reservation_bundle_lines,
    reservation_lines,
    reservations,
    skus,
    stock_events,
    stock_levels,
)
from api.database.tables.documents import (
    customer_return_inspections,
    customer_return_lines,
    customer_returns,
    cycle_count_lines,
    cycle_counts,
    purchase_order_lines,
    purchase_orders,
    transfer_lines,
    transfers,
)
from api.database.tables.feeds import feed_entries, feed_heads
from api.database.tables.persisted_queries import persisted_queries
from api.database.tables.webhooks import webhook_deliveries, webhook_endpoints

__all__ = [
    "alerts",
    "api_keys",
    "bundle_components",
    "channel_locations",
    "channel_orders",
    "channels",
    "customer_return_inspections",
    "customer_return_lines",
    "customer_returns",
    "cycle_count_lines",
    "cycle_counts",
    "exposure_holds",
    "feed_entries",
    "feed_heads",
    "idempotency_keys",
    "listing_campaigns",
    "listings",
    "locations",
    "metadata",
    "persisted_queries",
    "purchase_order_lines",
    "purchase_orders",
    "reorder_policies",
    "reservation_bundle_lines",
    "reservation_lines",
    "reservations",
    "skus",
    "stock_events",
    "stock_levels",
    "transfer_lines",
    "transfers",
    "webhook_deliveries",
    "webhook_endpoints",
]

"""The table of stock commands: for each, its handler, who may run it, and how a replay of
its idempotency key answers. Adding a stock command means a command dataclass in domain/, a
handler in api/handlers/, one row here and its field in schema/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.auth import ApiKeyService
from api.bus import API_KEYS, EventBus
from api.handlers import (
    access,
    bundles,
    catalogue,
    channels,
    connectors,
    cycle_counts,
    holds,
    listings,
    purchase_orders,
    reorder,
    reservations,
    returns,
    sales,
    stock,
    transfers,
)
from api.handlers import alerts as alert_handlers
from api.handlers.alerts import alert_unmapped
from api.handlers.reservations import RESERVATION
from api.service_layer.dispatcher import Access, Route
from api.services.alerts import AlertService
from api.services.listings import ListingService
from domain.access import ApiKey, CreateApiKey, RevokeApiKey
from domain.alerts import AcknowledgeAlert, ResolveAlert
from domain.bundles import SetBundleComponents
from domain.catalogue import CreateLocation, CreateSku, UpdateLocation, UpdateSku
from domain.channels import CreateChannel, SetChannelLocations, UpdateChannel
from domain.connectors import ConnectorBack, MarkConnectorDown
from domain.cycle_counts import CancelCount, CompleteCount, RecordCount, StartCount
from domain.listings import ImportListings, RemoveListing, ReportChannelQuantity, UpsertListing
from domain.purchase_orders import ClosePurchaseOrder, CreatePurchaseOrder, ReceivePurchaseOrder
from domain.reorder import RemoveReorderPolicy, SetReorderPolicy
from domain.reservations import (
    CancelReservation,
    CommitReservation,
    ExpireReservation,
    ExtendReservation,
    FulfilReservation,
    RecordChannelSale,
    ReleaseReservation,
    ReserveStock,
)
from domain.returns import InspectReturn, ReceiveReturn
from domain.stock_commands import AdjustStock, ReceiveStock, SetStock
from domain.transfers import (
    CancelTransfer,
    CloseTransfer,
    CreateTransfer,
    ReceiveTransfer,
    ShipTransfer,
)


def stock_routes(alerts: AlertService) -> dict[type[Any], Route[Any, Any]]:
    admin, channel, owner = Access.ADMIN, Access.CHANNEL, Access.OWNER
    return {
        ReceiveStock: Route(stock.change_stock, admin, stock.STOCK_CHANGE),
        AdjustStock: Route(stock.change_stock, admin, stock.STOCK_CHANGE),
        SetStock: Route(stock.change_stock, admin, stock.STOCK_CHANGE),
        ReserveStock: Route(holds.hold, channel, RESERVATION),
        CommitReservation: Route(reservations.transition, owner, RESERVATION),
        ReleaseReservation: Route(reservations.transition, owner, RESERVATION),
        CancelReservation: Route(reservations.cancel, owner, RESERVATION),
        ExtendReservation: Route(reservations.extend, owner, RESERVATION),
        ExpireReservation: Route(reservations.expire, admin, RESERVATION),
        FulfilReservation: Route(reservations.fulfil, owner, RESERVATION),
        RecordChannelSale: Route(
            sales.record_sale, channel, RESERVATION, on_refusal=alert_unmapped(alerts)
        ),
        CreatePurchaseOrder: Route(
            purchase_orders.create_purchase_order, admin, purchase_orders.PURCHASE_ORDER
        ),
        ReceivePurchaseOrder: Route(
            purchase_orders.receive_purchase_order, admin, purchase_orders.PURCHASE_ORDER
        ),
        ClosePurchaseOrder: Route(
            purchase_orders.close_purchase_order, admin, purchase_orders.PURCHASE_ORDER
        ),
        CreateTransfer: Route(transfers.create_transfer, admin, transfers.TRANSFER),
        ShipTransfer: Route(transfers.ship_transfer, admin, transfers.TRANSFER),
        ReceiveTransfer: Route(transfers.receive_transfer, admin, transfers.TRANSFER),
        CancelTransfer: Route(transfers.cancel_transfer, admin, transfers.TRANSFER),
        CloseTransfer: Route(transfers.close_transfer, admin, transfers.TRANSFER),
        ReceiveReturn: Route(returns.receive_return, owner, returns.CUSTOMER_RETURN),
        InspectReturn: Route(returns.inspect_return, admin, returns.CUSTOMER_RETURN),
        StartCount: Route(cycle_counts.start_count, admin, cycle_counts.CYCLE_COUNT),
        RecordCount: Route(cycle_counts.record_count, admin, cycle_counts.CYCLE_COUNT),
        CompleteCount: Route(cycle_counts.complete_count, admin, cycle_counts.CYCLE_COUNT),
        CancelCount: Route(cycle_counts.cancel_count, admin, cycle_counts.CYCLE_COUNT),
    }


def configuration_routes(
    alert_service: AlertService,
    listing_service: ListingService,
    key_service: ApiKeyService,
    bus: EventBus,
) -> dict[type[Any], Route[Any, Any]]:
    """Commands that move no stock (the catalogue, channels, listings, bundles, reorder
    policies, API keys, alerts): no idempotency key; what they republish or the alerts they
    move go on the bus after commit."""
    admin = Access.ADMIN
    return {
        CreateSku: Route(catalogue.create_sku, admin),
        UpdateSku: Route(catalogue.update_sku, admin),
        CreateLocation: Route(catalogue.create_location, admin),
        UpdateLocation: Route(catalogue.update_location, admin),
        CreateChannel: Route(channels.create_channel, admin),
        UpdateChannel: Route(channels.update_channel, admin),
        SetChannelLocations: Route(channels.set_channel_locations, admin),
        MarkConnectorDown: Route(connectors.mark_connector_down, admin),
        ConnectorBack: Route(connectors.connector_back, admin),
        UpsertListing: Route(listings.upsert_listing, admin, on_commit=listing_service.upserted),
        RemoveListing: Route(listings.remove_listing, admin),
        ImportListings: Route(listings.import_listings, admin),
        ReportChannelQuantity: Route(
            listings.report_channel_quantity,
            Access.CHANNEL,
            on_refusal=alert_unmapped(alert_service),
        ),
        SetBundleComponents: Route(bundles.set_bundle_components, admin),
        SetReorderPolicy: Route(reorder.set_reorder_policy, admin),
        RemoveReorderPolicy: Route(reorder.remove_reorder_policy, admin),
        CreateApiKey: Route(access.create_api_key, admin),
        RevokeApiKey: Route(access.revoke_api_key, admin, on_commit=key_revoked(key_service, bus)),
        AcknowledgeAlert: Route(alert_handlers.acknowledge_alert, admin),
        ResolveAlert: Route(alert_handlers.resolve_alert, admin),
    }


def key_revoked(
    key_service: ApiKeyService, bus: EventBus
) -> Callable[[RevokeApiKey, ApiKey], None]:
    """After a revocation commits: this worker stops trusting the key at once, and every
    worker (this one too) closes the WebSockets opened with it when the bus brings the news."""

    def revoked(command: RevokeApiKey, key: ApiKey) -> None:
        key_service.forget(command, key)
        bus.send_committed([(API_KEYS, {"key": key.id})])

    return revoked

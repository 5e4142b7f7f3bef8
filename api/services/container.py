"""Everything a request needs, built once by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import ApiKeyService
from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database.engine import Database
from api.services.alerts import AlertService
from api.services.bundles import BundleService
from api.services.catalogue import CatalogueService
from api.services.channels import ChannelService
from api.services.cycle_counts import CycleCountService
from api.services.listings import ListingService
from api.services.purchase_orders import PurchaseOrderService
from api.services.queries import StockQueries
from api.services.reorder import ReorderService
from api.services.reservations import ReservationService
from api.services.returns import ReturnService
from api.services.stock_engine import StockEngine
from api.services.transfers import TransferService
from api.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    bus: EventBus
    api_keys: ApiKeyService
    catalogue: CatalogueService
    stock: StockEngine
    queries: StockQueries
    channels: ChannelService
    listings: ListingService
    reservations: ReservationService
    purchase_orders: PurchaseOrderService
    transfers: TransferService
    returns: ReturnService
    cycle_counts: CycleCountService
    alerts: AlertService
    bundles: BundleService
    reorder: ReorderService

    @classmethod
    def build(
        cls, settings: Settings, database: Database, bus: EventBus, clock: Clock = utc_now
    ) -> Services:
        alerts = AlertService(database, bus, clock)
        return cls(
            settings=settings,
            database=database,
            bus=bus,
            api_keys=ApiKeyService(database, settings.admin_token, clock),
            catalogue=CatalogueService(database, bus, clock),
            stock=StockEngine(database, bus, clock),
            queries=StockQueries(database, clock),
            channels=ChannelService(database, bus, clock),
            listings=ListingService(database, bus, alerts, clock),
            reservations=ReservationService(
                database, bus, alerts, clock, settings.group_commit_max_batch
            ),
            purchase_orders=PurchaseOrderService(database, bus, clock),
            transfers=TransferService(database, bus, clock),
            returns=ReturnService(database, bus, clock),
            cycle_counts=CycleCountService(database, bus, clock),
            alerts=alerts,
            bundles=BundleService(database, bus, clock),
            reorder=ReorderService(database, bus, clock),
        )

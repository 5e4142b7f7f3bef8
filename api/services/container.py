"""Everything a request needs, built once by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import ApiKeyService
from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database.engine import Database
from api.services.alerts import AlertService
from api.services.catalogue import CatalogueService
from api.services.channels import ChannelService
from api.services.listings import ListingService
from api.services.purchase_orders import PurchaseOrderService
from api.services.queries import StockQueries
from api.services.reservations import ReservationService
from api.services.stock_engine import StockEngine
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
    alerts: AlertService

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
            alerts=alerts,
        )

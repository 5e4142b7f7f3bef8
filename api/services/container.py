"""Everything a request needs, built once by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from api.auth import ApiKeyService
from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database.engine import Database
from api.service_layer.dispatcher import Dispatcher
from api.service_layer.routes import configuration_routes, stock_routes
from api.services.alerts import AlertService
from api.services.bundles import BundleService
from api.services.channels import ChannelService
from api.services.connectors import ConnectorService
from api.services.cycle_counts import CycleCountService
from api.services.feeds import FeedService
from api.services.group_commit import BatchRunner
from api.services.listings import ListingService
from api.services.persisted_queries import PersistedQueries
from api.services.purchase_orders import PurchaseOrderService
from api.services.queries import StockQueries
from api.services.reorder import ReorderService
from api.services.reservations import ReservationService
from api.services.reserve_batch import ReserveBatch, ReserveRequest
from api.services.returns import ReturnService
from api.services.transfers import TransferService
from api.services.webhook_relay import WebhookRelay
from api.services.webhooks import WebhookService
from api.settings import Settings
from domain.access import Principal
from domain.commands import Command
from domain.reservations import Reservation, ReserveStock

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    bus: EventBus
    api_keys: ApiKeyService
    dispatcher: Dispatcher
    hold_batches: BatchRunner[ReserveRequest, Reservation] | None
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
    webhooks: WebhookService
    webhook_relay: WebhookRelay
    connectors: ConnectorService
    feeds: FeedService
    persisted_queries: PersistedQueries

    @classmethod
    def build(
        cls, settings: Settings, database: Database, bus: EventBus, clock: Clock = utc_now
    ) -> Services:
        alerts = AlertService(database, bus, clock)
        listings = ListingService(database, bus, clock)
        api_keys = ApiKeyService(database, settings.admin_token, clock)
        routes = stock_routes(alerts) | configuration_routes(alerts, listings, api_keys, bus)
        dispatcher = Dispatcher(database, bus, clock, routes)
        hold_batches = _group_commit(dispatcher, database, bus, clock, settings)
        relay = WebhookRelay(database, bus, clock, settings)
        return cls(
            settings=settings,
            database=database,
            bus=bus,
            dispatcher=dispatcher,
            hold_batches=hold_batches,
            api_keys=api_keys,
            queries=StockQueries(database, clock),
            channels=ChannelService(database),
            listings=listings,
            reservations=ReservationService(database, dispatcher, clock),
            purchase_orders=PurchaseOrderService(database),
            transfers=TransferService(database),
            returns=ReturnService(database),
            cycle_counts=CycleCountService(database),
            alerts=alerts,
            bundles=BundleService(database, clock),
            reorder=ReorderService(database, clock),
            webhooks=WebhookService(database, clock, settings.webhook_allow_private, relay.changed),
            webhook_relay=relay,
            connectors=ConnectorService(database, dispatcher, clock),
            feeds=FeedService(database, clock, timedelta(days=settings.feed_retention_days)),
            persisted_queries=PersistedQueries(
                database,
                settings.storefront_persisted_only,
                settings.persisted_query_max_age,
                clock,
            ),
        )

    async def dispatch(self, command: Command[R], principal: Principal) -> R:
        """Runs a stock command: see api/service_layer/dispatcher.py."""
        return await self.dispatcher.dispatch(command, principal)


def _group_commit(
    dispatcher: Dispatcher, database: Database, bus: EventBus, clock: Clock, settings: Settings
) -> BatchRunner[ReserveRequest, Reservation] | None:
    """With `group_commit_max_batch` > 0, concurrent holds queue and are decided in batches."""
    if settings.group_commit_max_batch <= 0:
        return None
    runner: BatchRunner[ReserveRequest, Reservation] = BatchRunner(
        ReserveBatch(database, bus, clock, dispatcher.execute), settings.group_commit_max_batch
    )

    async def submit(command: ReserveStock, principal: Principal) -> Reservation:
        return await runner.submit(ReserveRequest(command, principal))

    dispatcher.queue(ReserveStock, submit)
    return runner

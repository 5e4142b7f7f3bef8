"""The Query type."""

from __future__ import annotations

from typing import TypeVar

import strawberry

from api.services.ledger_check import check_ledger
from domain.reorder import DEFAULT_WINDOW_DAYS
from domain.validation import MAX_SEARCH_LENGTH
from schema.context import Info
from schema.errors import PublicError, public
from schema.feed_queries import FeedQueries
from schema.node_queries import NodeQueries
from schema.permissions import IsAdmin, ReadsMoreThanPublished
from schema.types.access import ApiKey, Viewer
from schema.types.alerts import Alert, AlertStatus
from schema.types.catalogue import Location, Sku
from schema.types.channels import Channel
from schema.types.cycle_counts import CountStatus, CycleCount
from schema.types.ledger_check import LedgerCheckReport
from schema.types.listings import ChannelAvailability, Listing
from schema.types.pagination import (
    Connection,
    connection,
    decode_cursor,
    decode_id_cursor,
    id_connection,
    page_size,
)
from schema.types.purchase_orders import PurchaseOrder, PurchaseOrderStatus
from schema.types.reorder import ReorderPolicy, ReorderSuggestion, SalesVelocity
from schema.types.reservations import Reservation, ReservationStatus
from schema.types.returns import CustomerReturn, ReturnStatus
from schema.types.stock import StockEvent, StockLevel
from schema.types.transfers import Transfer, TransferStatus
from schema.webhook_queries import WebhookQueries


@strawberry.type
class Query(FeedQueries, WebhookQueries, NodeQueries):
    @strawberry.field(description="The caller: who the API key belongs to.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.caller
        return Viewer(name=principal.name, role=principal.role, channel=principal.channel)

    @strawberry.field(permission_classes=[IsAdmin])
    async def sku(self, info: Info, code: str) -> Sku | None:
        found = await info.context.services.queries.sku(code)
        return Sku.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="SKUs in creation order; `search` matches code or name (any case) or barcode.",
    )
    async def skus(
        self, info: Info, first: int = 20, after: str | None = None, search: str | None = None
    ) -> Connection[Sku]:
        items, has_next = await info.context.services.queries.skus(
            page_size(first), decode_cursor("sku", after), _search(search)
        )
        return connection([(key, Sku.from_domain(s)) for key, s in items], "sku", has_next, after)

    @strawberry.field(permission_classes=[IsAdmin])
    async def location(self, info: Info, code: str) -> Location | None:
        found = await info.context.services.queries.location(code)
        return Location.from_domain(found) if found else None

    @strawberry.field(permission_classes=[IsAdmin], description="By priority, then code.")
    async def locations(self, info: Info) -> list[Location]:
        return [Location.from_domain(x) for x in await info.context.services.queries.locations()]

    @strawberry.field(
        permission_classes=[IsAdmin], description="Stock levels, filtered by SKU and/or location."
    )
    async def stock_levels(
        self, info: Info, sku: str | None = None, location: str | None = None
    ) -> list[StockLevel]:
        levels = await info.context.services.queries.stock_levels(sku, location)
        return [StockLevel.from_domain(level) for level in levels]

    @strawberry.field(permission_classes=[IsAdmin], description="The ledger, newest first.")
    async def stock_events(
        self,
        info: Info,
        sku: str | None = None,
        location: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[StockEvent]:
        entries, has_next = await info.context.services.queries.stock_events(
            page_size(first), decode_cursor("event", after), sku, location
        )
        items = [(entry.id, StockEvent.from_domain(entry)) for entry in entries]
        return connection(items, "event", has_next, after)

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Replays the whole ledger and reports stock levels that differ from it.",
    )
    async def ledger_check(self, info: Info) -> LedgerCheckReport:
        return LedgerCheckReport.from_domain(await check_ledger(info.context.services.database))

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="A partner key sees only its own channel.",
    )
    async def channel(self, info: Info, code: str) -> Channel | None:
        found = await info.context.services.channels.get(code, info.context.caller)
        return Channel.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="A partner key sees only its own channel.",
    )
    async def channels(self, info: Info) -> list[Channel]:
        found = await info.context.services.channels.list(info.context.caller)
        return [Channel.from_domain(c) for c in found]

    @strawberry.field(
        description="What the channel shows of each SKU, in the order asked; SKUs the channel "
        "does not list are left out. Storefront and partner keys read their own channel."
    )
    async def availability(
        self, info: Info, channel: str, skus: list[str]
    ) -> list[ChannelAvailability]:
        found = await public(
            info.context.services.listings.availability(channel, _few(skus), info.context.caller)
        )
        return [ChannelAvailability.from_domain(a) for a in found]

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="The channel's listings by SKU code; partners read their own.",
    )
    async def listings(
        self, info: Info, channel: str, skus: list[str] | None = None
    ) -> list[Listing]:
        found = await public(
            info.context.services.listings.listed(
                channel, info.context.caller, None if skus is None else _few(skus)
            )
        )
        return [Listing.from_domain(r) for r in found]

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="null when the channel does not list the SKU.",
    )
    async def listing(self, info: Info, channel: str, sku: str) -> Listing | None:
        found = await public(info.context.services.listings.get(channel, sku, info.context.caller))
        return Listing.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="The channel's listings as CSV, the format importListings reads.",
    )
    async def listings_csv(self, info: Info, channel: str) -> str:
        return await public(info.context.services.listings.export_csv(channel, info.context.caller))

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="Another channel's reservation is not found for a partner.",
    )
    async def reservation(self, info: Info, id: strawberry.ID) -> Reservation | None:
        found = await info.context.services.reservations.get(str(id), info.context.caller)
        return Reservation.from_domain(found) if found else None

    @strawberry.field(permission_classes=[ReadsMoreThanPublished], description="Newest first.")
    async def reservations(
        self,
        info: Info,
        channel: str | None = None,
        status: ReservationStatus | None = None,  # type: ignore[valid-type]
        order_ref: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Reservation]:
        after_id = decode_id_cursor("r", after)
        found, has_next = await public(
            info.context.services.reservations.page(
                info.context.caller, page_size(first), after_id, channel, status, order_ref
            )
        )
        items = [(r.id, Reservation.from_domain(r)) for r in found]
        return id_connection(items, has_next, after)

    @strawberry.field(permission_classes=[IsAdmin])
    async def purchase_order(self, info: Info, id: strawberry.ID) -> PurchaseOrder | None:
        found = await info.context.services.purchase_orders.get(str(id), info.context.caller)
        return PurchaseOrder.from_domain(found) if found else None

    @strawberry.field(permission_classes=[IsAdmin], description="Newest first.")
    async def purchase_orders(
        self,
        info: Info,
        status: PurchaseOrderStatus | None = None,  # type: ignore[valid-type]
        location: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[PurchaseOrder]:
        found, has_next = await public(
            info.context.services.purchase_orders.page(
                info.context.caller,
                page_size(first),
                decode_id_cursor("po", after),
                status,
                location,
            )
        )
        return id_connection([(o.id, PurchaseOrder.from_domain(o)) for o in found], has_next, after)

    @strawberry.field(permission_classes=[IsAdmin])
    async def transfer(self, info: Info, id: strawberry.ID) -> Transfer | None:
        found = await info.context.services.transfers.get(str(id), info.context.caller)
        return Transfer.from_domain(found) if found else None

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Newest first; `location` matches either end of a transfer.",
    )
    async def transfers(
        self,
        info: Info,
        status: TransferStatus | None = None,  # type: ignore[valid-type]
        location: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Transfer]:
        found, has_next = await public(
            info.context.services.transfers.page(
                info.context.caller,
                page_size(first),
                decode_id_cursor("tr", after),
                status,
                location,
            )
        )
        return id_connection([(t.id, Transfer.from_domain(t)) for t in found], has_next, after)

    @strawberry.field(permission_classes=[IsAdmin])
    async def customer_return(self, info: Info, id: strawberry.ID) -> CustomerReturn | None:
        found = await info.context.services.returns.get(str(id), info.context.caller)
        return CustomerReturn.from_domain(found) if found else None

    @strawberry.field(permission_classes=[IsAdmin], description="Newest first.")
    async def customer_returns(
        self,
        info: Info,
        status: ReturnStatus | None = None,  # type: ignore[valid-type]
        channel: str | None = None,
        order_ref: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[CustomerReturn]:
        found, has_next = await public(
            info.context.services.returns.page(
                info.context.caller,
                page_size(first),
                decode_id_cursor("rt", after),
                status,
                channel,
                order_ref,
            )
        )
        return id_connection(
            [(r.id, CustomerReturn.from_domain(r)) for r in found], has_next, after
        )

    @strawberry.field(permission_classes=[IsAdmin])
    async def cycle_count(self, info: Info, id: strawberry.ID) -> CycleCount | None:
        found = await info.context.services.cycle_counts.get(str(id), info.context.caller)
        return CycleCount.from_domain(found) if found else None

    @strawberry.field(permission_classes=[IsAdmin], description="Newest first.")
    async def cycle_counts(
        self,
        info: Info,
        status: CountStatus | None = None,  # type: ignore[valid-type]
        location: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[CycleCount]:
        found, has_next = await public(
            info.context.services.cycle_counts.page(
                info.context.caller,
                page_size(first),
                decode_id_cursor("cc", after),
                status,
                location,
            )
        )
        return id_connection([(c.id, CycleCount.from_domain(c)) for c in found], has_next, after)

    @strawberry.field(permission_classes=[IsAdmin], description="By SKU code.")
    async def reorder_policies(self, info: Info, sku: str | None = None) -> list[ReorderPolicy]:
        found = await info.context.services.reorder.policies(info.context.caller, sku)
        return [ReorderPolicy.from_domain(p) for p in found]

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Units promised to orders per day over the last windowDays days (1 to 365), "
        "at one location or over all of them.",
    )
    async def sales_velocity(
        self,
        info: Info,
        sku: str,
        window_days: int = DEFAULT_WINDOW_DAYS,
        location: str | None = None,
    ) -> SalesVelocity:
        velocity, available = await public(
            info.context.services.reorder.velocity(info.context.caller, sku, window_days, location)
        )
        return SalesVelocity.from_domain(velocity, available)

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="One row per SKU with a reorder policy, by SKU code; with `location`, that "
        "location's figures (its own policy first, else the SKU's policy for every location).",
    )
    async def reorder_suggestions(
        self, info: Info, location: str | None = None, window_days: int = DEFAULT_WINDOW_DAYS
    ) -> list[ReorderSuggestion]:
        rows = await public(
            info.context.services.reorder.suggestions(info.context.caller, window_days, location)
        )
        return [ReorderSuggestion.from_domain(row) for row in rows]

    @strawberry.field(permission_classes=[IsAdmin], description="Newest first.")
    async def alerts(
        self,
        info: Info,
        status: AlertStatus | None = None,  # type: ignore[valid-type]
    ) -> list[Alert]:
        found = await info.context.services.alerts.list(status, info.context.caller)
        return [Alert.from_domain(a) for a in found]

    @strawberry.field(permission_classes=[IsAdmin])
    async def api_keys(self, info: Info) -> list[ApiKey]:
        keys = await info.context.services.api_keys.list(info.context.caller)
        return [ApiKey.from_domain(key) for key in keys]


MAX_SKUS_PER_READ = 500

T = TypeVar("T")


def _search(search: str | None) -> str | None:
    """A LIKE pattern's length is what its matching costs (SQLite refuses one of 50,000)."""
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise PublicError(f"search is longer than {MAX_SEARCH_LENGTH} characters", "TOO_LONG")
    return search


def _few(skus: list[str]) -> list[str]:
    if len(skus) > MAX_SKUS_PER_READ:
        raise PublicError(f"at most {MAX_SKUS_PER_READ} SKUs at once", "INVALID_VALUE")
    return skus

"""`node(id:)`: any Node read again by its id, under the access rules of its own query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.permission import BasePermission

from domain.errors import ChannelNotFound
from domain.quantities import Quantities
from domain.stock_totals import SkuTotals as Totals
from domain.stock_totals import totals_of
from schema.context import Info
from schema.errors import PublicError, public
from schema.node import Node, NodeKind, NodeRef, node_ref
from schema.permissions import IsAdmin, ReadsMoreThanPublished
from schema.types.catalogue import Location, Sku
from schema.types.channels import Channel
from schema.types.cycle_counts import CycleCount
from schema.types.listings import ChannelAvailability, Listing
from schema.types.purchase_orders import PurchaseOrder
from schema.types.reservations import Reservation
from schema.types.returns import CustomerReturn
from schema.types.stock import SkuTotals, StockLevel
from schema.types.transfers import Transfer

Loader = Callable[[Info, tuple[str, ...]], Awaitable[Node | None]]


async def _sku(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.queries.sku(*codes)
    return Sku.from_domain(found) if found else None


async def _location(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.queries.location(*codes)
    return Location.from_domain(found) if found else None


async def _stock_level(info: Info, codes: tuple[str, ...]) -> Node | None:
    sku, location = codes
    found = await info.context.services.queries.stock_levels(sku, location)
    return StockLevel.from_domain(found[0]) if found else None


async def _sku_totals(info: Info, codes: tuple[str, ...]) -> Node | None:
    """As skuTotalsChanged sends them; a SKU no location holds yet has zero totals."""
    queries = info.context.services.queries
    found = totals_of(await queries.stock_levels(codes[0], None))
    if not found and await queries.sku(codes[0]) is not None:
        found = [Totals(codes[0], Quantities(), version=0, locations=0)]
    return SkuTotals.from_domain(found[0]) if found else None


async def _channel(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.channels.get(codes[0], info.context.caller)
    return Channel.from_domain(found) if found else None


async def _listing(info: Info, codes: tuple[str, ...]) -> Node | None:
    channel, sku = codes
    found = await public(info.context.services.listings.get(channel, sku, info.context.caller))
    return Listing.from_domain(found) if found else None


async def _availability(info: Info, codes: tuple[str, ...]) -> Node | None:
    channel, sku = codes
    listings = info.context.services.listings
    try:
        found = await public(listings.availability(channel, [sku], info.context.caller))
    except PublicError as error:
        if (error.extensions or {}).get("code") == ChannelNotFound.code.value:
            return None  # an unknown channel lists nothing
        raise
    return ChannelAvailability.from_domain(found[0]) if found else None


async def _reservation(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.reservations.get(codes[0], info.context.caller)
    return Reservation.from_domain(found) if found else None


async def _purchase_order(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.purchase_orders.get(codes[0], info.context.caller)
    return PurchaseOrder.from_domain(found) if found else None


async def _transfer(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.transfers.get(codes[0], info.context.caller)
    return Transfer.from_domain(found) if found else None


async def _customer_return(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.returns.get(codes[0], info.context.caller)
    return CustomerReturn.from_domain(found) if found else None


async def _cycle_count(info: Info, codes: tuple[str, ...]) -> Node | None:
    found = await info.context.services.cycle_counts.get(codes[0], info.context.caller)
    return CycleCount.from_domain(found) if found else None


_ANY_KEY = None
"""No query-level check: the service decides (what a channel shows: storefront keys too)."""

NODES: dict[NodeKind, tuple[type[BasePermission] | None, Loader]] = {
    NodeKind.SKU: (IsAdmin, _sku),
    NodeKind.LOCATION: (IsAdmin, _location),
    NodeKind.STOCK_LEVEL: (IsAdmin, _stock_level),
    NodeKind.SKU_TOTALS: (IsAdmin, _sku_totals),
    NodeKind.CHANNEL: (ReadsMoreThanPublished, _channel),
    NodeKind.LISTING: (ReadsMoreThanPublished, _listing),
    NodeKind.CHANNEL_AVAILABILITY: (_ANY_KEY, _availability),
    NodeKind.RESERVATION: (ReadsMoreThanPublished, _reservation),
    NodeKind.PURCHASE_ORDER: (IsAdmin, _purchase_order),
    NodeKind.TRANSFER: (IsAdmin, _transfer),
    NodeKind.CUSTOMER_RETURN: (IsAdmin, _customer_return),
    NodeKind.CYCLE_COUNT: (IsAdmin, _cycle_count),
}
"""Each kind's loader and the permission of the query that reads that type on its own
(`sku`, `channel`, `availability`, `reservation`…), so a key reads through `node` exactly
what it reads there."""


async def load_node(info: Info, ref: NodeRef) -> Node | None:
    permission, load = NODES[ref.kind]
    if permission is not None:
        check: Any = permission()
        if not check.has_permission(None, info):
            raise PublicError(check.message, "FORBIDDEN")
    return await load(info, ref.parts)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object with a Node id, read again by it (what client caches "
        "refetch by); null when it no longer exists. A key reads here what it reads through "
        "the type's own query; an id this API never handed out is INVALID_VALUE."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await load_node(info, node_ref(str(id)))

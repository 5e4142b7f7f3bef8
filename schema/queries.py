"""The Query type."""

from __future__ import annotations

import strawberry

from api.services.ledger_check import check_ledger
from schema.context import Info
from schema.permissions import IsAdmin
from schema.types.access import ApiKey, Viewer
from schema.types.catalogue import Location, Sku
from schema.types.ledger_check import LedgerCheckReport
from schema.types.pagination import Connection, connection, decode_cursor, page_size
from schema.types.stock import StockEvent, StockLevel


@strawberry.type
class Query:
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
            page_size(first), decode_cursor("sku", after), search
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

    @strawberry.field(permission_classes=[IsAdmin])
    async def api_keys(self, info: Info) -> list[ApiKey]:
        keys = await info.context.services.api_keys.list(info.context.caller)
        return [ApiKey.from_domain(key) for key in keys]

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import locations, skus
from api.services.container import Services
from domain.catalogue import CreateLocation, CreateSku
from domain.channels import (
    ChannelKind,
    CreateChannel,
    RoutingPolicy,
    SetChannelLocations,
    SplitPolicy,
)
from domain.stock_commands import ReceiveStock
from tests.conftest import ADMIN


async def make_catalogue(
    services: Services, skus: tuple[str, ...] = ("TEE",), locations: tuple[str, ...] = ("WH",)
) -> None:
    for code in locations:
        await services.dispatch(CreateLocation(code, f"Location {code}"), ADMIN)
    for code in skus:
        await services.dispatch(CreateSku(code, f"SKU {code}"), ADMIN)


async def make_channel(
    services: Services,
    code: str = "web",
    locations: tuple[str, ...] = ("WH",),
    routing: RoutingPolicy = RoutingPolicy.PRIORITY,
    split: SplitPolicy = SplitPolicy.NEVER,
) -> None:
    await services.dispatch(
        CreateChannel(code, code, ChannelKind.WEBSTORE, routing=routing, split=split), ADMIN
    )
    await services.dispatch(SetChannelLocations(code, locations), ADMIN)


async def stock(services: Services, *levels: tuple[str, str, int]) -> None:
    for sku, location, quantity in levels:
        await services.dispatch(ReceiveStock(sku, location, quantity), ADMIN)


async def insert_sku_row(conn: AsyncConnection, code: str, now: datetime) -> int:
    """A SKU row written directly, for tests of what lies under the services."""
    values = {"code": code, "name": code, "attributes": {}, "active": True}
    inserted = insert(skus).values(**values, created_at=now, updated_at=now)
    return int((await conn.execute(inserted.returning(skus.c.id))).scalar_one())


async def insert_location_row(conn: AsyncConnection, code: str, now: datetime) -> int:
    """A warehouse row written directly, for tests of what lies under the services."""
    values = {"code": code, "name": code, "kind": "warehouse", "priority": 1, "active": True}
    inserted = insert(locations).values(**values, created_at=now, updated_at=now)
    return int((await conn.execute(inserted.returning(locations.c.id))).scalar_one())

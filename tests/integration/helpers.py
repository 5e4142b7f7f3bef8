from __future__ import annotations

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

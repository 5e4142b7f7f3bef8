from __future__ import annotations

from api.services.container import Services
from domain.catalogue import CreateLocation, CreateSku
from tests.conftest import ADMIN


async def make_catalogue(
    services: Services, skus: tuple[str, ...] = ("TEE",), locations: tuple[str, ...] = ("WH",)
) -> None:
    for code in locations:
        await services.catalogue.create_location(CreateLocation(code, f"Location {code}"), ADMIN)
    for code in skus:
        await services.catalogue.create_sku(CreateSku(code, f"SKU {code}"), ADMIN)

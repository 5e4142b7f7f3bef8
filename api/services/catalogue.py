"""Creating and changing SKUs and locations."""

from __future__ import annotations

from api.clock import Clock, utc_now
from api.database import catalogue_repository as repository
from api.database.engine import Database
from domain.access import Principal
from domain.catalogue import (
    CreateLocation,
    CreateSku,
    Location,
    Sku,
    UpdateLocation,
    UpdateSku,
)


class CatalogueService:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def create_sku(self, command: CreateSku, principal: Principal) -> Sku:
        principal.require_admin()
        command.validate()
        sku = Sku(command.code, command.name, command.barcode, command.attributes, command.active)
        async with self._database.transaction() as conn:
            return await repository.insert_sku(conn, sku, self._clock())

    async def update_sku(self, command: UpdateSku, principal: Principal) -> Sku:
        principal.require_admin()
        command.validate()
        async with self._database.transaction() as conn:
            current = await repository.get_sku(conn, command.code)
            return await repository.save_sku(conn, command.apply(current), self._clock())

    async def create_location(self, command: CreateLocation, principal: Principal) -> Location:
        principal.require_admin()
        command.validate()
        location = Location(
            command.code,
            command.name,
            command.kind,
            command.priority,
            command.latitude,
            command.longitude,
            command.active,
        )
        async with self._database.transaction() as conn:
            return await repository.insert_location(conn, location, self._clock())

    async def update_location(self, command: UpdateLocation, principal: Principal) -> Location:
        principal.require_admin()
        command.validate()
        async with self._database.transaction() as conn:
            current = await repository.get_location(conn, command.code)
            return await repository.save_location(conn, command.apply(current), self._clock())

"""Creating and changing SKUs and locations."""

from __future__ import annotations

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as repository
from api.database import channel_repository
from api.database.engine import Database
from api.messages import availability_messages
from api.services.publishing import republish
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
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
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
        now = self._clock()
        async with self._database.transaction() as conn:
            current = await repository.get_location(conn, command.code)
            location = await repository.save_location(conn, command.apply(current), now)
            changed = []
            if location.active != current.active:
                # Channels stop (or start again) counting its stock in their pools.
                channel_ids = await channel_repository.ids_selling_from(conn, command.code)
                if channel_ids:
                    changed = await republish(conn, now, channel_ids=channel_ids)
        await self._bus.publish_committed(availability_messages(changed))
        return location

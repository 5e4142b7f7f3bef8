"""createSku, updateSku, createLocation, updateLocation: what is stocked, and where."""

from __future__ import annotations

from api.database import catalogue_repository as repository
from api.database import channel_repository
from api.service_layer.unit_of_work import UnitOfWork
from api.services.publishing import republish
from domain.catalogue import CreateLocation, CreateSku, Location, Sku, UpdateLocation, UpdateSku


async def create_sku(uow: UnitOfWork, command: CreateSku) -> Sku:
    return await repository.insert_sku(uow.conn, command.as_sku(), uow.now)


async def update_sku(uow: UnitOfWork, command: UpdateSku) -> Sku:
    current = await repository.get_sku(uow.conn, command.code)
    return await repository.save_sku(uow.conn, command.apply(current), uow.now)


async def create_location(uow: UnitOfWork, command: CreateLocation) -> Location:
    return await repository.insert_location(uow.conn, command.as_location(), uow.now)


async def update_location(uow: UnitOfWork, command: UpdateLocation) -> Location:
    conn, now = uow.conn, uow.now
    current = await repository.get_location(conn, command.code)
    location = await repository.save_location(conn, command.apply(current), now)
    if location.active != current.active:
        # Channels stop (or start again) counting its stock in their pools.
        channel_ids = await channel_repository.ids_selling_from(conn, command.code)
        if channel_ids:
            uow.republished(await republish(conn, now, channel_ids=channel_ids))
    return location

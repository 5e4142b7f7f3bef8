"""createChannel, updateChannel, setChannelLocations: where a channel sells from and how.
A change of a channel republishes every listing on it."""

from __future__ import annotations

from api.database import catalogue_repository
from api.database import channel_repository as repository
from api.service_layer.unit_of_work import UnitOfWork
from api.services.publishing import republish
from domain.channels import Channel, CreateChannel, SetChannelLocations, UpdateChannel


async def create_channel(uow: UnitOfWork, command: CreateChannel) -> Channel:
    return await repository.insert_channel(uow.conn, command.as_channel(uow.now), uow.now)


async def update_channel(uow: UnitOfWork, command: UpdateChannel) -> Channel:
    conn, now = uow.conn, uow.now
    current = await repository.get_channel(conn, command.code, ("code",))
    channel = await repository.save_channel(conn, command.apply(current.channel, now), now)
    uow.republished(await republish(conn, now, channel_ids=[current.id]))
    return channel


async def set_channel_locations(uow: UnitOfWork, command: SetChannelLocations) -> Channel:
    conn, now = uow.conn, uow.now
    record = await repository.get_channel(conn, command.channel)
    location_ids = [
        await catalogue_repository.location_id(conn, code, ("locations", str(index)))
        for index, code in enumerate(command.locations)
    ]
    await repository.set_locations(conn, record.id, location_ids, now)
    channel = (await repository.get_channel(conn, command.channel)).channel
    uow.republished(await republish(conn, now, channel_ids=[record.id]))
    return channel

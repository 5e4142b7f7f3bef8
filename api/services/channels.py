"""Creating channels and choosing the locations they sell from."""

from __future__ import annotations

from api.clock import Clock, utc_now
from api.database import catalogue_repository
from api.database import channel_repository as repository
from api.database.engine import Database
from domain.access import Principal
from domain.channels import Channel, CreateChannel, SetChannelLocations, UpdateChannel


class ChannelService:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def create(self, command: CreateChannel, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        channel = Channel(
            command.code, command.name, command.kind, command.status, command.routing, command.split
        )
        async with self._database.transaction() as conn:
            return await repository.insert_channel(conn, channel, self._clock())

    async def update(self, command: UpdateChannel, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        async with self._database.transaction() as conn:
            current = await repository.get_channel(conn, command.code, ("code",))
            return await repository.save_channel(
                conn, command.apply(current.channel), self._clock()
            )

    async def set_locations(self, command: SetChannelLocations, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        async with self._database.transaction() as conn:
            record = await repository.get_channel(conn, command.channel)
            location_ids = [
                await catalogue_repository.location_id(conn, code, ("locations", str(index)))
                for index, code in enumerate(command.locations)
            ]
            await repository.set_locations(conn, record.id, location_ids, self._clock())
            return (await repository.get_channel(conn, command.channel)).channel

    async def get(self, code: str, principal: Principal) -> Channel | None:
        if principal.channel not in (None, code):
            return None
        async with self._database.read() as conn:
            record = await repository.find_channel(conn, code)
        return record.channel if record else None

    async def list(self, principal: Principal) -> list[Channel]:
        async with self._database.read() as conn:
            found = await repository.list_channels(conn)
        return [c for c in found if principal.channel in (None, c.code)]

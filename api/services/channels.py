"""Creating channels and choosing the locations they sell from."""

from __future__ import annotations

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository
from api.database import channel_repository as repository
from api.database.engine import Database
from api.messages import availability_messages
from api.services.publishing import republish
from domain.access import Principal
from domain.channels import Channel, CreateChannel, SetChannelLocations, UpdateChannel


class ChannelService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def create(self, command: CreateChannel, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        channel = Channel(
            command.code,
            command.name,
            command.kind,
            command.status,
            command.routing,
            command.split,
            safety=command.safety,
        )
        async with self._database.transaction() as conn:
            return await repository.insert_channel(conn, channel, self._clock())

    async def update(self, command: UpdateChannel, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            current = await repository.get_channel(conn, command.code, ("code",))
            channel = await repository.save_channel(conn, command.apply(current.channel), now)
            changed = await republish(conn, now, channel_ids=[current.id])
        await self._bus.publish_committed(availability_messages(changed))
        return channel

    async def set_locations(self, command: SetChannelLocations, principal: Principal) -> Channel:
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            record = await repository.get_channel(conn, command.channel)
            location_ids = [
                await catalogue_repository.location_id(conn, code, ("locations", str(index)))
                for index, code in enumerate(command.locations)
            ]
            await repository.set_locations(conn, record.id, location_ids, now)
            channel = (await repository.get_channel(conn, command.channel)).channel
            changed = await republish(conn, now, channel_ids=[record.id])
        await self._bus.publish_committed(availability_messages(changed))
        return channel

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

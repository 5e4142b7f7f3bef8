"""Reading channels (creating and changing them: api/handlers/channels.py)."""

from __future__ import annotations

from api.database import channel_repository as repository
from api.database.engine import Database
from domain.access import Principal
from domain.channels import Channel


class ChannelService:
    def __init__(self, database: Database) -> None:
        self._database = database

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

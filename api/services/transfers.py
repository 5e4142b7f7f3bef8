"""Reading transfers; changing them is the dispatcher's (api/handlers/transfers.py)."""

from __future__ import annotations

from api.database import transfer_repository as repository
from api.database.engine import Database
from api.handlers.transfers import load
from domain.access import Principal
from domain.transfers import Transfer, TransferStatus


class TransferService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, transfer_id: str, principal: Principal) -> Transfer | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await load(conn, transfer_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: TransferStatus | None,
        location: str | None,
    ) -> tuple[list[Transfer], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = await repository.find_many(conn, ids)
        return [stored.transfer for stored in found], has_next

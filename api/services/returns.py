"""Reading customer returns; changing them is the dispatcher's (api/handlers/returns.py)."""

from __future__ import annotations

from api.database import return_repository as repository
from api.database.engine import Database
from api.handlers.returns import load
from domain.access import Principal
from domain.returns import CustomerReturn, ReturnStatus


class ReturnService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, return_id: str, principal: Principal) -> CustomerReturn | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await load(conn, return_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: ReturnStatus | None,
        channel: str | None,
        order_ref: str | None,
    ) -> tuple[list[CustomerReturn], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, channel, order_ref)
            found = await repository.find_many(conn, ids)
        return [stored.customer_return for stored in found], has_next

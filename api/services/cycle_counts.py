"""Reading cycle counts; changing them is the dispatcher's (api/handlers/cycle_counts.py)."""

from __future__ import annotations

from api.database import cycle_count_repository as repository
from api.database.engine import Database
from api.handlers.cycle_counts import load
from domain.access import Principal
from domain.cycle_counts import CountStatus, CycleCount


class CycleCountService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, count_id: str, principal: Principal) -> CycleCount | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await load(conn, count_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: CountStatus | None,
        location: str | None,
    ) -> tuple[list[CycleCount], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = await repository.find_many(conn, ids)
        return [stored.count for stored in found], has_next

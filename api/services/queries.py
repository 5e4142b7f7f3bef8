"""Read-only questions about the pool: catalogue, stock levels, totals and the ledger."""

from __future__ import annotations

from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import ledger_repository, stock_repository
from api.database.engine import Database
from domain.catalogue import Location, Sku
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockLevel


class StockQueries:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def sku(self, code: str) -> Sku | None:
        async with self._database.read() as conn:
            return await catalogue.find_sku(conn, code)

    async def skus(
        self, first: int, after_id: int | None, search: str | None
    ) -> tuple[list[tuple[int, Sku]], bool]:
        async with self._database.read() as conn:
            return await catalogue.list_skus(conn, first, after_id, search)

    async def location(self, code: str) -> Location | None:
        async with self._database.read() as conn:
            return await catalogue.find_location(conn, code)

    async def locations(self) -> list[Location]:
        async with self._database.read() as conn:
            return await catalogue.list_locations(conn)

    async def stock_levels(self, sku: str | None, location: str | None) -> list[StockLevel]:
        async with self._database.read() as conn:
            return await stock_repository.list_levels(conn, sku, location, self._clock())

    async def totals(self, sku_codes: list[str]) -> dict[str, Quantities]:
        async with self._database.read() as conn:
            return await stock_repository.totals_by_sku(conn, sku_codes, self._clock())

    async def stock_events(
        self, first: int, before_id: int | None, sku: str | None, location: str | None
    ) -> tuple[list[LedgerEntry], bool]:
        async with self._database.read() as conn:
            return await ledger_repository.page(conn, first, before_id, sku, location)

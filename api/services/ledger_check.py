"""`stockpool check`: replay the ledger and report every stock level that disagrees with it."""

from __future__ import annotations

from api.database import ledger_repository, stock_repository
from api.database.engine import Database
from domain.ledger import LedgerCheckReport, LedgerReplay, find_discrepancies


async def check_ledger(database: Database) -> LedgerCheckReport:
    """Reads counters and ledger in one snapshot, so concurrent writes cannot fake a mismatch."""
    async with database.reader.connect() as conn:
        if not database.is_sqlite:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            levels = await stock_repository.list_levels(conn)
            replay = LedgerReplay()
            async for entry in ledger_repository.stream_all(conn):
                replay.add(entry)
    return LedgerCheckReport(len(levels), replay.events, find_discrepancies(levels, replay.levels))

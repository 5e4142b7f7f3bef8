"""Running a command on a stock document (transfer, return, count) the way every stock
transaction runs: once per idempotency key, channel listings recomputed in the transaction,
ledger rows, availability and alerts published after commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock
from api.database.engine import Database
from api.services.follow_ups import follow_ups
from api.services.idempotent import Outcome, publish_fresh, run_command_once
from domain.access import Principal
from domain.alerts import Alert
from domain.stock import LedgerEntry

T = TypeVar("T")

Apply = Callable[[AsyncConnection, datetime, list[Alert]], Awaitable[tuple[str, list[LedgerEntry]]]]
"""Changes the document and stock; returns the document's id and the ledger rows written, and
adds the alerts it raised or resolved to the list."""

Load = Callable[[AsyncConnection, str], Awaitable[T | None]]


async def run_document_command(
    database: Database,
    bus: EventBus,
    clock: Clock,
    principal: Principal,
    command: Any,
    apply: Apply,
    load: Load[T],
) -> T:
    """The document as the command left it (or, for a replayed key, as it is now)."""
    raised: list[Alert] = []

    async def loaded(conn: AsyncConnection, document_id: str) -> T:
        document = await load(conn, document_id)
        assert document is not None
        return document

    async def in_transaction(conn: AsyncConnection) -> Outcome[T]:
        raised.clear()
        now = clock()
        document_id, entries = await apply(conn, now, raised)
        document = await loaded(conn, document_id)
        after = await follow_ups(conn, entries, now)
        return Outcome(
            document, {"id": document_id}, entries, after.availability, raised + after.alerts
        )

    async def replay(conn: AsyncConnection, remembered: dict[str, Any]) -> T:
        return await loaded(conn, remembered["id"])

    outcome = await run_command_once(database, clock, principal, command, in_transaction, replay)
    await publish_fresh(bus, outcome)
    return outcome.result

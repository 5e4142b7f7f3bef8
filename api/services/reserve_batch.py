"""reserveStock by group commit: a batch of holds in one transaction, decided in arrival order.

The batch reads and locks once what its holds need, then places each by the same code as a
hold alone (api/handlers/holds.py: `HoldBook`, the rule in domain/holds.py), on the counters
as the holds before it left them, so a hold gets the answer it would have had alone at its
place in the queue. Each hold is all or nothing: a refusal changes nothing and later holds
see the same counters. A replayed idempotency key answers as its first run did (the memo of
api/handlers/reservations.py); a key used twice in one batch ends the batch before its
second use, which then waits for the first to commit. Everything placed is written with one
statement per table; the listings it moves are republished once; the bus hears of it after
commit.

If the batch's transaction fails as a whole (a lost race for an idempotency key with another
worker, a deadlock), each of its commands runs again on its own through the dispatcher: a
failure is never shared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock
from api.database import batch_writes
from api.database.change_journal import journal_of
from api.database.engine import Database
from api.database.idempotency import IdempotencyRecord, fingerprint_of
from api.handlers.holds import HoldBook
from api.handlers.reservations import RESERVATION
from api.messages import committed_messages
from api.services.follow_ups import follow_ups
from api.services.group_commit import Pending
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import StockpoolError
from domain.publishing import ChannelAvailability
from domain.reservations import Reservation, ReserveStock
from domain.stock import LedgerEntry


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    command: ReserveStock
    principal: Principal


ReservePending = Pending[ReserveRequest, Reservation]
RunAlone = Callable[[ReserveStock, Principal], Awaitable[Reservation]]


@dataclass(slots=True)
class _Decided:
    """What a batch has decided: each command's answer, and the keys to store."""

    answers: list[tuple[ReservePending, Reservation | StockpoolError]] = field(default_factory=list)
    keys: list[tuple[str, str, IdempotencyRecord]] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    availability: list[ChannelAvailability] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


class ReserveBatch:
    """The `apply` of the holds' BatchRunner."""

    def __init__(
        self, database: Database, bus: EventBus, clock: Clock, run_alone: RunAlone
    ) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock
        self._run_alone = run_alone

    async def __call__(self, batch: list[ReservePending]) -> int:
        try:
            decided = await self._decide_and_write(batch)
        except Exception:
            # Nothing of the batch committed: each of its commands is tried again alone, so a
            # failure belongs to the command that causes it, not to its neighbours.
            await self._each_alone(batch)
            return len(batch)
        for pending, answer in decided.answers:
            if isinstance(answer, StockpoolError):
                pending.refuse(answer)
            else:
                pending.answer(answer)
        await self._bus.publish_committed(
            committed_messages(decided.entries, decided.availability, decided.alerts)
        )
        return len(decided.answers)

    async def _each_alone(self, batch: list[ReservePending]) -> None:
        for pending in batch:
            if not pending.waiting:
                continue
            request = pending.command
            try:
                pending.answer(await self._run_alone(request.command, request.principal))
            except Exception as error:
                pending.refuse(error)

    async def _decide_and_write(self, batch: list[ReservePending]) -> _Decided:
        now = self._clock()
        decided = _Decided()
        async with self._database.transaction() as conn:
            requests = [pending.command for pending in batch]
            book = await HoldBook.load(
                conn, [r.command for r in requests], now, requests[0].principal.actor
            )
            prior = await batch_writes.find_keys(conn, _scoped_keys(requests))
            seen_keys: set[tuple[str, str]] = set()
            for pending in batch:
                request = pending.command
                key = request.command.idempotency_key
                if key is not None:
                    scoped = (request.principal.idempotency_scope, key)
                    if scoped in seen_keys:
                        break  # the second use of a key waits for the first to commit
                    seen_keys.add(scoped)
                answer: Reservation | StockpoolError
                try:
                    if key is None:
                        answer = book.place(request.command, request.principal.actor)
                    else:
                        answer = await _place_keyed(conn, book, request, key, prior, decided)
                except StockpoolError as refusal:
                    answer = refusal
                decided.answers.append((pending, answer))
            decided.entries = await book.write(conn)
            await batch_writes.store_keys(conn, decided.keys, now)
            after = await follow_ups(conn, decided.entries, now)
            journal = journal_of(conn)
        decided.availability, decided.alerts = (
            journal.with_cursors(after.availability),
            after.alerts,
        )
        return decided


def _scoped_keys(requests: list[ReserveRequest]) -> set[tuple[str, str]]:
    return {
        (r.principal.idempotency_scope, r.command.idempotency_key)
        for r in requests
        if r.command.idempotency_key is not None
    }


async def _place_keyed(
    conn: AsyncConnection,
    book: HoldBook,
    request: ReserveRequest,
    key: str,
    prior: dict[tuple[str, str], IdempotencyRecord],
    decided: _Decided,
) -> Reservation:
    """The original answer if the key was used before, else the hold placed now, its key
    kept to be stored with it."""
    command, principal = request.command, request.principal
    operation, digest = fingerprint_of(command)
    found = prior.get((principal.idempotency_scope, key))
    if found is not None:
        found.require_same(key, operation, digest)
        return await RESERVATION.recall(conn, found.result)
    reservation = book.place(command, principal.actor)
    record = IdempotencyRecord(operation, digest, RESERVATION.remember(reservation))
    decided.keys.append((principal.idempotency_scope, key, record))
    return reservation

"""reserveStock by group commit: a batch of holds decided in arrival order on counters read
once, written with one statement per table, in one transaction.

The batch locks every stock level its commands may touch (in id order, as every transaction
does), lets go of due holds on them, then decides each command in Python on the counters as
the commands before it left them: the same checks (`check_holds`) and routing (`route`) as a
hold made alone, so a command gets the answer it would have had alone at its place in the
queue. Each command is all or nothing: a refusal changes nothing and later commands still
see the same counters. Then one UPDATE per level (from the version it was read at), the
ledger rows, reservations, lines and idempotency records go in one executemany each; the
listings they move are republished once, and the CHECK constraints stay the last word.

A command the batch does not decide itself (backorders, an unknown SKU or location, a
channel it cannot find: anything needing more than counters) ends the batch before it and
then runs on its own through the full path, so arrival order still holds. If the batch's
transaction fails as a whole (a lost race for an idempotency key with another worker, a
deadlock), each of its commands runs again on its own: a failure is never shared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock
from api.database import batch_writes, bundle_repository, catalogue_repository, listing_repository
from api.database import channel_repository as channels
from api.database.batch_writes import LevelWrite
from api.database.engine import Database
from api.database.idempotency import IdempotencyRecord, fingerprint, request_of
from api.database.movements import LevelRef, lock_levels
from api.messages import committed_messages
from api.services.expiry import expire_on_levels
from api.services.follow_ups import follow_ups
from api.services.group_commit import Pending
from api.services.reservation_records import from_snapshot, new_reservation_id, snapshot
from domain.access import Principal
from domain.alerts import Alert
from domain.channel_holds import ListingState, check_holds
from domain.channels import ChannelStatus
from domain.errors import ChannelPaused, IdempotencyKeyReused, StockpoolError
from domain.publishing import ChannelAvailability, ChannelPool
from domain.quantities import Quantities
from domain.reservations import (
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
    ReserveStock,
)
from domain.routing import route
from domain.stock import LedgerEntry, StockEventType, StockReason

OPERATION = ReserveStock.__name__


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    command: ReserveStock
    principal: Principal


ReservePending = Pending[ReserveRequest, Reservation]
RunAlone = Callable[[ReserveStock, Principal], Awaitable[Reservation]]


class RunsAlone(Exception):
    """The command needs the full path: the batch stops before it."""


@dataclass(slots=True)
class _Level:
    ref: LevelRef
    quantities: Quantities
    version: int


class _Decided:
    """What a batch has decided so far, to be written when it ends."""

    def __init__(self) -> None:
        self.answers: list[tuple[ReservePending, Reservation | StockpoolError]] = []
        self.entries: list[tuple[LevelRef, LedgerEntry]] = []
        self.placed: list[tuple[Reservation, int, list[tuple[LevelRef, ReservationLine]]]] = []
        self.keys: list[tuple[str, str, IdempotencyRecord]] = []


class ReserveBatch:
    """The `apply` of the reservation service's BatchRunner."""

    def __init__(
        self, database: Database, bus: EventBus, clock: Clock, run_alone: RunAlone
    ) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock
        self._run_alone = run_alone

    async def __call__(self, batch: list[ReservePending]) -> int:
        try:
            decided, published = await self._decide_and_write(batch)
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
        await self._bus.publish_committed(committed_messages(*published))
        taken = len(decided.answers)
        if taken == 0:
            await self._each_alone(batch[:1])
            return 1
        return taken

    async def _each_alone(self, batch: list[ReservePending]) -> None:
        for pending in batch:
            if not pending.waiting:
                continue
            request = pending.command
            try:
                pending.answer(await self._run_alone(request.command, request.principal))
            except Exception as error:
                pending.refuse(error)

    async def _decide_and_write(
        self, batch: list[ReservePending]
    ) -> tuple[_Decided, tuple[list[LedgerEntry], list[ChannelAvailability], list[Alert]]]:
        now = self._clock()
        decided = _Decided()
        async with self._database.transaction() as conn:
            state = await _BatchState.load(conn, batch, now)
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
                    replayed = state.replay(request)
                    answer = replayed if replayed is not None else state.hold(request, decided)
                except RunsAlone:
                    break
                except StockpoolError as refusal:
                    answer = refusal
                decided.answers.append((pending, answer))
            entries = state.expired + await _write(conn, decided, now)
            after = await follow_ups(conn, entries, now)
        return decided, (entries, after.availability, after.alerts)


async def _write(conn: AsyncConnection, decided: _Decided, now: datetime) -> list[LedgerEntry]:
    """Writes what the batch decided; returns its ledger rows with their ids."""
    if not decided.entries:
        return []
    levels: dict[int, LevelWrite] = {}
    for ref, entry in decided.entries:
        first = levels.get(ref.id)
        expected = first.expected_version if first is not None else entry.version - 1
        levels[ref.id] = LevelWrite(ref.id, expected, entry.after, entry.version)
    await batch_writes.write_levels(conn, [levels[i] for i in sorted(levels)], now)
    ids = await batch_writes.append_entries(conn, decided.entries)
    await batch_writes.insert_reservations(conn, decided.placed)
    await batch_writes.store_keys(conn, decided.keys, now)
    return [
        replace(entry, id=event_id)
        for (_, entry), event_id in zip(decided.entries, ids, strict=True)
    ]


class _BatchState:
    """The batch's view of the database: channels, SKU ids, listings and the locked levels,
    read once; the levels' counters move as commands are decided."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.channels: dict[str, channels.ChannelRecord | None] = {}
        self.sku_ids: dict[str, int] = {}
        self.listings: dict[str, dict[str, ListingState]] = {}
        self.levels: dict[tuple[str, str], _Level] = {}
        self.prior: dict[tuple[str, str], IdempotencyRecord] = {}
        self.expired: list[LedgerEntry] = []
        self.bundles: set[int] = set()

    @classmethod
    async def load(
        cls, conn: AsyncConnection, batch: list[ReservePending], now: datetime
    ) -> _BatchState:
        state = cls(now)
        requests = [pending.command for pending in batch]
        codes = {line.sku for r in requests for line in r.command.lines}
        for code in sorted({r.command.channel for r in requests}):
            state.channels[code] = await channels.find_channel(conn, code)
        state.sku_ids = await catalogue_repository.sku_ids_by_code(conn, codes)
        state.bundles = await bundle_repository.bundles_among(conn, state.sku_ids.values())
        location_ids = {
            record.location_ids[site.code]
            for record in state.channels.values()
            if record is not None
            for site in record.sites
        }
        if state.sku_ids and location_ids:
            locked = await lock_levels(
                conn, sku_ids=sorted(state.sku_ids.values()), location_ids=sorted(location_ids)
            )
            state.expired = await expire_on_levels(conn, locked, now, requests[0].principal.actor)
            latest = {(e.sku, e.location): (e.after, e.version) for e in state.expired}
            for level in locked:
                key = (level.ref.sku, level.ref.location)
                quantities, version = latest.get(key, (level.quantities, level.version))
                state.levels[key] = _Level(level.ref, quantities, version)
        for code, record in state.channels.items():
            if record is not None:
                listed = await listing_repository.list_for_channel(
                    conn, code, sorted(codes), include_removed=True
                )
                state.listings[code] = {
                    r.listing.sku: ListingState(r.listing, r.removed) for r in listed
                }
        wanted = {
            (r.principal.idempotency_scope, r.command.idempotency_key)
            for r in requests
            if r.command.idempotency_key is not None
        }
        state.prior = await batch_writes.find_keys(conn, wanted)
        return state

    def replay(self, request: ReserveRequest) -> Reservation | None:
        """The original answer when the command's key was used before, else None."""
        key = request.command.idempotency_key
        if key is None:
            return None
        prior = self.prior.get((request.principal.idempotency_scope, key))
        if prior is None:
            return None
        if (prior.operation, prior.fingerprint) != (
            OPERATION,
            fingerprint(OPERATION, request_of(request.command)),
        ):
            raise IdempotencyKeyReused(key)
        return from_snapshot(prior.result["reservation"])

    def hold(self, request: ReserveRequest, decided: _Decided) -> Reservation:
        """Decides one hold on the counters as they stand; moves them if it is made."""
        command, principal, now = request.command, request.principal, self.now
        record = self.channels.get(command.channel)
        if record is None:
            raise RunsAlone
        if record.channel.status is ChannelStatus.PAUSED:
            raise ChannelPaused(command.channel)
        listed = self.listings.get(command.channel, {})
        for line in command.lines:
            if line.sku not in self.sku_ids or self.sku_ids[line.sku] in self.bundles:
                raise RunsAlone
            if line.location is not None and line.location not in record.location_ids:
                raise RunsAlone
            state = listed.get(line.sku)
            if state is not None and state.listing.allow_backorder and not state.removed:
                raise RunsAlone
        skus = {line.sku for line in command.lines}
        at_sites = [
            level
            for site in record.sites
            for sku in skus
            if (level := self.levels.get((sku, site.code))) is not None
        ]
        check_holds(
            command.channel, command.lines, _pools(at_sites), listed, record.channel.safety, now
        )
        allocations, _ = route(
            command.lines,
            record.sites,
            {(lv.ref.sku, lv.ref.location): lv.quantities.available for lv in at_sites},
            record.channel.routing,
            record.channel.split,
            command.destination,
        )
        lines: list[tuple[LevelRef, ReservationLine]] = []
        for a in sorted(allocations, key=lambda a: a.line_number):
            level = self.levels[(a.sku, a.location)]
            lines.append(
                (
                    level.ref,
                    ReservationLine(
                        a.line_number, a.sku, a.location, a.quantity, reserved=a.quantity
                    ),
                )
            )
        for ref, held in sorted(lines, key=lambda placed: placed[0].id):
            level = self.levels[(ref.sku, ref.location)]
            before = level.quantities
            level.quantities = before + Quantities(reserved=held.reserved)
            level.version += 1
            decided.entries.append(
                (
                    ref,
                    LedgerEntry(
                        id=0,
                        sku=ref.sku,
                        location=ref.location,
                        type=StockEventType.RESERVED,
                        reason=StockReason.ORDER,
                        before=before,
                        after=level.quantities,
                        version=level.version,
                        actor=principal.actor,
                        created_at=now,
                        reference=command.order_ref,
                        idempotency_key=command.idempotency_key,
                    ),
                )
            )
        reservation = Reservation(
            id=new_reservation_id(now),
            channel=command.channel,
            order_ref=command.order_ref,
            kind=ReservationKind.HOLD,
            status=ReservationStatus.HELD,
            expires_at=now + timedelta(seconds=command.hold_seconds),
            created_at=now,
            lines=tuple(line for _, line in lines),
        )
        decided.placed.append((reservation, record.id, lines))
        if command.idempotency_key is not None:
            decided.keys.append(
                (
                    principal.idempotency_scope,
                    command.idempotency_key,
                    IdempotencyRecord(
                        OPERATION,
                        fingerprint(OPERATION, request_of(command)),
                        {"reservation": snapshot(reservation)},
                    ),
                )
            )
        return reservation


def _pools(levels: list[_Level]) -> dict[str, ChannelPool]:
    """The channel's pool per SKU from the counters as the batch has moved them (listings
    that may backorder never reach the batch, so incoming stock plays no part)."""
    pools: dict[str, ChannelPool] = {}
    for level in levels:
        pool = pools.get(level.ref.sku, ChannelPool())
        pools[level.ref.sku] = ChannelPool(
            pool.available + level.quantities.available,
            pool.incoming + level.quantities.unpromised_incoming,
        )
    return pools

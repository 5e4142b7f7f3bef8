"""Reservations: hold, commit, release, extend, fulfil, cancel, and sales with no prior hold.

Every transaction locks the stock levels it touches in id order first, then reservations, so
concurrent checkouts on overlapping SKUs never deadlock; the routing decision is made on the
locked counters, so it cannot be overtaken by another checkout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import (
    alert_repository,
    catalogue_repository,
    channel_pools,
    incoming,
    listing_repository,
    stock_repository,
)
from api.database import channel_repository as channels
from api.database import reservation_repository as repository
from api.database.engine import Database
from api.database.movements import LevelRef, LockedLevel, Movement, apply_movements, lock_levels
from api.database.reservation_repository import StoredLine
from api.messages import committed_messages
from api.services.alerts import AlertService
from api.services.bundles import record_bundle_lines, take_apart
from api.services.expiry import expire_on_levels, sweep
from api.services.follow_ups import follow_ups
from api.services.group_commit import BatchRunner
from api.services.idempotent import Outcome, publish_fresh, run_command_once
from api.services.reservation_records import as_of, from_snapshot, new_reservation_id, snapshot
from api.services.reserve_batch import ReserveBatch, ReserveRequest
from domain import alerts
from domain.access import Principal
from domain.alerts import Alert
from domain.backorders import Backorder, IncomingStock, plan_backorders, split_demand
from domain.channel_holds import ListingState, check_holds
from domain.channels import ChannelStatus, SplitPolicy
from domain.errors import (
    ChannelPaused,
    InvalidQuantity,
    InvalidTransition,
    LocationNotFound,
    LocationNotInChannel,
    ReservationNotFound,
    SkuNotFound,
    StockpoolError,
    UnmappedSku,
    refusal,
)
from domain.publishing import ChannelPool
from domain.reservations import (
    CancelReservation,
    CommitReservation,
    ExtendReservation,
    FulfilReservation,
    LineChange,
    RecordChannelSale,
    ReleaseReservation,
    RequestedLine,
    Reservation,
    ReservationCommand,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
    ReserveStock,
)
from domain.routing import Allocation, route
from domain.stock import LedgerEntry, StockEventType, StockReason

Apply = Callable[[AsyncConnection, datetime], Awaitable[tuple[str, list[LedgerEntry]]]]


class ReservationService:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        alerts: AlertService,
        clock: Clock = utc_now,
        max_batch: int = 0,
    ) -> None:
        """`max_batch` > 0 group-commits concurrent holds, up to that many per transaction."""
        self._database = database
        self._bus = bus
        self._alerts = alerts
        self._clock = clock
        self._holds: BatchRunner[ReserveRequest, Reservation] | None = (
            BatchRunner(ReserveBatch(database, bus, clock, self._reserve_alone), max_batch)
            if max_batch > 0
            else None
        )

    # ---- the commands -------------------------------------------------------------------

    async def reserve(self, command: ReserveStock, principal: Principal) -> Reservation:
        principal.require_channel(command.channel)
        command.validate()
        if self._holds is not None:
            return await self._holds.submit(ReserveRequest(command, principal))
        return await self._reserve_alone(command, principal)

    async def _reserve_alone(self, command: ReserveStock, principal: Principal) -> Reservation:
        return await self._run(
            command, principal, lambda c, now: self._reserve(c, command, principal, now)
        )

    async def commit(self, command: CommitReservation, principal: Principal) -> Reservation:
        return await self._transition(command, principal, self._commit)

    async def release(self, command: ReleaseReservation, principal: Principal) -> Reservation:
        return await self._transition(command, principal, self._release)

    async def extend(self, command: ExtendReservation, principal: Principal) -> Reservation:
        return await self._transition(command, principal, self._extend)

    async def fulfil(self, command: FulfilReservation, principal: Principal) -> Reservation:
        return await self._transition(command, principal, self._fulfil)

    async def cancel(self, command: CancelReservation, principal: Principal) -> Reservation:
        return await self._transition(command, principal, self._cancel)

    async def record_sale(self, command: RecordChannelSale, principal: Principal) -> Reservation:
        principal.require_channel(command.channel)
        command.validate()
        raised: list[Alert] = []
        try:
            return await self._run(
                command,
                principal,
                lambda c, now: self._sell(c, command, principal, now, raised),
                raised,
            )
        except UnmappedSku:
            assert command.external_sku is not None
            await self._alerts.raise_alert(alerts.unmapped(command.channel, command.external_sku))
            raise

    async def expire_due(self, limit: int = 200) -> int:
        """One pass of the sweeper: expires up to `limit` due holds; returns how many."""
        now = self._clock()
        async with self._database.read() as conn:
            due = await repository.due_ids(conn, now, limit)
        for reservation_id in due:
            async with self._database.transaction() as conn:
                entries = await sweep(conn, reservation_id, now)
                after = await follow_ups(conn, entries, now)
            await self._bus.publish_committed(
                committed_messages(entries, after.availability, after.alerts)
            )
        return len(due)

    # ---- reading --------------------------------------------------------------------------

    async def get(self, reservation_id: str, principal: Principal) -> Reservation | None:
        async with self._database.read() as conn:
            stored = await repository.find(conn, reservation_id)
        if stored is None or not _may_see(principal, stored.reservation):
            return None
        return as_of(stored.reservation, self._clock())

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        channel: str | None,
        status: ReservationStatus | None,
        order_ref: str | None,
    ) -> tuple[list[Reservation], bool]:
        if principal.channel is not None:
            principal.require_channel(channel or principal.channel)
            channel = principal.channel
        now = self._clock()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(
                conn, first, after, channel, status, order_ref, now
            )
            found = await repository.find_many(conn, ids)
        return [as_of(s.reservation, now) for s in found], has_next

    # ---- the machinery --------------------------------------------------------------------

    async def _run(
        self,
        command: Any,
        principal: Principal,
        apply: Apply,
        raised: list[Alert] | None = None,
    ) -> Reservation:
        """`raised` collects the alerts `apply` raises, published with the rest after commit."""
        raised = raised if raised is not None else []

        async def in_transaction(conn: AsyncConnection) -> Outcome[Reservation]:
            raised.clear()  # a retried transaction raises them again
            now = self._clock()
            reservation_id, entries = await apply(conn, now)
            reservation = await self._load(conn, reservation_id, now)
            after = await follow_ups(conn, entries, now)
            return Outcome(
                reservation,
                {"reservation": snapshot(reservation)},
                entries,
                after.availability,
                raised + after.alerts,
            )

        async def replay(conn: AsyncConnection, remembered: dict[str, Any]) -> Reservation:
            return from_snapshot(remembered["reservation"])

        outcome = await run_command_once(
            self._database,
            self._clock,
            principal,
            command,
            in_transaction,
            replay,
        )
        await publish_fresh(self._bus, outcome)
        return outcome.result

    async def _transition(
        self,
        command: ReservationCommand,
        principal: Principal,
        step: Callable[
            [AsyncConnection, Any, Reservation, list[Any], datetime, Principal],
            Awaitable[list[LedgerEntry]],
        ],
    ) -> Reservation:
        command.validate()

        async def apply(conn: AsyncConnection, now: datetime) -> tuple[str, list[LedgerEntry]]:
            stored = await repository.find(conn, command.reservation_id)
            if stored is None or not _may_see(principal, stored.reservation):
                raise ReservationNotFound(command.reservation_id)
            principal.require_channel(stored.reservation.channel)
            await lock_levels(conn, level_ids=sorted({line.level.id for line in stored.lines}))
            # Re-read under the locks: the state the decision is made on cannot move now.
            stored = await repository.find(conn, command.reservation_id)
            assert stored is not None
            entries = await step(conn, command, stored.reservation, stored.lines, now, principal)
            return command.reservation_id, entries

        return await self._run(command, principal, apply)

    async def _load(self, conn: AsyncConnection, reservation_id: str, now: datetime) -> Reservation:
        stored = await repository.find(conn, reservation_id)
        assert stored is not None
        return as_of(stored.reservation, now)

    async def _reserve(
        self, conn: AsyncConnection, command: ReserveStock, principal: Principal, now: datetime
    ) -> tuple[str, list[LedgerEntry]]:
        record = await channels.get_channel(conn, command.channel)
        if record.channel.status is ChannelStatus.PAUSED:
            raise ChannelPaused(command.channel)
        sku_ids = await self._check_lines(conn, command.lines, record, "lines")
        bundled, bundle_ids = await take_apart(conn, command.lines)
        sku_ids = sorted({*sku_ids, *bundle_ids.values()})
        locked, entries = await self._lock_channel_levels(conn, record, sku_ids, now, principal)
        listed = await listing_repository.list_for_channel(
            conn,
            command.channel,
            sorted({line.sku for line in command.lines}),
            include_removed=True,
        )
        open_backorders = (
            await channel_pools.channel_backorders(
                conn, [(record.id, level.ref.sku_id) for level in locked], now
            )
            if any(r.listing.allow_backorder for r in listed)
            else {}
        )
        published = check_holds(
            command.channel,
            command.lines,
            bundled.with_bundle_pools(
                _pools(
                    locked,
                    {sku: open_backorders.get((record.id, i), 0) for sku, i in _sku_ids(locked)},
                )
            ),
            {r.listing.sku: ListingState(r.listing, r.removed) for r in listed},
            record.channel.safety,
            now,
        )
        # Bundle lines are held as their components, after the plain lines (never backordered).
        plain = bundled.plain_lines()
        on_hand, beyond = split_demand(plain, published)
        if not beyond:
            allocations, _ = route(
                plain,
                record.sites,
                _availability(locked),
                record.channel.routing,
                record.channel.split,
                command.destination,
            )
            backorders: list[Backorder] = []
        else:
            allocations, short = route(
                on_hand,
                record.sites,
                _availability(locked),
                record.channel.routing,
                record.channel.split,
                command.destination,
                allow_partial=True,
            )
            for number, units in short.items():
                beyond[number] = beyond.get(number, 0) + units
            backorders = plan_backorders(
                command.channel,
                plain,
                beyond,
                published,
                await _incoming(conn, locked, record),
            )
        allocations += bundled.route_bundles(
            record.sites,
            _availability(locked),
            record.channel.routing,
            record.channel.split,
            command.destination,
            plain=allocations,
        )
        lines, moved = await self._place(
            conn,
            _hold_lines(allocations, backorders),
            locked,
            StockEventType.RESERVED,
            StockReason.ORDER,
            command,
            principal,
            now,
        )
        reservation = Reservation(
            id=new_reservation_id(now),
            channel=command.channel,
            order_ref=command.order_ref,
            kind=ReservationKind.HOLD,
            status=ReservationStatus.HELD,
            expires_at=now + timedelta(seconds=command.hold_seconds),
            created_at=now,
        )
        await repository.insert_reservation(conn, reservation, record.id, lines)
        await record_bundle_lines(conn, reservation.id, bundled, bundle_ids)
        return reservation.id, entries + moved

    async def _sell(
        self,
        conn: AsyncConnection,
        command: RecordChannelSale,
        principal: Principal,
        now: datetime,
        raised: list[Alert],
    ) -> tuple[str, list[LedgerEntry]]:
        record = await channels.get_channel(conn, command.channel)
        sku = command.sku
        if sku is None:
            external_sku = command.external_sku or ""
            found = await listing_repository.find_by_external_sku(conn, record.id, external_sku)
            if found is None:
                raise UnmappedSku(command.channel, external_sku)
            sku = found.listing.sku
        line = RequestedLine(sku, command.quantity, command.location)
        sku_ids = await self._check_lines(conn, (line,), record, None)
        bundled, bundle_ids = await take_apart(conn, (line,))
        sku_ids = sorted({*sku_ids, *bundle_ids.values()})
        locked, entries = await self._lock_channel_levels(conn, record, sku_ids, now, principal)
        wanted = bundled.components_of(line)
        allocations, shortfall = route(
            wanted,
            record.sites,
            _availability(locked),
            record.channel.routing,
            SplitPolicy.ALLOWED,
            allow_partial=True,
        )
        lines, moved = await self._place(
            conn,
            [
                ReservationLine(0, a.sku, a.location, a.quantity, committed=a.quantity)
                for a in allocations
            ],
            locked,
            StockEventType.SOLD,
            StockReason.CHANNEL_SALE,
            command,
            principal,
            now,
        )
        entries += moved
        short = {wanted[number].sku: units for number, units in shortfall.items() if units}
        for part, units in short.items():
            # The shortfall of each SKU sold (a bundle's: of each component) is on its last line.
            at = [index for index, (_, placed) in enumerate(lines) if placed.sku == part]
            if at:
                level, last = lines[at[-1]]
                lines[at[-1]] = (level, replace(last, oversold=units))
            else:
                level = await self._level_for_oversold(conn, record, part, command, now)
                lines.append(
                    (level, ReservationLine(0, level.sku, level.location, 0, oversold=units))
                )
        oversold = bundled.line_short(line, short)
        if oversold:
            raised.append(
                await alert_repository.raise_alert(
                    conn,
                    alerts.oversell(
                        command.channel, sku, command.order_ref, command.quantity, oversold
                    ),
                    now,
                )
            )
        reservation = Reservation(
            id=new_reservation_id(now),
            channel=command.channel,
            order_ref=command.order_ref,
            kind=ReservationKind.SALE,
            status=ReservationStatus.COMMITTED,
            expires_at=now,
            created_at=now,
        )
        await repository.insert_reservation(conn, reservation, record.id, lines)
        await record_bundle_lines(conn, reservation.id, bundled, bundle_ids)
        return reservation.id, entries

    async def _place(
        self,
        conn: AsyncConnection,
        placed: list[ReservationLine],
        locked: list[LockedLevel],
        event: StockEventType,
        reason: StockReason,
        command: ReserveStock | RecordChannelSale,
        principal: Principal,
        now: datetime,
    ) -> tuple[list[tuple[LevelRef, ReservationLine]], list[LedgerEntry]]:
        """Books each new line on its stock level: one ledger row per line."""
        refs = {(level.ref.sku, level.ref.location): level.ref for level in locked}
        lines = []
        movements = []
        for line in placed:
            ref = refs[(line.sku, line.location)]
            lines.append((ref, line))
            booked = LineChange(
                reserved=line.reserved, committed=line.committed, backordered=line.backordered
            )
            kind = StockEventType.BACKORDERED if line.backordered == line.quantity else event
            movements.append(
                Movement(ref, booked.stock_movement(), kind, reason, command.order_ref)
            )
        entries = await apply_movements(
            conn, movements, principal.actor, now, command.idempotency_key
        )
        return lines, entries

    async def _level_for_oversold(
        self,
        conn: AsyncConnection,
        record: channels.ChannelRecord,
        sku: str,
        command: RecordChannelSale,
        now: datetime,
    ) -> LevelRef:
        """Where an order line with nothing in stock is booked: its location, or the channel's
        first; the shortfall is on the line, never on the counters."""
        location = command.location or (record.sites[0].code if record.sites else None)
        if location is None:
            raise LocationNotInChannel("(none)", command.channel, ("channel",))
        sku_id = await catalogue_repository.sku_id(conn, sku)
        location_id = record.location_ids[location]
        level_id = await stock_repository.ensure_level(conn, sku_id, location_id, now)
        return LevelRef(level_id, sku_id, location_id, sku, location)

    async def _check_lines(
        self,
        conn: AsyncConnection,
        lines: tuple[RequestedLine, ...],
        record: channels.ChannelRecord,
        prefix: str | None,
    ) -> list[int]:
        """Refuses unknown SKUs and locations the channel does not sell from; returns the ids
        of the lines' SKUs."""
        problems: list[StockpoolError] = []
        known = await catalogue_repository.sku_ids_by_code(conn, {line.sku for line in lines})

        def field(index: int, name: str) -> tuple[str, ...]:
            return (prefix, str(index), name) if prefix else (name,)

        for index, line in enumerate(lines):
            if line.sku not in known:
                problems.append(SkuNotFound(line.sku, field(index, "sku")))
            if line.location is not None and line.location not in record.location_ids:
                if await catalogue_repository.find_location(conn, line.location) is None:
                    problems.append(LocationNotFound(line.location, field(index, "location")))
                else:
                    problems.append(
                        LocationNotInChannel(
                            line.location, record.channel.code, field(index, "location")
                        )
                    )
        if problems:
            raise refusal(problems)
        return sorted(known.values())

    async def _lock_channel_levels(
        self,
        conn: AsyncConnection,
        record: channels.ChannelRecord,
        sku_ids: list[int],
        now: datetime,
        principal: Principal,
    ) -> tuple[list[LockedLevel], list[LedgerEntry]]:
        """Locks the lines' SKUs at the channel's locations, lets go of due holds on them, and
        returns the counters as they then are."""
        location_ids = [record.location_ids[s.code] for s in record.sites]
        locked = await lock_levels(conn, sku_ids=sku_ids, location_ids=location_ids)
        entries = await expire_on_levels(conn, locked, now, principal.actor)
        if entries:
            latest = {(entry.sku, entry.location): entry.after for entry in entries}
            locked = [
                LockedLevel(
                    level.ref, latest.get((level.ref.sku, level.ref.location), level.quantities)
                )
                for level in locked
            ]
        return locked, entries

    async def _commit(self, conn, command, reservation, lines, now, principal):  # type: ignore[no-untyped-def]
        if reservation.status is ReservationStatus.COMMITTED:
            return []
        reservation.require_held(now, "commit")
        moved = await repository.set_status(
            conn, reservation.id, ReservationStatus.COMMITTED, now, repository.still_held(now)
        )
        if not moved:
            raise InvalidTransition(reservation.id, "changed concurrently", "commit")
        changes = [
            (s, LineChange(reserved=-s.line.reserved, committed=s.line.reserved)) for s in lines
        ]
        return await self._move_lines(
            conn, command, reservation, changes, StockEventType.COMMITTED, now, principal
        )

    async def _release(self, conn, command, reservation, lines, now, principal):  # type: ignore[no-untyped-def]
        status = reservation.status_at(now)
        if status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
            return await sweep(conn, reservation.id, now)
        reservation.require_held(now, "release")
        await repository.set_status(
            conn, reservation.id, ReservationStatus.RELEASED, now, repository.still_held(now)
        )
        changes = [
            (s, LineChange(reserved=-s.line.reserved, backordered=-s.line.backordered))
            for s in lines
        ]
        return await self._move_lines(
            conn, command, reservation, changes, StockEventType.RELEASED, now, principal
        )

    async def _extend(self, conn, command, reservation, lines, now, principal):  # type: ignore[no-untyped-def]
        reservation.require_held(now, "extend")
        await repository.set_status(
            conn,
            reservation.id,
            ReservationStatus.HELD,
            now,
            repository.still_held(now),
            expires_at=now + timedelta(seconds=command.hold_seconds),
        )
        return []

    async def _fulfil(self, conn, command, reservation, lines, now, principal):  # type: ignore[no-untyped-def]
        reservation.require_committed("fulfil")
        shipping = _shipments(command.lines, lines)
        changes = [
            (s, LineChange(committed=-shipping.get(s.id, 0), fulfilled=shipping.get(s.id, 0)))
            for s in lines
        ]
        if all(s.line.committed == shipping.get(s.id, 0) and not s.line.backordered for s in lines):
            await repository.set_status(
                conn,
                reservation.id,
                ReservationStatus.FULFILLED,
                now,
                repository.status_is(ReservationStatus.COMMITTED),
            )
        return await self._move_lines(
            conn, command, reservation, changes, StockEventType.FULFILLED, now, principal
        )

    async def _cancel(self, conn, command, reservation, lines, now, principal):  # type: ignore[no-untyped-def]
        if reservation.status is ReservationStatus.CANCELLED:
            return []
        reservation.require_committed("cancel")
        await repository.set_status(
            conn,
            reservation.id,
            ReservationStatus.CANCELLED,
            now,
            repository.status_is(ReservationStatus.COMMITTED),
        )
        changes = [
            (s, LineChange(committed=-s.line.committed, backordered=-s.line.backordered))
            for s in lines
        ]
        return await self._move_lines(
            conn, command, reservation, changes, StockEventType.CANCELLED, now, principal
        )

    async def _move_lines(
        self,
        conn: AsyncConnection,
        command: ReservationCommand,
        reservation: Reservation,
        changes: list[tuple[StoredLine, LineChange]],
        event: StockEventType,
        now: datetime,
        principal: Principal,
    ) -> list[LedgerEntry]:
        """Moves units between a reservation's line counters and, in step, the counters of
        the stock level each line sits on: one ledger row per line that changed."""
        movements = []
        for stored, change in changes:
            if change.is_zero():
                continue
            moved = change.applied_to(stored.line)
            await repository.update_line(
                conn,
                stored.id,
                reserved=moved.reserved,
                committed=moved.committed,
                fulfilled=moved.fulfilled,
                backordered=moved.backordered,
            )
            movements.append(
                Movement(
                    stored.level,
                    change.stock_movement(),
                    event,
                    StockReason.ORDER,
                    reservation.order_ref,
                )
            )
        return await apply_movements(conn, movements, principal.actor, now, command.idempotency_key)


def _shipments(requested: tuple[RequestedLine, ...] | None, lines: list[Any]) -> dict[int, int]:
    """Units to ship per stored line: every committed unit, or the requested quantities taken
    from the matching lines in order."""
    if requested is None:
        return {stored.id: stored.line.committed for stored in lines}
    shipping: dict[int, int] = {}
    for index, want in enumerate(requested):
        needed = want.quantity
        for stored in lines:
            if stored.line.sku != want.sku or (
                want.location and stored.line.location != want.location
            ):
                continue
            take = min(needed, stored.line.committed - shipping.get(stored.id, 0))
            if take > 0:
                shipping[stored.id] = shipping.get(stored.id, 0) + take
                needed -= take
        if needed:
            raise InvalidQuantity(
                f"{want.sku}: {want.quantity} to ship but only {want.quantity - needed} committed",
                ("lines", str(index), "quantity"),
            )
    return shipping


def _pools(locked: list[LockedLevel], open_backorders: dict[str, int]) -> dict[str, ChannelPool]:
    """The channel's pool per SKU, from the locked counters of its locations."""
    pools: dict[str, ChannelPool] = {}
    for level in locked:
        pool = pools.get(level.ref.sku, ChannelPool())
        q = level.quantities
        pools[level.ref.sku] = ChannelPool(
            pool.available + q.available,
            pool.incoming + q.unpromised_incoming,
            backordered=open_backorders.get(level.ref.sku, 0),
        )
    return pools


def _sku_ids(locked: list[LockedLevel]) -> set[tuple[str, int]]:
    return {(level.ref.sku, level.ref.sku_id) for level in locked}


async def _incoming(
    conn: AsyncConnection, locked: list[LockedLevel], record: channels.ChannelRecord
) -> dict[str, list[IncomingStock]]:
    """Per SKU, what is on its way to each of the channel's locations, in the channel's order."""
    waiting = [level for level in locked if level.quantities.unpromised_incoming > 0]
    dated = await incoming.schedules(conn, [level.ref.id for level in waiting])
    rank = {site.code: index for index, site in enumerate(record.sites)}
    found: dict[str, list[IncomingStock]] = {}
    for level in sorted(waiting, key=lambda lv: rank.get(lv.ref.location, len(rank))):
        found.setdefault(level.ref.sku, []).append(
            IncomingStock(
                level.ref.location,
                level.quantities.unpromised_incoming,
                level.quantities.backordered,
                dated.get(level.ref.id, ()),
            )
        )
    return found


def _hold_lines(
    allocations: list[Allocation], backorders: list[Backorder]
) -> list[ReservationLine]:
    """One line per request line, SKU and location (a bundle line has one per component):
    units held from stock and units backordered."""
    lines: dict[tuple[int, str, str], ReservationLine] = {}
    for a in allocations:
        lines[(a.line_number, a.sku, a.location)] = ReservationLine(
            a.line_number, a.sku, a.location, a.quantity, reserved=a.quantity
        )
    for b in backorders:
        held = lines.get((b.line_number, b.sku, b.location))
        reserved = held.reserved if held is not None else 0
        lines[(b.line_number, b.sku, b.location)] = ReservationLine(
            b.line_number,
            b.sku,
            b.location,
            reserved + b.quantity,
            reserved=reserved,
            backordered=b.quantity,
            promised_at=b.promised_at,
        )
    return sorted(lines.values(), key=lambda line: line.line_number)


def _availability(locked: list[LockedLevel]) -> dict[tuple[str, str], int]:
    return {(level.ref.sku, level.ref.location): level.quantities.available for level in locked}


def _may_see(principal: Principal, reservation: Reservation) -> bool:
    return principal.channel is None or principal.channel == reservation.channel

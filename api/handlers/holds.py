"""reserveStock: holds read once, decided one by one, written at once.

`HoldBook.load` reads what a batch of holds needs in a number of queries that does not grow
with the batch: the channels, the SKUs' ids and bundles, the channels' listings, the stock
levels a hold may touch (locked in id order, due holds let go), the locations lines name
outside their channel and, only when a listing allows backorders, the channels' open
backorders and the dates incoming stock is due. `place` decides one hold by the hold rule
(domain/holds.py) on the counters as the holds placed before it left them, and moves them in
memory: a refusal changes nothing. `write` writes every placed hold with one statement per
table (api/database/batch_writes.py); the CHECK constraints stay the last word.

A hold alone is a batch of one (`hold`, the dispatcher's handler); group commit places
many in one transaction (api/services/reserve_batch.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import (
    batch_writes,
    bundle_repository,
    catalogue_repository,
    channel_pools,
    connector_repository,
    incoming,
    listing_repository,
    outage_flag,
)
from api.database import channel_repository as channels
from api.database.batch_writes import LevelWrite
from api.database.bundle_repository import Graph
from api.database.movements import LevelRef, lock_levels
from api.handlers.order_lines import existing_locations, named_outside
from api.service_layer.unit_of_work import UnitOfWork
from api.services.expiry import expire_on_levels
from api.services.reservation_records import ReservationIds
from domain.backorders import Incoming
from domain.channel_holds import ListingState
from domain.channel_pools import OutageCover, Schedules
from domain.holds import ChannelView, StockView, decide_hold
from domain.quantities import Quantities
from domain.reservations import Reservation, ReservationLine, ReserveStock
from domain.stock import LedgerEntry, StockMove, ledger_entry

Placed = tuple[Reservation, int, list[tuple[LevelRef, ReservationLine]]]
"""A reservation, its channel's id, and its lines on their stock levels."""


async def hold(uow: UnitOfWork, command: ReserveStock) -> Reservation:
    """A hold alone: a batch of one, in the dispatcher's unit of work."""
    book = await HoldBook.load(uow.conn, [command], uow.now, uow.actor)
    reservation = book.place(command, uow.actor)
    uow.record(await book.write(uow.conn))
    return reservation


class HoldBook:
    """What a batch of holds was decided on, and what it has placed so far."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.channels: dict[str, ChannelView | None] = {}
        self.channel_ids: dict[str, int] = {}
        self.sku_ids: dict[str, int] = {}
        self.refs: dict[tuple[str, str], LevelRef] = {}
        self.counters: dict[tuple[str, str], Quantities] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.backordered: dict[str, dict[str, int]] = {}
        self.stock = StockView({}, {}, {}, (), ())
        self.expired: list[LedgerEntry] = []
        self.entries: list[tuple[LevelRef, LedgerEntry]] = []
        self.placed: list[Placed] = []
        self.bundle_lines: list[tuple[str, int, int, int]] = []
        self._ids = ReservationIds(now)

    @classmethod
    async def load(
        cls, conn: AsyncConnection, commands: Sequence[ReserveStock], now: datetime, actor: str
    ) -> HoldBook:
        """Reads and locks what the commands need; due holds on the locked levels are let go
        as `actor`."""
        book = cls(now)
        codes = {line.sku for command in commands for line in command.lines}
        records = {
            code: await channels.find_channel(conn, code)
            for code in sorted({command.channel for command in commands})
        }
        known = await catalogue_repository.sku_ids_by_code(conn, codes)
        graph = await _bundles_among(conn, known)
        book.sku_ids = {**known, **graph.ids}
        await book._lock_levels(conn, records, actor)
        covers = await _outage_covers(conn, records, book.sku_ids)
        backordering = await book._read_channels(conn, records, sorted(codes), covers)
        schedules = await book._read_backorders(conn, backordering)
        book.stock = StockView(
            book.counters,
            schedules,
            graph.composition,
            known,
            await existing_locations(conn, _named_outside(commands, records)),
        )
        return book

    async def _lock_levels(
        self,
        conn: AsyncConnection,
        records: dict[str, channels.ChannelRecord | None],
        actor: str,
    ) -> None:
        location_ids = {
            record.location_ids[site.code]
            for record in records.values()
            if record is not None
            for site in record.sites
        }
        if not self.sku_ids or not location_ids:
            return
        locked = await lock_levels(
            conn, sku_ids=sorted(set(self.sku_ids.values())), location_ids=sorted(location_ids)
        )
        self.expired = await expire_on_levels(conn, locked, self.now, actor)
        released = {(e.sku, e.location): (e.after, e.version) for e in self.expired}
        for level in locked:
            key = (level.ref.sku, level.ref.location)
            self.refs[key] = level.ref
            self.counters[key], self.versions[key] = released.get(
                key, (level.quantities, level.version)
            )

    async def _read_channels(
        self,
        conn: AsyncConnection,
        records: dict[str, channels.ChannelRecord | None],
        sku_codes: list[str],
        covers: Mapping[str, Mapping[str, OutageCover]],
    ) -> list[str]:
        """Each channel as its holds see it; returns those with a listing that backorders."""
        backordering = []
        for code, record in records.items():
            if record is None:
                self.channels[code] = None
                continue
            listed = await listing_repository.list_for_channel(
                conn, code, sku_codes, include_removed=True
            )
            if any(r.listing.allow_backorder and not r.removed for r in listed):
                backordering.append(code)
            self.channel_ids[code] = record.id
            self.backordered[code] = {}
            self.channels[code] = ChannelView(
                record.channel,
                record.sites,
                {r.listing.sku: ListingState(r.listing, r.removed) for r in listed},
                self.backordered[code],
                covers.get(code, {}),
            )
        return backordering

    async def _read_backorders(
        self, conn: AsyncConnection, backordering: list[str]
    ) -> Mapping[str, Schedules]:
        """The backordering channels' open backorders per SKU, and per SKU and location the
        dates of what is on its way and not yet promised."""
        if not backordering:
            return {}
        channel_codes = {self.channel_ids[code]: code for code in backordering}
        sku_codes = {sku_id: code for code, sku_id in self.sku_ids.items()}
        pairs = [(channel_id, sku_id) for channel_id in channel_codes for sku_id in sku_codes]
        promised = await channel_pools.channel_backorders(conn, pairs, self.now)
        for (channel_id, sku_id), units in promised.items():
            self.backordered[channel_codes[channel_id]][sku_codes[sku_id]] = units
        waiting = [key for key, counters in self.counters.items() if counters.unpromised_incoming]
        dated = await incoming.schedules(conn, [self.refs[key].id for key in waiting])
        schedules: dict[str, dict[str, tuple[Incoming, ...]]] = defaultdict(dict)
        for sku, location in waiting:
            schedules[sku][location] = dated.get(self.refs[(sku, location)].id, ())
        return schedules

    def place(self, command: ReserveStock, actor: str) -> Reservation:
        """Decides the hold on the counters as they stand and moves them if it is made;
        raises the refusal, having changed nothing, if it is not."""
        decided = decide_hold(
            command,
            self.channels.get(command.channel),
            self.stock,
            self._ids.next(),
            self.now,
        )
        refs = self.refs
        moved = self._entries(decided.moves, actor, command.idempotency_key)
        for key, entry in moved:
            self.counters[key], self.versions[key] = entry.after, entry.version
            self.entries.append((refs[key], entry))
        reservation = decided.reservation
        promised = self.backordered[command.channel]
        lines = []
        for line in reservation.lines:
            lines.append((refs[(line.sku, line.location)], line))
            if line.backordered:
                promised[line.sku] = promised.get(line.sku, 0) + line.backordered
        self.placed.append((reservation, self.channel_ids[command.channel], lines))
        for number, bundle in decided.bundle_lines:
            self.bundle_lines.append(
                (reservation.id, number, self.sku_ids[bundle.sku], bundle.quantity)
            )
        return reservation

    def _entries(
        self, moves: Sequence[StockMove], actor: str, idempotency_key: str | None
    ) -> list[tuple[tuple[str, str], LedgerEntry]]:
        """The ledger rows of a hold's moves, in lock order, each on the counters the one
        before left; raises the refusal (a counter past its limit) before anything moves."""
        counters: dict[tuple[str, str], Quantities] = {}
        versions: dict[tuple[str, str], int] = {}
        moved = []
        for move in sorted(moves, key=lambda m: self.refs[(m.sku, m.location)].id):
            key = (move.sku, move.location)
            entry = ledger_entry(
                move,
                counters.get(key, self.counters[key]),
                versions.get(key, self.versions[key]),
                actor,
                self.now,
                idempotency_key,
            )
            counters[key], versions[key] = entry.after, entry.version
            moved.append((key, entry))
        return moved

    async def write(self, conn: AsyncConnection) -> list[LedgerEntry]:
        """Writes every hold placed; returns the batch's ledger rows with their ids, the due
        holds it let go first."""
        if not self.entries:
            return list(self.expired)
        first_version: dict[int, int] = {}
        last: dict[int, LedgerEntry] = {}
        for ref, entry in self.entries:
            first_version.setdefault(ref.id, entry.version - 1)
            last[ref.id] = entry
        await batch_writes.write_levels(
            conn,
            [LevelWrite(i, first_version[i], last[i].after, last[i].version) for i in sorted(last)],
            self.now,
        )
        ids = await batch_writes.append_entries(conn, self.entries)
        await batch_writes.insert_reservations(conn, self.placed)
        await batch_writes.insert_bundle_lines(conn, self.bundle_lines)
        written = [e.numbered(i) for (_, e), i in zip(self.entries, ids, strict=True)]
        return self.expired + written


def _named_outside(
    commands: Sequence[ReserveStock], records: dict[str, channels.ChannelRecord | None]
) -> set[str]:
    named: set[str] = set()
    for command in commands:
        record = records[command.channel]
        if record is not None:
            named |= named_outside(command.lines, record)
    return named


async def _outage_covers(
    conn: AsyncConnection,
    records: dict[str, channels.ChannelRecord | None],
    sku_ids: dict[str, int],
) -> dict[str, dict[str, OutageCover]]:
    """Per channel and SKU, what other channels' connector outages take from its pool: one
    query while an outage may cover pools, none otherwise (api/database/outage_flag.py)."""
    if not outage_flag.may_cover(conn):
        return {}
    ids = {record.id: code for code, record in records.items() if record is not None}
    codes = {sku_id: code for code, sku_id in sku_ids.items()}
    found = await connector_repository.covers(
        conn, [(channel_id, sku_id) for channel_id in ids for sku_id in codes]
    )
    by_channel: dict[str, dict[str, OutageCover]] = defaultdict(dict)
    for (channel_id, sku_id), cover in found.items():
        by_channel[ids[channel_id]][codes[sku_id]] = cover
    return by_channel


async def _bundles_among(conn: AsyncConnection, sku_ids: dict[str, int]) -> Graph:
    """The bundles among the SKUs, down to their leaves. Most batches hold none: finding that
    out is a plain query, far cheaper to build than the graph's recursive one."""
    bundles = await bundle_repository.bundles_among(conn, sku_ids.values())
    if not bundles:
        return Graph()
    return await bundle_repository.graph_below(
        conn, [code for code, sku_id in sku_ids.items() if sku_id in bundles]
    )

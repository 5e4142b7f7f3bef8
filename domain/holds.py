"""The hold rule: what a reserveStock command holds, decided on what was read for it.

A hold is all lines or nothing. The channel must exist and be active; every line must name a
known SKU and, if it names a location, one the channel sells from. Each SKU may hold no more
than the channel publishes of it (buffers, caps, pauses and backorder allowances included,
see domain/channel_holds.py). Units on hand are routed by the channel's policy; what a
listing lets the channel sell beyond them is backordered against the incoming stock due
first; a bundle line is held as its leaves, after the other lines, never backordered.

Pure, so that a hold alone and each hold of a group-committed batch are decided by the same
code, on counters the holds before it in the batch have moved (api/handlers/holds.py)."""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.backorders import Backorder, plan_backorders, split_demand
from domain.bundles import BundledRequest, Composition
from domain.channel_holds import ListingState, check_holds
from domain.channel_pools import (
    NO_COVER,
    NO_SCHEDULES,
    LevelsAt,
    OutageCover,
    Schedules,
    channel_pool,
    incoming_stock,
)
from domain.channels import Channel, ChannelStatus
from domain.errors import ChannelNotFound, ChannelPaused
from domain.order_lines import booking, check_order_lines
from domain.publishing import Published
from domain.quantities import Quantities
from domain.reservations import (
    RequestedLine,
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
    ReserveStock,
)
from domain.routing import Allocation, Availability, Site, route
from domain.stock import StockEventType, StockMove, StockReason


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A channel as its holds see it."""

    channel: Channel
    sites: list[Site]
    """The active locations it sells from, in its order."""
    listings: Mapping[str, ListingState]
    """Its listings of the SKUs asked for, removed ones included."""
    backordered: Mapping[str, int]
    """Per SKU, the units it has promised against incoming stock (its open backorders)."""
    covers: Mapping[str, OutageCover] = field(default_factory=dict)
    """Per SKU, what other channels' connector outages take from its pool (none, mostly)."""


@dataclass(frozen=True, slots=True)
class StockView:
    """The stock and catalogue holds are decided on."""

    counters: Mapping[tuple[str, str], Quantities]
    """Per (SKU, location), the counters of the stock levels a hold may touch, holds whose
    window has passed let go (a level that does not exist holds nothing)."""
    schedules: Mapping[str, Schedules]
    """Per SKU, the dated incoming stock of its levels (needed only where a listing allows
    backorders)."""
    composition: Composition
    """The bundles among the SKUs asked for, down to their leaves."""
    known_skus: Container[str]
    known_locations: Container[str]
    """At least the locations lines name outside their channel's."""


@dataclass(frozen=True, slots=True)
class Hold:
    """A decided hold: the reservation with its lines, the move each line makes on its stock
    level (in line order), and the request's bundle lines, held as their leaves."""

    reservation: Reservation
    moves: tuple[StockMove, ...]
    bundle_lines: tuple[tuple[int, RequestedLine], ...] = ()


def decide_hold(
    command: ReserveStock,
    channel: ChannelView | None,
    stock: StockView,
    reservation_id: str,
    now: datetime,
) -> Hold:
    """Decides the hold, or raises the refusal naming every problem of its kind."""
    view = _open_channel(command, channel)
    check_order_lines(command.lines, view.channel, stock.known_skus, stock.known_locations, "lines")
    bundled = BundledRequest.of(command.lines, stock.composition)
    levels = _levels_at_sites(bundled, view.sites, stock.counters)
    pools = {
        sku: channel_pool(
            found,
            view.backordered.get(sku, 0),
            stock.schedules.get(sku, NO_SCHEDULES),
            view.covers.get(sku, NO_COVER),
        )
        for sku, found in levels.items()
    }
    published = check_holds(
        command.channel,
        command.lines,
        bundled.with_bundle_pools(pools),
        view.listings,
        view.channel.safety,
        now,
    )
    allocations, backorders = _place(command, view, bundled, published, levels, stock)
    lines = _hold_lines(allocations, backorders)
    reservation = Reservation(
        id=reservation_id,
        channel=command.channel,
        order_ref=command.order_ref,
        kind=ReservationKind.HOLD,
        status=ReservationStatus.HELD,
        expires_at=now + timedelta(seconds=command.hold_seconds),
        created_at=now,
        lines=lines,
    )
    moves = [
        booking(line, StockEventType.RESERVED, StockReason.ORDER, command.order_ref)
        for line in lines
    ]
    return Hold(reservation, tuple(moves), bundled.bundle_lines())


def _open_channel(command: ReserveStock, channel: ChannelView | None) -> ChannelView:
    if channel is None:
        raise ChannelNotFound(command.channel)
    if channel.channel.status is ChannelStatus.PAUSED:
        raise ChannelPaused(command.channel)
    return channel


def _levels_at_sites(
    bundled: BundledRequest,
    sites: Sequence[Site],
    counters: Mapping[tuple[str, str], Quantities],
) -> dict[str, LevelsAt]:
    """Per SKU the request may hold (its lines' and its bundles' leaves), its levels at the
    channel's locations, in the channel's order."""
    skus = {line.sku for line in bundled.lines}
    if bundled.has_bundles:
        skus |= bundled.stocked_skus()
    return {
        sku: [
            (site.code, found)
            for site in sites
            if (found := counters.get((sku, site.code))) is not None
        ]
        for sku in skus
    }


def _place(
    command: ReserveStock,
    view: ChannelView,
    bundled: BundledRequest,
    published: Mapping[str, Published],
    levels: dict[str, LevelsAt],
    stock: StockView,
) -> tuple[list[Allocation], list[Backorder]]:
    """Routes the plain lines' units on hand, backorders what is sold beyond them, then
    places the bundle lines' leaves on what is left."""
    channel, sites = view.channel, view.sites
    available: Availability = {
        (sku, location): counters.available
        for sku, found in levels.items()
        for location, counters in found
    }
    plain = bundled.plain_lines()
    on_hand: tuple[RequestedLine, ...] = plain
    beyond: dict[int, int] = {}
    if any(p.backorderable for p in published.values()):
        # Otherwise nothing is sold beyond stock on hand: check_holds saw to that.
        on_hand, beyond = split_demand(plain, published)
    allocations, short = route(
        on_hand,
        sites,
        available,
        channel.routing,
        channel.split,
        command.destination,
        allow_partial=bool(beyond),
    )
    backorders: list[Backorder] = []
    if beyond:
        for number, units in short.items():
            beyond[number] = beyond.get(number, 0) + units
        incoming = {
            sku: incoming_stock(found, stock.schedules.get(sku, NO_SCHEDULES))
            for sku, found in levels.items()
        }
        backorders = plan_backorders(command.channel, plain, beyond, published, incoming)
    allocations += bundled.route_bundles(
        sites, available, channel.routing, channel.split, command.destination, plain=allocations
    )
    return allocations, backorders


def _hold_lines(
    allocations: list[Allocation], backorders: list[Backorder]
) -> tuple[ReservationLine, ...]:
    """One line per request line, SKU and location (a bundle line has one per leaf): units
    held from stock and units backordered, in request line order."""
    held = [
        ReservationLine(a.line_number, a.sku, a.location, a.quantity, reserved=a.quantity)
        for a in allocations
    ]
    if not backorders:
        return tuple(sorted(held, key=_line_number))
    lines = {(line.line_number, line.sku, line.location): line for line in held}
    for b in backorders:
        found = lines.get((b.line_number, b.sku, b.location))
        reserved = found.reserved if found is not None else 0
        lines[(b.line_number, b.sku, b.location)] = ReservationLine(
            b.line_number,
            b.sku,
            b.location,
            reserved + b.quantity,
            reserved=reserved,
            backordered=b.quantity,
            promised_at=b.promised_at,
        )
    return tuple(sorted(lines.values(), key=_line_number))


def _line_number(line: ReservationLine) -> int:
    return line.line_number

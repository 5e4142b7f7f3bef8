"""reserveStock: hold units for a channel's order, all lines or nothing, routed by the
channel's policy, with backorders against incoming stock where listings allow them, and
bundles held as their components."""

from __future__ import annotations

from datetime import timedelta

from api.database import channel_pools, incoming, listing_repository
from api.database import channel_repository as channels
from api.database import reservation_repository as repository
from api.database.movements import LockedLevel
from api.handlers.order_lines import availability, book_lines, check_lines, lock_channel_levels
from api.handlers.reservations import reservation_as_written
from api.service_layer.unit_of_work import UnitOfWork
from api.services.bundles import record_bundle_lines, take_apart
from api.services.reservation_records import new_reservation_id
from domain.backorders import Backorder, IncomingStock, plan_backorders, split_demand
from domain.channel_holds import ListingState, check_holds
from domain.channels import ChannelStatus
from domain.errors import ChannelPaused
from domain.publishing import ChannelPool
from domain.reservations import (
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
    ReserveStock,
)
from domain.routing import Allocation, route
from domain.stock import StockEventType, StockReason


async def hold(uow: UnitOfWork, command: ReserveStock) -> Reservation:
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    if record.channel.status is ChannelStatus.PAUSED:
        raise ChannelPaused(command.channel)
    sku_ids = await check_lines(uow, command.lines, record, "lines")
    bundled, bundle_ids = await take_apart(conn, command.lines)
    locked = await lock_channel_levels(uow, record, sorted({*sku_ids, *bundle_ids.values()}))
    listed = await listing_repository.list_for_channel(
        conn, command.channel, sorted({line.sku for line in command.lines}), include_removed=True
    )
    open_backorders = (
        await channel_pools.channel_backorders(
            conn, [(record.id, level.ref.sku_id) for level in locked], now
        )
        if any(r.listing.allow_backorder for r in listed)
        else {}
    )
    backordered = {
        level.ref.sku: open_backorders.get((record.id, level.ref.sku_id), 0) for level in locked
    }
    published = check_holds(
        command.channel,
        command.lines,
        bundled.with_bundle_pools(_pools(locked, backordered)),
        {r.listing.sku: ListingState(r.listing, r.removed) for r in listed},
        record.channel.safety,
        now,
    )
    # Bundle lines are held as their components, after the plain lines (never backordered).
    plain = bundled.plain_lines()
    on_hand, beyond = split_demand(plain, published)
    allocations, short = route(
        on_hand if beyond else plain,
        record.sites,
        availability(locked),
        record.channel.routing,
        record.channel.split,
        command.destination,
        allow_partial=bool(beyond),
    )
    backorders: list[Backorder] = []
    if beyond:
        for number, units in short.items():
            beyond[number] = beyond.get(number, 0) + units
        incoming_stock = await _incoming(uow, locked, record)
        backorders = plan_backorders(command.channel, plain, beyond, published, incoming_stock)
    allocations += bundled.route_bundles(
        record.sites,
        availability(locked),
        record.channel.routing,
        record.channel.split,
        command.destination,
        plain=allocations,
    )
    lines = await book_lines(
        uow,
        _hold_lines(allocations, backorders),
        locked,
        StockEventType.RESERVED,
        StockReason.ORDER,
        command.order_ref,
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
    return await reservation_as_written(uow, reservation.id)


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


async def _incoming(
    uow: UnitOfWork, locked: list[LockedLevel], record: channels.ChannelRecord
) -> dict[str, list[IncomingStock]]:
    """Per SKU, what is on its way to each of the channel's locations, in the channel's order."""
    waiting = [level for level in locked if level.quantities.unpromised_incoming > 0]
    dated = await incoming.schedules(uow.conn, [level.ref.id for level in waiting])
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

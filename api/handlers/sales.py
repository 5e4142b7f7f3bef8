"""recordChannelSale: a sale that already happened on a channel, with no prior hold. It is
booked as committed wherever the channel's routing finds units; what no location has is
recorded as oversold on the order's line (never on the counters) and raises an OVERSELL
alert."""

from __future__ import annotations

from dataclasses import replace

from api.database import (
    alert_repository,
    catalogue_repository,
    listing_repository,
    stock_repository,
)
from api.database import channel_repository as channels
from api.database import reservation_repository as repository
from api.database.movements import LevelRef
from api.handlers.order_lines import availability, book_lines, check_lines, lock_channel_levels
from api.handlers.reservations import reservation_as_written
from api.service_layer.unit_of_work import UnitOfWork
from api.services.bundles import record_bundle_lines, take_apart
from api.services.reservation_records import new_reservation_id
from domain import alerts
from domain.channels import SplitPolicy
from domain.errors import LocationNotInChannel, UnmappedSku
from domain.reservations import (
    RecordChannelSale,
    RequestedLine,
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
)
from domain.routing import route
from domain.stock import StockEventType, StockReason


async def record_sale(uow: UnitOfWork, command: RecordChannelSale) -> Reservation:
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    line = RequestedLine(await _sku_sold(uow, record, command), command.quantity, command.location)
    sku_ids = await check_lines(uow, (line,), record, None)
    bundled, bundle_ids = await take_apart(conn, (line,), None)
    locked = await lock_channel_levels(uow, record, sorted({*sku_ids, *bundle_ids.values()}))
    wanted = bundled.components_of(line)
    allocations, shortfall = route(
        wanted,
        record.sites,
        availability(locked),
        record.channel.routing,
        SplitPolicy.ALLOWED,
        allow_partial=True,
    )
    lines = await book_lines(
        uow,
        [
            ReservationLine(0, a.sku, a.location, a.quantity, committed=a.quantity)
            for a in allocations
        ],
        locked,
        StockEventType.SOLD,
        StockReason.CHANNEL_SALE,
        command.order_ref,
    )
    short = {wanted[number].sku: units for number, units in shortfall.items() if units}
    for part, units in short.items():
        # The shortfall of each SKU sold (a bundle's: of each component) is on its last line.
        at = [index for index, (_, placed) in enumerate(lines) if placed.sku == part]
        if at:
            level, last = lines[at[-1]]
            lines[at[-1]] = (level, replace(last, oversold=units))
        else:
            level = await _level_for_oversold(uow, record, part, command)
            lines.append((level, ReservationLine(0, level.sku, level.location, 0, oversold=units)))
    oversold = bundled.line_short(line, short)
    if oversold:
        raised = alerts.oversell(
            command.channel, line.sku, command.order_ref, command.quantity, oversold
        )
        uow.raised(await alert_repository.raise_alert(conn, raised, now))
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
    return await reservation_as_written(uow, reservation.id)


async def _sku_sold(
    uow: UnitOfWork, record: channels.ChannelRecord, command: RecordChannelSale
) -> str:
    if command.sku is not None:
        return command.sku
    external_sku = command.external_sku or ""
    found = await listing_repository.find_by_external_sku(uow.conn, record.id, external_sku)
    if found is None:
        raise UnmappedSku(command.channel, external_sku)
    return found.listing.sku


async def _level_for_oversold(
    uow: UnitOfWork, record: channels.ChannelRecord, sku: str, command: RecordChannelSale
) -> LevelRef:
    """Where an order line with nothing in stock is booked: its location, or the channel's
    first; the shortfall is on the line, never on the counters."""
    location = command.location or (record.sites[0].code if record.sites else None)
    if location is None:
        raise LocationNotInChannel("(none)", command.channel, ("channel",))
    sku_id = await catalogue_repository.sku_id(uow.conn, sku)
    location_id = record.location_ids[location]
    level_id = await stock_repository.ensure_level(uow.conn, sku_id, location_id, uow.now)
    return LevelRef(level_id, sku_id, location_id, sku, location)

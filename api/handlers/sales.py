"""recordChannelSale: a sale that already happened on a channel, with no prior hold. It is
booked as committed wherever the channel's routing finds units; what no location has is
recorded as oversold on the order's line (never on the counters) and raises an OVERSELL
alert."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from api.database import (
    alert_repository,
    catalogue_repository,
    connector_repository,
    listing_repository,
    outage_flag,
    stock_repository,
)
from api.database import channel_repository as channels
from api.database import reservation_repository as repository
from api.database.channel_order_repository import claim_order
from api.database.movements import LevelRef, LockedLevel, Movement
from api.handlers.order_lines import availability, book_lines, check_lines, lock_channel_levels
from api.handlers.reservations import reservation_as_written
from api.service_layer.unit_of_work import UnitOfWork
from api.services.bundles import record_bundle_lines, take_apart
from api.services.preemption import preempt_holds
from api.services.reservation_records import new_reservation_id
from domain import alerts
from domain.bundles import BundledRequest
from domain.channel_pools import OutageCover, covered_availability
from domain.channels import SplitPolicy
from domain.errors import DuplicateOrder, LocationNotInChannel, UnmappedSku
from domain.reservations import (
    LineChange,
    RecordChannelSale,
    RequestedLine,
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
)
from domain.routing import Allocation, route
from domain.stock import StockEventType, StockReason


async def record_sale(uow: UnitOfWork, command: RecordChannelSale) -> Reservation:
    """Books every line of the order, or nothing: one SALE reservation. The channel's order
    is recorded once: sent again, it answers the first sale (DUPLICATE_ORDER if the lines
    differ)."""
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    sale = Reservation(
        id=new_reservation_id(now),
        channel=command.channel,
        order_ref=command.order_ref,
        kind=ReservationKind.SALE,
        status=ReservationStatus.FULFILLED if command.fulfilled else ReservationStatus.COMMITTED,
        expires_at=now,
        created_at=now,
    )
    digest = command.lines_digest()
    recorded = await claim_order(conn, sale, record.id, digest)
    if recorded is not None:
        if recorded.lines_digest != digest:
            raise DuplicateOrder(command.channel, command.order_ref)
        return await reservation_as_written(uow, recorded.reservation_id)
    requested = await _lines_sold(uow, record, command)
    prefix = "lines" if command.lines else None
    sku_ids = await check_lines(uow, requested, record, prefix)
    bundled, bundle_ids = await take_apart(conn, requested, prefix)
    locked = await lock_channel_levels(uow, record, sorted({*sku_ids, *bundle_ids.values()}))
    wanted = tuple(part for line in requested for part in bundled.components_of(line))
    covers = await _outage_covers(uow, record, locked)
    allocations, shortfall = _route(record, wanted, locked, covers)
    if shortfall and record.channel.sales_preempt_holds:
        locked = await preempt_holds(uow, record, locked, _by_sku(wanted, shortfall))
        allocations, shortfall = _route(record, wanted, locked, covers)
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
    if command.fulfilled:
        lines = await _ship(uow, lines, command.order_ref)
    short = _by_sku(wanted, shortfall)
    if outage_flag.may_cover(conn):
        # Its outage sales use up what its last outage holds back from the other channels.
        sold = _by_sku(wanted, {number: line.quantity for number, line in enumerate(wanted)})
        await connector_repository.consume_exposure(conn, record.id, sold)
    await _book_oversold(uow, record, lines, wanted, short)
    await _alert_oversold(uow, command, requested, bundled, short)
    await repository.insert_lines(conn, sale.id, lines)
    await record_bundle_lines(conn, sale.id, bundled, bundle_ids)
    return await reservation_as_written(uow, sale.id)


async def _outage_covers(
    uow: UnitOfWork, record: channels.ChannelRecord, locked: list[LockedLevel]
) -> dict[str, OutageCover]:
    """What other channels' connector outages hold back from this channel's pools: a sale
    beyond what is left is recorded as oversold (settled when the hold lifts)."""
    if not outage_flag.may_cover(uow.conn):
        return {}
    codes = {level.ref.sku_id: level.ref.sku for level in locked}
    return await connector_repository.channel_covers(uow.conn, record.id, codes)


def _route(
    record: channels.ChannelRecord,
    wanted: tuple[RequestedLine, ...],
    locked: list[LockedLevel],
    covers: dict[str, OutageCover],
) -> tuple[list[Allocation], dict[int, int]]:
    available = availability(locked)
    if covers:
        available = covered_availability(available, [s.code for s in record.sites], covers)
    return route(
        wanted,
        record.sites,
        available,
        record.channel.routing,
        SplitPolicy.ALLOWED,
        allow_partial=True,
    )


def _by_sku(wanted: tuple[RequestedLine, ...], shortfall: dict[int, int]) -> dict[str, int]:
    """Units short per SKU (a bundle's: per component)."""
    short: dict[str, int] = defaultdict(int)
    for number, units in shortfall.items():
        short[wanted[number].sku] += units
    return short


async def _ship(
    uow: UnitOfWork, lines: list[tuple[LevelRef, ReservationLine]], order_ref: str
) -> list[tuple[LevelRef, ReservationLine]]:
    """A till sale left with the customer: its committed units ship in the same transaction
    (committed and on hand down, a FULFILLED ledger row per line)."""
    shipped = [
        (level, line, LineChange(committed=-line.committed, fulfilled=line.committed))
        for level, line in lines
    ]
    await uow.move(
        Movement(
            level,
            change.stock_movement(),
            StockEventType.FULFILLED,
            StockReason.CHANNEL_SALE,
            order_ref,
        )
        for level, _, change in shipped
        if not change.is_zero()
    )
    return [(level, change.applied_to(line)) for level, line, change in shipped]


async def _lines_sold(
    uow: UnitOfWork, record: channels.ChannelRecord, command: RecordChannelSale
) -> tuple[RequestedLine, ...]:
    """The order's lines in our SKUs: a channel's external SKU is mapped by its listing."""
    found = []
    for index, line in enumerate(command.sale_lines()):
        sku = line.sku
        if sku is None:
            external_sku = line.external_sku or ""
            listed = await listing_repository.find_by_external_sku(
                uow.conn, record.id, external_sku
            )
            if listed is None:
                field = tuple(command.line_field(index, "externalSku").split("."))
                raise UnmappedSku(command.channel, external_sku, field)
            sku = listed.listing.sku
        found.append(RequestedLine(sku, line.quantity, line.location))
    return tuple(found)


async def _book_oversold(
    uow: UnitOfWork,
    record: channels.ChannelRecord,
    lines: list[tuple[LevelRef, ReservationLine]],
    wanted: tuple[RequestedLine, ...],
    short: dict[str, int],
) -> None:
    """The shortfall of each SKU sold (a bundle's: of each component) is on its last line, or
    on a line of its own with nothing booked."""
    for part, units in short.items():
        if not units:
            continue
        at = [index for index, (_, placed) in enumerate(lines) if placed.sku == part]
        if at:
            level, last = lines[at[-1]]
            lines[at[-1]] = (level, replace(last, oversold=units))
        else:
            location = next(x.location for x in wanted if x.sku == part)
            level = await _level_for_oversold(uow, record, part, location)
            lines.append((level, ReservationLine(0, level.sku, level.location, 0, oversold=units)))


async def _alert_oversold(
    uow: UnitOfWork,
    command: RecordChannelSale,
    requested: tuple[RequestedLine, ...],
    bundled: BundledRequest,
    short: dict[str, int],
) -> None:
    """One OVERSELL alert per SKU sold short (a bundle: whole bundles short)."""
    sold: dict[str, int] = defaultdict(int)
    for line in requested:
        sold[line.sku] += line.quantity
    for sku, quantity in sold.items():
        oversold = bundled.line_short(RequestedLine(sku, quantity), short)
        if oversold:
            raised = alerts.oversell(command.channel, sku, command.order_ref, quantity, oversold)
            uow.raised(await alert_repository.raise_alert(uow.conn, raised, uow.now))


async def _level_for_oversold(
    uow: UnitOfWork, record: channels.ChannelRecord, sku: str, location: str | None
) -> LevelRef:
    """Where an order line with nothing in stock is booked: its location, or the channel's
    first; the shortfall is on the line, never on the counters."""
    location = location or (record.sites[0].code if record.sites else None)
    if location is None:
        raise LocationNotInChannel("(none)", record.channel.code, ("channel",))
    sku_id = await catalogue_repository.sku_id(uow.conn, sku)
    location_id = record.location_ids[location]
    level_id = await stock_repository.ensure_level(uow.conn, sku_id, location_id, uow.now)
    return LevelRef(level_id, sku_id, location_id, sku, location)

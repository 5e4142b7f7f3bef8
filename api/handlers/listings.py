"""upsertListing, removeListing, importListings: which SKUs a channel offers under which
external SKU, and what it may show of them; reportChannelQuantity: what a connector says
the marketplace shows instead."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository, bundle_repository, catalogue_repository
from api.database import channel_repository as channels
from api.database import listing_repository as repository
from api.service_layer.unit_of_work import UnitOfWork
from api.services.bundles import refuse_bundles
from api.services.listings import published_listing
from api.services.publishing import as_of, republish
from domain import alerts
from domain.alerts import Alert
from domain.errors import (
    ExternalSkuTaken,
    SkuIsBundle,
    SkuNotFound,
    StockpoolError,
    UnmappedSku,
    refusal,
)
from domain.listing_csv import read_listing_rows
from domain.listings import (
    DriftReport,
    ImportListings,
    RemoveListing,
    ReportChannelQuantity,
    UpsertListing,
)
from domain.publishing import PublishedListing


async def upsert_listing(uow: UnitOfWork, command: UpsertListing) -> PublishedListing:
    conn = uow.conn
    channel = await channels.get_channel(conn, command.channel)
    sku_id = await catalogue_repository.sku_id(conn, command.sku)
    if command.allow_backorder:
        await refuse_bundles(conn, [(sku_id, command.sku)], "be backordered", "allowBackorder")
    listing_id = await repository.upsert(conn, channel.id, sku_id, command.as_listing(), uow.now)
    [listing] = await _republish(uow, [listing_id])
    return listing


async def remove_listing(uow: UnitOfWork, command: RemoveListing) -> PublishedListing:
    await channels.get_channel(uow.conn, command.channel)
    record = await repository.get(uow.conn, command.channel, command.sku)
    await repository.mark_removed(uow.conn, record.id, uow.now)
    [listing] = await _republish(uow, [record.id])
    return listing


async def import_listings(uow: UnitOfWork, command: ImportListings) -> list[PublishedListing]:
    """All rows or none: every problem of the file is reported with its line number."""
    conn = uow.conn
    rows, problems = read_listing_rows(command.channel, command.text)
    record = await channels.get_channel(conn, command.channel)
    sku_ids = await catalogue_repository.sku_ids_by_code(conn, {c.sku for _, c in rows})
    unreadable_skus = {p.field[1] for p in problems if p.field[2:3] == ("sku",)}
    readable = [(line, c) for line, c in rows if str(line) not in unreadable_skus]
    problems += await _row_problems(conn, record.id, readable, sku_ids)
    if problems:
        problems.sort(key=_line_of)
        raise refusal(problems)
    # Free the file's external SKUs first, so a file may swap them between SKUs.
    await repository.free_external_skus(conn, record.id, list(sku_ids.values()))
    # Campaign windows are not part of the file: a listing keeps the ones it has.
    ids = [
        await repository.upsert(
            conn, record.id, sku_ids[c.sku], c.as_listing(), uow.now, keep_campaigns=True
        )
        for _, c in rows
    ]
    return await _republish(uow, ids)


async def report_channel_quantity(uow: UnitOfWork, command: ReportChannelQuantity) -> DriftReport:
    """A connector tells what the marketplace shows; a difference from what stockpool
    publishes is a DRIFT alert, and a match again resolves it."""
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    listing = await repository.find_by_external_sku(conn, record.id, command.external_sku)
    if listing is None:
        raise UnmappedSku(command.channel, command.external_sku)
    # Against what the channel publishes now: a hold past its window, swept or not, is out.
    rules = {record.id: (record.channel.is_active, record.channel.safety)}
    [listing] = await as_of(conn, [listing], now, rules)
    sku, published = listing.listing.sku, listing.availability.published
    drift = command.quantity != published
    alert: Alert | None
    if drift:
        raised = alerts.drift(
            command.channel, sku, command.external_sku, command.quantity, published
        )
        alert = await alert_repository.raise_alert(conn, raised, now)
    else:
        alert = await alert_repository.resolve_cause(
            conn, alerts.drift_cause(command.channel, sku), now
        )
    await repository.record_report(conn, listing.id, command.quantity, now)
    if alert is not None:
        uow.raised(alert)
    return DriftReport(listing.availability, command.quantity, drift, alert)


async def _republish(uow: UnitOfWork, listing_ids: list[int]) -> list[PublishedListing]:
    """Republishes the listings and answers them as they are now."""
    uow.republished(await republish(uow.conn, uow.now, listing_ids=listing_ids))
    return [published_listing(record) for record in await repository.by_ids(uow.conn, listing_ids)]


async def _row_problems(
    conn: AsyncConnection,
    channel_id: int,
    rows: list[tuple[int, UpsertListing]],
    known: dict[str, int],
) -> list[StockpoolError]:
    """Unknown SKUs, external SKUs held by listings the file does not touch, and bundles
    to be backordered."""
    problems: list[StockpoolError] = []
    in_file = {c.sku for _, c in rows}
    taken = await repository.live_external_skus(conn, channel_id)
    bundles = await bundle_repository.bundles_among(
        conn, [known[c.sku] for _, c in rows if c.allow_backorder and c.sku in known]
    )
    for line, command in rows:
        if command.sku not in known:
            problems.append(SkuNotFound(command.sku, ("csv", str(line), "sku")))
        elif command.allow_backorder and known[command.sku] in bundles:
            problems.append(
                SkuIsBundle(command.sku, "be backordered", ("csv", str(line), "allow_backorder"))
            )
        holder = taken.get(command.external_sku)
        if holder is not None and holder not in in_file:
            problems.append(
                ExternalSkuTaken(
                    command.channel,
                    command.external_sku,
                    holder,
                    ("csv", str(line), "external_sku"),
                )
            )
    return problems


def _line_of(problem: StockpoolError) -> int:
    """File-level problems first, then by line."""
    where = problem.field[1:2]
    return int(where[0]) if where and where[0].isdigit() else 0

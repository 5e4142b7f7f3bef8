"""Listings: which SKUs a channel offers under which external SKU, and what it may show."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import alert_repository, bundle_repository, catalogue_repository
from api.database import channel_repository as channels
from api.database import listing_repository as repository
from api.database.engine import Database
from api.messages import availability_messages
from api.services.alerts import AlertService
from api.services.bundles import refuse_bundles
from api.services.publishing import republish
from domain import alerts
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import (
    ExternalSkuTaken,
    SkuIsBundle,
    SkuNotFound,
    StockpoolError,
    UnmappedSku,
    refusal,
)
from domain.listing_csv import format_listings, read_listing_rows
from domain.listings import RemoveListing, ReportChannelQuantity, UpsertListing
from domain.publishing import ChannelAvailability, PublishedListing


@dataclass(frozen=True, slots=True)
class DriftReport:
    availability: ChannelAvailability
    reported: int
    drift: bool
    alert: Alert | None


class ListingService:
    def __init__(
        self, database: Database, bus: EventBus, alerts: AlertService, clock: Clock = utc_now
    ) -> None:
        self._database = database
        self._bus = bus
        self._alerts = alerts
        self._clock = clock
        self.campaigns_changed = asyncio.Event()
        """Set when a listing's campaign windows may have changed: wakes the campaign clock."""

    async def upsert(self, command: UpsertListing, principal: Principal) -> PublishedListing:
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            channel = await channels.get_channel(conn, command.channel)
            sku_id = await catalogue_repository.sku_id(conn, command.sku)
            if command.allow_backorder:
                await refuse_bundles(
                    conn, [(sku_id, command.sku)], "be backordered", "allowBackorder"
                )
            listing_id = await repository.upsert(
                conn, channel.id, sku_id, command.as_listing(), now
            )
            changed = await republish(conn, now, listing_ids=[listing_id])
            [record] = await repository.by_ids(conn, [listing_id])
        await self._bus.publish_committed(availability_messages(changed))
        if command.campaigns:
            self.campaigns_changed.set()
        return _published(record)

    async def remove(self, command: RemoveListing, principal: Principal) -> PublishedListing:
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            await channels.get_channel(conn, command.channel)
            record = await repository.get(conn, command.channel, command.sku)
            await repository.mark_removed(conn, record.id, now)
            changed = await republish(conn, now, listing_ids=[record.id])
            [record] = await repository.by_ids(conn, [record.id])
        await self._bus.publish_committed(availability_messages(changed))
        return _published(record)

    async def import_csv(
        self, channel: str, text: str, principal: Principal
    ) -> list[PublishedListing]:
        """All rows or none: every problem of the file is reported with its line number."""
        principal.require_admin()
        rows, problems = read_listing_rows(channel, text)
        now = self._clock()
        async with self._database.transaction() as conn:
            record = await channels.get_channel(conn, channel)
            sku_ids = await catalogue_repository.sku_ids_by_code(conn, {c.sku for _, c in rows})
            unreadable_skus = {p.field[1] for p in problems if p.field[2:3] == ("sku",)}
            readable = [(line, c) for line, c in rows if str(line) not in unreadable_skus]
            problems += await self._row_problems(conn, record.id, readable, sku_ids)
            if problems:
                problems.sort(key=_line_of)
                raise refusal(problems)
            # Free the file's external SKUs first, so a file may swap them between SKUs.
            await repository.free_external_skus(conn, record.id, list(sku_ids.values()))
            # Campaign windows are not part of the file: a listing keeps the ones it has.
            ids = [
                await repository.upsert(
                    conn, record.id, sku_ids[c.sku], c.as_listing(), now, keep_campaigns=True
                )
                for _, c in rows
            ]
            changed = await republish(conn, now, listing_ids=ids)
            stored = await repository.by_ids(conn, ids)
        await self._bus.publish_committed(availability_messages(changed))
        return [_published(record) for record in stored]

    async def export_csv(self, channel: str, principal: Principal) -> str:
        principal.require_channel(channel)
        return format_listings(record.listing for record in await self._listed(channel))

    async def report_quantity(
        self, command: ReportChannelQuantity, principal: Principal
    ) -> DriftReport:
        """A connector tells what the marketplace shows; a difference from what stockpool
        publishes is a DRIFT alert, and a match again resolves it."""
        principal.require_channel(command.channel)
        command.validate()
        now = self._clock()
        try:
            async with self._database.transaction() as conn:
                record = await channels.get_channel(conn, command.channel)
                listing = await repository.find_by_external_sku(
                    conn, record.id, command.external_sku
                )
                if listing is None:
                    raise UnmappedSku(command.channel, command.external_sku)
                published = listing.availability.published
                drift = command.quantity != published
                if drift:
                    raised = alerts.drift(
                        command.channel,
                        listing.listing.sku,
                        command.external_sku,
                        command.quantity,
                        published,
                    )
                    alert: Alert | None = await alert_repository.raise_alert(conn, raised, now)
                else:
                    alert = await alert_repository.resolve_cause(
                        conn, alerts.drift_cause(command.channel, listing.listing.sku), now
                    )
                await repository.record_report(conn, listing.id, command.quantity, now)
        except UnmappedSku:
            await self._alerts.raise_alert(alerts.unmapped(command.channel, command.external_sku))
            raise
        if alert is not None:
            await self._alerts.publish(alert)
        return DriftReport(listing.availability, command.quantity, drift, alert)

    async def republish_due_campaigns(self, since: datetime) -> datetime:
        """Recomputes the listings a campaign of which started or ended since `since`: their
        numbers change at that moment with nobody mutating anything. Returns the moment it
        looked up to, the `since` of the next call."""
        now = self._clock()
        async with self._database.transaction() as conn:
            ids = await repository.with_campaign_boundary_between(conn, since, now)
            changed = await republish(conn, now, listing_ids=ids) if ids else []
        await self._bus.publish_committed(availability_messages(changed))
        return now

    async def next_campaign_boundary(self, after: datetime) -> datetime | None:
        async with self._database.read() as conn:
            return await repository.next_campaign_boundary(conn, after)

    # ---- reading --------------------------------------------------------------------------

    async def get(self, channel: str, sku: str, principal: Principal) -> PublishedListing | None:
        principal.require_channel(channel)
        async with self._database.read() as conn:
            record = await repository.find(conn, channel, sku)
        return None if record is None or record.removed else _published(record)

    async def listed(
        self, channel: str, principal: Principal, sku_codes: list[str] | None = None
    ) -> list[PublishedListing]:
        principal.require_channel(channel)
        return [_published(record) for record in await self._listed(channel, sku_codes)]

    async def availability(
        self, channel: str, sku_codes: list[str], principal: Principal
    ) -> list[ChannelAvailability]:
        """What the channel shows of each listed SKU, in the order asked (unlisted SKUs are
        not published and left out)."""
        principal.require_view(channel)
        records = {r.listing.sku: r for r in await self._listed(channel, sku_codes)}
        return [records[code].availability for code in dict.fromkeys(sku_codes) if code in records]

    # ---- the machinery --------------------------------------------------------------------

    async def _listed(
        self, channel: str, sku_codes: list[str] | None = None
    ) -> list[repository.ListingRecord]:
        """The channel's live listings; an unknown channel is refused."""
        async with self._database.read() as conn:
            await channels.get_channel(conn, channel)
            return await repository.list_for_channel(conn, channel, sku_codes)

    async def _row_problems(
        self,
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
                    SkuIsBundle(
                        command.sku, "be backordered", ("csv", str(line), "allow_backorder")
                    )
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


def _published(record: repository.ListingRecord) -> PublishedListing:
    return PublishedListing(
        record.listing, record.availability, record.reported_quantity, record.reported_at
    )


def _line_of(problem: StockpoolError) -> int:
    """File-level problems first, then by line."""
    where = problem.field[1:2]
    return int(where[0]) if where and where[0].isdigit() else 0

"""Listings: which SKUs a channel offers under which external SKU, and what it may show;
the campaign clock's side. The commands that change them are in api/handlers/listings.py."""

from __future__ import annotations

import asyncio
from datetime import datetime

from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database import channel_repository as channels
from api.database import listing_repository as repository
from api.database.change_journal import journal_of
from api.database.engine import Database
from api.messages import availability_messages
from api.services.publishing import as_of, republish
from domain.access import Principal
from domain.listing_csv import format_listings
from domain.listings import UpsertListing
from domain.publishing import ChannelAvailability, PublishedListing


class ListingService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock
        self.campaigns_changed = asyncio.Event()
        """Set when a listing's campaign windows may have changed: wakes the campaign clock."""

    def upserted(self, command: UpsertListing, _: PublishedListing) -> None:
        """The `on_commit` of upsertListing: new campaign windows wake the campaign clock (not
        before commit, or it could look before they are there and sleep past them)."""
        if command.campaigns:
            self.campaigns_changed.set()

    async def export_csv(self, channel: str, principal: Principal) -> str:
        principal.require_channel(channel)
        return format_listings(
            record.listing for record in await self._listed(channel, figures=False)
        )

    async def republish_due_campaigns(self, since: datetime) -> datetime:
        """Recomputes the listings a campaign of which started or ended since `since`: their
        numbers change at that moment with nobody mutating anything. Returns the moment it
        looked up to, the `since` of the next call."""
        now = self._clock()
        async with self._database.transaction() as conn:
            journal = journal_of(conn)
            ids = await repository.with_campaign_boundary_between(conn, since, now)
            changed = await republish(conn, now, listing_ids=ids) if ids else []
        await self._bus.publish_committed(availability_messages(journal.with_cursors(changed)))
        return now

    async def next_campaign_boundary(self, after: datetime) -> datetime | None:
        async with self._database.read() as conn:
            return await repository.next_campaign_boundary(conn, after)

    # ---- reading --------------------------------------------------------------------------

    async def get(self, channel: str, sku: str, principal: Principal) -> PublishedListing | None:
        principal.require_channel(channel)
        async with self._database.read() as conn:
            record = await repository.find(conn, channel, sku)
            if record is None or record.removed:
                return None
            [record] = await as_of(conn, [record], self._clock())
        return published_listing(record)

    async def listed(
        self, channel: str, principal: Principal, sku_codes: list[str] | None = None
    ) -> list[PublishedListing]:
        principal.require_channel(channel)
        return [published_listing(record) for record in await self._listed(channel, sku_codes)]

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
        self, channel: str, sku_codes: list[str] | None = None, figures: bool = True
    ) -> list[repository.ListingRecord]:
        """The channel's live listings, with what they publish as of now unless only their
        rules are wanted (`figures=False`); an unknown channel is refused."""
        async with self._database.read() as conn:
            found = await channels.get_channel(conn, channel)
            records = await repository.list_for_channel(conn, channel, sku_codes)
            if not figures:
                return records
            rules = {found.id: (found.channel.is_active, found.channel.safety)}
            return await as_of(conn, records, self._clock(), rules)


def published_listing(record: repository.ListingRecord) -> PublishedListing:
    return PublishedListing(
        record.listing, record.availability, record.reported_quantity, record.reported_at
    )

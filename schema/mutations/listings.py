"""upsertListing, removeListing, importListings, reportChannelQuantity."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain import listings
from domain.publishing import PublishedListing
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.alerts import Alert
from schema.types.listings import ChannelAvailability, Listing, ListingStatus


@strawberry.input(description="While it runs, the buffer is at least this percent of the pool.")
class CampaignInput:
    starts_at: datetime
    ends_at: datetime
    safety_percent: float


@strawberry.input(description="Creates the listing or replaces all its settings.")
class UpsertListingInput:
    channel: str
    sku: str
    external_sku: str = strawberry.field(description="The channel's own SKU; unique per channel.")
    status: ListingStatus = listings.ListingStatus.ACTIVE  # type: ignore[valid-type]
    safety_units: int | None = strawberry.field(
        default=None, description="Leave out to use the channel's default."
    )
    safety_percent: float | None = strawberry.field(
        default=None, description="Leave out to use the channel's default."
    )
    cap: int | None = strawberry.field(default=None, description="Show at most this many.")
    allow_backorder: bool = False
    backorder_limit: int = strawberry.field(
        default=0, description="At most this many units promised against incoming stock."
    )
    campaigns: list[CampaignInput] = strawberry.field(default_factory=list)


@strawberry.input
class RemoveListingInput:
    channel: str
    sku: str


@strawberry.input
class ImportListingsInput:
    channel: str
    csv: str = strawberry.field(
        description="Header `sku,external_sku,status,safety_units,safety_percent,cap,"
        "allow_backorder,backorder_limit`; only sku and external_sku are required."
    )


@strawberry.input
class ReportChannelQuantityInput:
    channel: str
    external_sku: str
    quantity: int = strawberry.field(description="What the marketplace shows right now.")


@strawberry.type
class ListingPayload:
    listing: Listing | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportListingsPayload:
    imported: int = 0
    listings: list[Listing] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description='A bad row is reported at ["input", "csv", "<line>", "<column>"]; '
        "nothing from a file with errors is applied.",
    )


@strawberry.type
class ReportChannelQuantityPayload:
    drift: bool | None = strawberry.field(
        default=None, description="Whether the reported quantity differs from the published one."
    )
    reported: int | None = None
    availability: ChannelAvailability | None = None
    alert: Alert | None = strawberry.field(
        default=None, description="The DRIFT alert raised, or the one resolved by a match."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _listing_payload(found: PublishedListing | None, errors: list[UserError]) -> ListingPayload:
    return ListingPayload(listing=Listing.from_domain(found) if found else None, user_errors=errors)


def _utc(moment: datetime) -> datetime:
    """A time without an offset is read as UTC; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _campaign(given: CampaignInput) -> listings.Campaign:
    return listings.Campaign(
        _utc(given.starts_at),
        _utc(given.ends_at),
        listings.percent_to_basis_points(given.safety_percent),
    )


def _optional_basis_points(percent: float | None) -> int | None:
    return None if percent is None else listings.percent_to_basis_points(percent)


@strawberry.type
class ListingMutations:
    @strawberry.mutation
    async def upsert_listing(self, info: Info, input: UpsertListingInput) -> ListingPayload:
        command = listings.UpsertListing(
            channel=input.channel,
            sku=input.sku,
            external_sku=input.external_sku,
            status=input.status,
            safety_units=input.safety_units,
            safety_basis_points=_optional_basis_points(input.safety_percent),
            cap=input.cap,
            allow_backorder=input.allow_backorder,
            backorder_limit=input.backorder_limit,
            campaigns=tuple(_campaign(c) for c in input.campaigns),
        )
        return _listing_payload(*await attempt(info.context.dispatch(command)))

    @strawberry.mutation(
        description="Takes the SKU off the channel: it publishes 0 and can be held no more."
    )
    async def remove_listing(self, info: Info, input: RemoveListingInput) -> ListingPayload:
        command = listings.RemoveListing(input.channel, input.sku)
        return _listing_payload(*await attempt(info.context.dispatch(command)))

    @strawberry.mutation(description="Upserts every row of a CSV file, or none of them.")
    async def import_listings(
        self, info: Info, input: ImportListingsInput
    ) -> ImportListingsPayload:
        command = listings.ImportListings(input.channel, input.csv)
        records, errors = await attempt(info.context.dispatch(command))
        if records is None:
            return ImportListingsPayload(user_errors=errors)
        return ImportListingsPayload(
            imported=len(records), listings=[Listing.from_domain(r) for r in records]
        )

    @strawberry.mutation(
        description="A connector reports what the marketplace shows; a difference from the "
        "published quantity raises a DRIFT alert, a match resolves it."
    )
    async def report_channel_quantity(
        self, info: Info, input: ReportChannelQuantityInput
    ) -> ReportChannelQuantityPayload:
        command = listings.ReportChannelQuantity(input.channel, input.external_sku, input.quantity)
        report, errors = await attempt(info.context.dispatch(command))
        if report is None:
            return ReportChannelQuantityPayload(user_errors=errors)
        return ReportChannelQuantityPayload(
            drift=report.drift,
            reported=report.reported,
            availability=ChannelAvailability.from_domain(report.availability),
            alert=Alert.from_domain(report.alert) if report.alert else None,
        )

"""Listings and what each channel shows of them, as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import listings, publishing
from schema.node import ID_DESCRIPTION, Node, NodeKind, node_id

ListingStatus = strawberry.enum(listings.ListingStatus)
AvailabilityStatus = strawberry.enum(publishing.AvailabilityStatus)


@strawberry.type(description="What one channel shows of one SKU.")
class ChannelAvailability(Node):
    sku: str
    channel: str
    external_sku: str
    published: int = strawberry.field(description="Units the channel may show and sell.")
    status: AvailabilityStatus  # type: ignore[valid-type]
    version: int = strawberry.field(
        description="Grows whenever `published` or `status` changes, and only then: drop any "
        "update older than what you show."
    )
    updated_at: datetime = strawberry.field(description="When `published` or `status` changed.")
    sellable: int = strawberry.field(description="Of `published`, units on hand now.")
    backorderable: int = strawberry.field(
        description="Of `published`, units that may be promised against incoming stock."
    )
    promised_at: datetime | None = strawberry.field(
        description="When backordered units are expected, if any are published."
    )
    cursor: str | None = strawberry.field(
        default=None,
        description="Where this change stands in the channel's `availabilityFeed`: resume "
        "the feed (or `availabilityChanged(after:)`) after it. Null on values read "
        "from the `availability` query, which shows the present, not a change.",
    )

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.CHANNEL_AVAILABILITY, self.channel, self.sku)

    @classmethod
    def from_domain(cls, found: publishing.ChannelAvailability) -> ChannelAvailability:
        return cls(
            sku=found.sku,
            channel=found.channel,
            external_sku=found.external_sku,
            published=found.published,
            status=found.status,
            version=found.version,
            updated_at=found.updated_at,
            sellable=found.sellable,
            backorderable=found.backorderable,
            promised_at=found.promised_at,
            cursor=found.cursor,
        )


@strawberry.type(description="While it runs, the buffer is at least this percent of the pool.")
class Campaign:
    starts_at: datetime
    ends_at: datetime
    safety_percent: float

    @classmethod
    def from_domain(cls, campaign: listings.Campaign) -> Campaign:
        return cls(
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            safety_percent=listings.basis_points_to_percent(campaign.safety_basis_points),
        )


@strawberry.type(description="A SKU offered on a channel, and the rules of what it shows.")
class Listing(Node):
    sku: str
    channel: str
    external_sku: str
    status: ListingStatus  # type: ignore[valid-type]
    safety_units: int | None = strawberry.field(description="null: the channel's default.")
    safety_percent: float | None = strawberry.field(description="null: the channel's default.")
    cap: int | None = strawberry.field(description="Show at most this many; null: no cap.")
    allow_backorder: bool
    backorder_limit: int
    campaigns: list[Campaign]
    availability: ChannelAvailability
    reported_quantity: int | None = strawberry.field(
        description="What the channel's connector last reported the marketplace shows."
    )
    reported_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.LISTING, self.channel, self.sku)

    @classmethod
    def from_domain(cls, found: publishing.PublishedListing) -> Listing:
        listing = found.listing
        return cls(
            sku=listing.sku,
            channel=listing.channel,
            external_sku=listing.external_sku,
            status=listing.status,
            safety_units=listing.safety_units,
            safety_percent=(
                None
                if listing.safety_basis_points is None
                else listings.basis_points_to_percent(listing.safety_basis_points)
            ),
            cap=listing.cap,
            allow_backorder=listing.allow_backorder,
            backorder_limit=listing.backorder_limit,
            campaigns=[Campaign.from_domain(c) for c in listing.campaigns],
            availability=ChannelAvailability.from_domain(found.availability),
            reported_quantity=found.reported_quantity,
            reported_at=found.reported_at,
            created_at=listing.created_at,
            updated_at=listing.updated_at,
        )

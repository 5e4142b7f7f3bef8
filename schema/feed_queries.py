"""The channel feeds: what changed, in commit order, after a cursor (docs/connectors.md)."""

from __future__ import annotations

import strawberry

from domain.feeds import MAX_FEED_PAGE
from schema.context import Info
from schema.errors import public
from schema.permissions import ReadsMoreThanPublished
from schema.types.feeds import Feed
from schema.types.listings import ChannelAvailability
from schema.types.reservations import Reservation

_RETENTION = (
    "Changes are kept for the retention window (STOCKPOOL_FEED_RETENTION_DAYS, 7 days by "
    "default); a cursor older than that is the error CURSOR_EXPIRED: read a snapshot again. "
    f"`first` is 0 to {MAX_FEED_PAGE} (0 reads only the head cursor). Admin keys, and partner "
    "keys of the channel."
)


@strawberry.type
class FeedQueries:
    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="Every change of what the channel shows (each a ChannelAvailability with "
        "its `version` and `cursor`), oldest first after the cursor (from the oldest kept "
        "without one), in commit order. " + _RETENTION,
    )
    async def availability_feed(
        self, info: Info, channel: str, after: str | None = None, first: int = 100
    ) -> Feed[ChannelAvailability]:
        page = await public(
            info.context.services.feeds.availability(channel, after, first, info.context.caller)
        )
        return Feed.of(page, ChannelAvailability.from_domain)

    @strawberry.field(
        permission_classes=[ReadsMoreThanPublished],
        description="Every state change of the channel's reservations, each the Reservation "
        "as it became (held, committed, released, expired, fulfilled, cancelled, preempted, "
        "lines filled from backorder or oversold settlement), in commit order. " + _RETENTION,
    )
    async def reservation_feed(
        self, info: Info, channel: str, after: str | None = None, first: int = 100
    ) -> Feed[Reservation]:
        page = await public(
            info.context.services.feeds.reservations(channel, after, first, info.context.caller)
        )
        return Feed.of(page, Reservation.from_domain)

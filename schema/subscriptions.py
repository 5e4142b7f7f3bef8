"""The Subscription type. Each field checks access and names the feed it follows; the hub
(schema/realtime) serves it: first the current state of everything it covers, then changes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import strawberry

from domain.errors import StockpoolError
from schema.context import Info
from schema.errors import PublicError
from schema.queries import MAX_SKUS_PER_READ
from schema.realtime.feeds import (
    AlertFeed,
    AvailabilityFeed,
    SkuTotalsFeed,
    StockEventFeed,
    StockLevelFeed,
)
from schema.realtime.live import Live
from schema.types.alerts import Alert
from schema.types.listings import ChannelAvailability
from schema.types.stock import SkuTotals, StockEvent, StockLevel


def _codes(codes: list[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    if len(codes) > MAX_SKUS_PER_READ:
        raise PublicError(f"at most {MAX_SKUS_PER_READ} codes at once", "INVALID_VALUE")
    return frozenset(codes)


def _check(allowed: Callable[[], None]) -> None:
    """A refusal is an error of the operation with its code, as on queries."""
    try:
        allowed()
    except StockpoolError as error:
        raise PublicError(error.message, error.code.value) from None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="What the channel shows of the SKUs (all its listings when `skus` is "
        "null): first each one's current value, then a message each time `published` or "
        "`status` changes, newer `version`s only, in the order of the channel's "
        "availabilityFeed with none left out. Every message carries its `cursor`: with "
        "`after` (the cursor of the last message received), instead of the current values it "
        "first sends the newest change of each listing changed after that cursor, then goes "
        "on live. A cursor past the retention window is the error CURSOR_EXPIRED (subscribe "
        "again without `after`), one this feed did not hand out INVALID_CURSOR. Storefront "
        "and partner keys follow their own channel."
    )
    async def availability_changed(
        self,
        info: Info,
        channel: str,
        skus: list[str] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[ChannelAvailability]:
        _check(lambda: info.context.caller.require_view(channel))
        feed = AvailabilityFeed(channel, _codes(skus), after)
        return Live(feed, ChannelAvailability.from_domain)

    @strawberry.subscription(
        description="Stock levels (filtered by SKU and/or location): first the current ones, "
        "then each change. Admin keys."
    )
    async def stock_level_changed(
        self, info: Info, skus: list[str] | None = None, locations: list[str] | None = None
    ) -> AsyncIterator[StockLevel]:
        _check(lambda: info.context.caller.require_admin())
        feed = StockLevelFeed(_codes(skus), _codes(locations))
        return Live(feed, StockLevel.from_domain)

    @strawberry.subscription(
        description="Each SKU's counters summed over every location: first the current "
        "totals, then new totals after each change to one of its levels. Admin keys."
    )
    async def sku_totals_changed(
        self, info: Info, skus: list[str] | None = None
    ) -> AsyncIterator[SkuTotals]:
        _check(lambda: info.context.caller.require_admin())
        return Live(SkuTotalsFeed(_codes(skus)), SkuTotals.from_domain)

    @strawberry.subscription(
        description="Ledger rows as they are written (read the past with the stockEvents "
        "query after subscribing; rows carry ids). Admin keys."
    )
    async def stock_events(
        self, info: Info, sku: str | None = None, location: str | None = None
    ) -> AsyncIterator[StockEvent]:
        _check(lambda: info.context.caller.require_admin())
        return Live(StockEventFeed(sku, location), StockEvent.from_domain)

    @strawberry.subscription(
        description="Alerts: first the open and acknowledged ones, then each alert every time "
        "it is raised, recurs, is acknowledged or resolved. Admin keys."
    )
    async def alert_raised(self, info: Info) -> AsyncIterator[Alert]:
        _check(lambda: info.context.caller.require_admin())
        return Live(AlertFeed(), Alert.from_domain)

"""A page of a channel's feed: its changes in commit order, each with the cursor to resume after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from api.services.feeds import FeedPage
from schema.types.pagination import Edge

T = TypeVar("T")
D = TypeVar("D")


@strawberry.type
class FeedPageInfo:
    has_next_page: bool = strawberry.field(
        description="More changes were already there when this page was read: ask again now."
    )
    end_cursor: str = strawberry.field(
        description="Pass it as `after` for the next page. Never null: with no change after "
        "the cursor asked for, it is that cursor again."
    )


@strawberry.type
class Feed(Generic[T]):
    edges: list[Edge[T]]
    page_info: FeedPageInfo
    head_cursor: str = strawberry.field(
        description="The newest change's cursor when this page was read. To start without "
        "loss: take it, then read a snapshot (`availability`, `listings`, `reservation`), then "
        "follow the feed after it, dropping values whose `version` you already show."
    )

    @classmethod
    def of(cls, page: FeedPage[D], convert: Callable[[D], T]) -> Feed[T]:
        return cls(
            edges=[Edge(cursor=cursor, node=convert(value)) for cursor, value in page.changes],
            page_info=FeedPageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            head_cursor=page.head_cursor,
        )

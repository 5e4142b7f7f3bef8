"""What a subscription field resolves to: the feed it follows and how to show its values."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from schema.realtime.feeds import Feed

T = TypeVar("T")


class Live(AsyncIterator[T]):
    """Not iterated per subscriber: the hub groups subscribers of the same operation and
    runs it once per change for the whole group (schema/realtime/hub.py)."""

    def __init__(self, feed: Feed, present: Callable[[Any], T]) -> None:
        self.feed = feed
        self.present = present

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        raise TypeError("subscriptions are served over WebSocket by schema.realtime, not iterated")

"""Each stream's items (a channel's availability changes) delivered in position order, with no
gap and no repeat, whatever order the bus brings them in and whatever it loses.

Positions are a feed's (api/database/change_journal.py): every position up to one that was
published is committed already (positions are taken under a row lock held until commit), so
a missing one can always be read from the feed.

The contract of `FeedOrder`:

- `watch(stream)` and `unwatch(stream)`: someone starts or stops following a stream (counted;
  the last `unwatch` forgets it). Items of a stream nobody watches are delivered as they come.
- A watched stream is *pending* until the first `reach(stream, position)` says where its
  followers' first state stands. Items offered meanwhile are kept, not delivered (at most
  `max_pending` of them; the position of the first is always remembered).
- `offer(stream, position, item)`: an item at the next position is delivered at once, with no
  other work (the hot path); one at or before the last delivered position is a repeat and
  dropped; one past the next position means the ones between are committed: they are read
  with `fill` and delivered first, then the item.
- `reach(stream, position)`: returns once everything up to `position` is delivered (read with
  `fill` what is missing). On a pending stream it first sets where delivery starts: at
  `position`, or just before the first item kept, whichever is earlier, then delivers what
  was kept, in position order, filling gaps.
- `fill(stream, after, until, limit)` returns at most `limit` (position, item) pairs in
  (after, until], oldest first; it may leave out items that a later one it returns replaces
  (the newest of each listing is enough). Fewer than `limit` means there is no more. An
  error raised by `fill` propagates and delivers nothing more of that offer: the stream's
  position stays where it was, so the next offer or reach reads the same span again.
- Operations on one stream run one at a time, in the order they were asked for; `deliver`
  is awaited for each item, in position order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

S = TypeVar("S", bound=Hashable)
T = TypeVar("T")

Fill = Callable[[S, int, int, int], Awaitable[list[tuple[int, T]]]]
Deliver = Callable[[T], Awaitable[None]]


@dataclass(slots=True)
class _Stream(Generic[T]):
    watchers: int = 0
    pending: bool = True
    last: int = 0
    """The last position delivered (once no longer pending)."""
    kept: list[tuple[int, T]] = field(default_factory=list)
    first_kept: int | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class FeedOrder(Generic[S, T]):
    def __init__(
        self,
        fill: Fill[S, T],
        deliver: Deliver[T],
        page: int = 250,
        max_pending: int = 10_000,
    ) -> None:
        self._fill = fill
        self._deliver = deliver
        self._page = page
        self._max_pending = max_pending
        self._streams: dict[S, _Stream[T]] = {}
        self.filled = 0
        """Items read with `fill` since startup (missing from the bus, or out of order)."""
        self.repeats = 0
        """Items dropped because their position was delivered already."""

    def watch(self, stream: S) -> None:
        self._streams.setdefault(stream, _Stream()).watchers += 1

    def unwatch(self, stream: S) -> None:
        state = self._streams.get(stream)
        if state is not None:
            state.watchers -= 1
            if state.watchers <= 0:
                del self._streams[stream]

    def position(self, stream: S) -> int | None:
        """The last position delivered (None: not watched, or pending)."""
        state = self._streams.get(stream)
        return None if state is None or state.pending else state.last

    async def offer(self, stream: S, position: int, item: T) -> None:
        state = self._streams.get(stream)
        if state is None:
            await self._deliver(item)
            return
        async with state.lock:
            if state.pending:
                self._keep(state, position, item)
            else:
                await self._in_order(stream, state, position, item)

    async def reach(self, stream: S, position: int) -> None:
        state = self._streams.get(stream)
        if state is None:
            return
        async with state.lock:
            if state.pending:
                await self._start(stream, state, position)
            if state.last < position:
                await self._fill_to(stream, state, position)

    def _keep(self, state: _Stream[T], position: int, item: T) -> None:
        if state.first_kept is None or position < state.first_kept:
            state.first_kept = position
        if len(state.kept) < self._max_pending:
            state.kept.append((position, item))

    async def _start(self, stream: S, state: _Stream[T], position: int) -> None:
        start = position
        if state.first_kept is not None:
            start = min(start, state.first_kept - 1)
        kept, state.kept, state.first_kept = state.kept, [], None
        state.pending, state.last = False, start
        for at, item in sorted(kept, key=lambda pair: pair[0]):
            await self._in_order(stream, state, at, item)

    async def _in_order(self, stream: S, state: _Stream[T], position: int, item: T) -> None:
        if position <= state.last:
            self.repeats += 1
            return
        if position > state.last + 1:
            await self._fill_to(stream, state, position - 1)
        state.last = position
        await self._deliver(item)

    async def _fill_to(self, stream: S, state: _Stream[T], until: int) -> None:
        while state.last < until:
            page = await self._fill(stream, state.last, until, self._page)
            for at, item in page:
                if at > state.last:
                    state.last = at
                    self.filled += 1
                    await self._deliver(item)
            if len(page) < self._page:
                state.last = until

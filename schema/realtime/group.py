"""Subscribers of the same operation, variables and access scope, served as one.

A change is run through the operation's selection once per group and serialized once; every
subscriber of the group gets the same text. The group also keeps, per key, the newest version
it sent with its rendered result: later or older copies are dropped (so each key only moves
forward), and a new subscriber's snapshot reuses what is already rendered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from schema.realtime.changes import Change, same_state
from schema.realtime.feeds import Feed
from schema.realtime.subscriber import Subscriber

log = logging.getLogger(__name__)

Render = Callable[[Any], Awaitable[str]]
"""Runs the group's operation on one value shown as its GraphQL type: the result's JSON."""


@dataclass(frozen=True, slots=True)
class Sent:
    version: int
    value: Any
    payload: str


class Group:
    def __init__(self, key: Hashable, feed: Feed, render: Render) -> None:
        self.key = key
        self.feed = feed
        self._render = render
        self.members: set[Subscriber] = set()
        self.renders = 0
        """How often the operation ran: once per change, however many members."""
        self._sent: dict[Hashable, Sent] = {}

    async def deliver(self, change: Change, newcomer: Subscriber | None = None) -> None:
        """A change for everyone in the group, unless the group already sent it or newer
        (`newcomer` takes it as part of its first state)."""
        if self._outdated(change):
            return
        payload = await self.render(change.value)
        if self._outdated(change):  # a newer one was sent while this rendered
            return
        if change.key is not None:
            self._sent[change.key] = Sent(change.version, change.value, payload)
        for member in list(self.members):
            if member is newcomer:
                member.first(change, payload)
            else:
                member.offer(change, payload)

    async def add_snapshot(self, member: Subscriber, snapshot: list[Change]) -> None:
        """Hands `member` the current value of everything the feed covers, then goes live.

        The snapshot was read after `member` joined, so it is at least as new as anything
        the group sent before; a value newer than the group's goes to every member."""
        for change in snapshot:
            sent = self._sent.get(change.key)
            if sent is None or change.version > sent.version:
                await self.deliver(change, member)
            elif sent.version == change.version:
                member.first(change, await self._as_now(change, sent))
        member.go_live()

    async def add_first(self, member: Subscriber, change: Change) -> None:
        """A value of `member`'s catch-up, to it alone (the group's other members have it or
        a newer one, or will get it): the group's rendering when it sent the same."""
        sent = self._sent.get(change.key)
        if sent is not None and sent.version == change.version and sent.value == change.value:
            member.first(change, sent.payload)
        else:
            member.first(change, await self.render(change.value))

    async def refresh(self, snapshot: list[Change]) -> None:
        """After the bus was lost: the snapshot read since it is back goes to every member,
        less what they already have (the same version with the same details)."""
        for change in snapshot:
            sent = self._sent.get(change.key)
            if sent is None or sent.version != change.version:
                await self.deliver(change)
            elif not same_state(sent.value, change.value):
                payload = await self._as_now(change, sent)
                for member in list(self.members):
                    member.offer(change, payload)

    async def _as_now(self, change: Change, sent: Sent) -> str:
        """The payload of a version the group sent already; rendered again when the value's
        other details (e.g. `sellable`) are no longer what was sent."""
        if not same_state(sent.value, change.value):
            payload = await self.render(change.value)
            self._sent[change.key] = Sent(change.version, change.value, payload)
            return payload
        return sent.payload

    async def render(self, value: Any) -> str:
        self.renders += 1
        return await self._render(value)

    def _outdated(self, change: Change) -> bool:
        if change.key is None:
            return False
        sent = self._sent.get(change.key)
        return sent is not None and change.version <= sent.version

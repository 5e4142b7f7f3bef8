"""The process's one subscriber to the bus, fanning each change out to the groups that want it.

One bus subscription per process, to every topic, made at startup (so no change committed
after startup is missed), however many WebSocket clients there are. When the bus was lost and
is back, every group re-reads its snapshot: what changed meanwhile goes to its members. A
revoked or expired key's sockets are closed with 4403. Availability changes reach the groups
in the order of the channel's feed, with no gap (schema/realtime/resume.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson
from strawberry import Schema
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.bus import API_KEYS, AVAILABILITY, PUBLISHED_AT, STOCK_LEVELS, EventBus, Resumed
from api.clock import Clock, utc_now
from api.observability import metrics
from api.services.container import Services
from domain.access import Principal
from schema.realtime import protocols
from schema.realtime.admission import Admission
from schema.realtime.changes import DECODERS, SKU_TOTALS, Change
from schema.realtime.documents import Documents
from schema.realtime.feeds import AvailabilityFeed, Feed, SkuTotalsFeed
from schema.realtime.group import Group, Render
from schema.realtime.limits import RealtimeLimits
from schema.realtime.live import Live
from schema.realtime.resume import AvailabilityPositions
from schema.realtime.subscriber import Subscriber
from schema.realtime.totals import TotalsRefresher

if TYPE_CHECKING:
    from schema.realtime.connection import Connection

log = logging.getLogger(__name__)

SUBSCRIPTION_ONLY = (OperationType.SUBSCRIPTION,)


@dataclass(frozen=True, slots=True)
class Operation:
    """A GraphQL request as a client sent it."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


def result_json(result: ExecutionResult) -> str:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return orjson.dumps(payload).decode()


def _shared(operation: Operation, live: Live[Any]) -> dict[str, Any]:
    """The variables that shape what a group sends: a cursor to resume from only decides a
    member's first state, so members resuming from different cursors share one group."""
    variables = operation.variables or {}
    after = getattr(live.feed, "after", None)
    if after is None:
        return variables
    return {name: value for name, value in variables.items() if value != after}


def _report_end(follower: asyncio.Task[None]) -> None:
    if not follower.cancelled() and follower.exception() is not None:
        log.error(
            "the hub stopped following %s: subscribers get no more changes of it",
            follower.get_name(),
            exc_info=follower.exception(),
        )


class Hub:
    def __init__(
        self,
        bus: EventBus,
        services: Services,
        schema: Schema,
        context_for: Callable[[Principal], Any],
        limits: RealtimeLimits | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.services = services
        self.schema = schema
        self.documents = Documents(schema)
        self.limits = limits or RealtimeLimits()
        self.connections: set[Connection] = set()
        self.admission = Admission()
        self._bus = bus
        self._context_for = context_for
        self._clock = clock
        self.received = 0
        """Messages taken from the bus since startup."""
        self._groups: dict[Hashable, Group] = {}
        self._renders_of_gone_groups = 0
        self._by_topic: dict[str, set[Group]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._detached: set[asyncio.Task[None]] = set()
        self._totals = TotalsRefresher(services, self._totals_wanted, self._dispatch)
        self.availability = AvailabilityPositions(services, self._dispatch)
        """Availability changes in feed order, per channel a group follows."""
        self._resnapshot: asyncio.Task[None] | None = None

    # ---- life -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribes to the bus; returns once the subscription is in place (a bus that cannot
        be subscribed to fails the startup)."""
        subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        follower = asyncio.create_task(self._follow(subscribed), name="bus-follower")
        follower.add_done_callback(_report_end)
        self._tasks.append(follower)
        try:
            await asyncio.wait({subscribed, follower}, return_when=asyncio.FIRST_COMPLETED)
            if not subscribed.done():
                follower.result()
                raise RuntimeError("the subscription to the bus ended at once")
        except BaseException:
            await self.stop()
            raise
        self._tasks.append(asyncio.create_task(self._watch_sockets(), name="socket-watchdog"))
        self._totals.start()

    async def stop(self) -> None:
        await self._totals.stop()
        if self._resnapshot is not None:
            self._tasks.append(self._resnapshot)
        for task in self._detached:
            task.cancel()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # ---- groups -----------------------------------------------------------------------------

    def join(
        self, operation: Operation, principal: Principal, live: Live[Any], member: Subscriber
    ) -> Group:
        """Adds `member` to the group of everyone with the same operation and scope."""
        variables = orjson.dumps(_shared(operation, live), option=orjson.OPT_SORT_KEYS)
        scope = (principal.role, principal.channel)
        key = (operation.query, operation.operation_name, variables, scope)
        group = self._groups.get(key)
        if group is None:
            context = self._context_for(Principal("subscribers", *scope))
            group = Group(key, live.feed, self._renderer(operation, context, live))
            self._groups[key] = group
            self._by_topic.setdefault(live.feed.topic, set()).add(group)
            self.availability.watch(live.feed)
        group.members.add(member)
        return group

    def leave(self, group: Group, member: Subscriber) -> None:
        group.members.discard(member)
        if not group.members and self._groups.get(group.key) is group:
            del self._groups[group.key]
            self._by_topic[group.feed.topic].discard(group)
            self.availability.unwatch(group.feed)
            self._renders_of_gone_groups += group.renders

    def detach(self, task: asyncio.Task[None]) -> None:
        """Keeps a task running after the connection that started it has gone: a mutation
        that committed must still publish what it changed."""
        self._detached.add(task)
        task.add_done_callback(self._detached.discard)

    @property
    def groups(self) -> int:
        return len(self._groups)

    @property
    def renders(self) -> int:
        """How many times a subscription operation ran in this process, all groups together."""
        return self._renders_of_gone_groups + sum(g.renders for g in self._groups.values())

    def _renderer(self, operation: Operation, context: Any, live: Live[Any]) -> Render:
        async def render(value: Any) -> str:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=live.present(value),
                operation_name=operation.operation_name,
                allowed_operation_types=SUBSCRIPTION_ONLY,
            )
            return result_json(result)

        return render

    # ---- the bus ----------------------------------------------------------------------------

    async def _follow(self, subscribed: asyncio.Future[None]) -> None:
        async with self._bus.follow([*DECODERS, API_KEYS]) as deliveries:
            subscribed.set_result(None)
            async for delivery in deliveries:
                if isinstance(delivery, Resumed):
                    self._resnapshot_all()
                    continue
                self.received += 1
                topic, message = delivery
                if topic == API_KEYS:
                    self._key_revoked(message)
                elif self._wanted(topic):
                    await self._take(topic, message)
                    # Let writers and requests run between changes, even with a backlog.
                    await asyncio.sleep(0)
                    metrics.delivered(topic, message.get(PUBLISHED_AT))

    async def _take(self, topic: str, message: dict[str, Any]) -> None:
        try:
            change = DECODERS[topic](message)
        except Exception:
            log.exception("unreadable %s message dropped: %r", topic, message)
            return
        if topic == STOCK_LEVELS:
            self._totals.level_changed(change.value.sku)
        if topic == AVAILABILITY:
            try:
                await self.availability.take(change)
            except Exception:  # the changes it could not read come with the next one
                log.exception("could not read the %s feed of %r", topic, change.value.channel)
            return
        await self._dispatch(change)

    async def snapshot(self, feed: Feed, bus_was_lost: bool = False) -> list[Change]:
        """The current state of everything `feed` covers (availability: with its cursor)."""
        if isinstance(feed, AvailabilityFeed):
            return await self.availability.snapshot(feed, bus_was_lost)
        return await feed.snapshot(self.services)

    async def welcome(self, group: Group, member: Subscriber, feed: Feed) -> None:
        """Hands a member that joined `group` its first state, then lets it go live: the
        snapshot, or with a cursor to resume from, the changes after it (`feed` is the
        member's own: members resuming from different cursors share a group)."""
        if isinstance(feed, AvailabilityFeed) and feed.after is not None:
            send = partial(group.add_first, member)
            if await self.availability.catch_up(feed, feed.after, send):
                member.go_live()
                return
        await group.add_snapshot(member, await self.snapshot(feed))

    def _resnapshot_all(self) -> None:
        """After a bus outage: changes published meanwhile never arrived here, so every group
        re-reads what it covers (a second outage during the read starts it over)."""
        if self._resnapshot is not None:
            self._resnapshot.cancel()
        self._resnapshot = asyncio.create_task(self._refresh_groups(), name="resnapshot")

    async def _refresh_groups(self) -> None:
        await self._close_revoked()
        for group in list(self._groups.values()):
            if self._groups.get(group.key) is not group:
                continue  # its last member left meanwhile
            try:
                await group.refresh(await self.snapshot(group.feed, bus_was_lost=True))
            except Exception:
                log.exception("could not re-read the snapshot of group %r", group.key)

    async def _dispatch(self, change: Change) -> None:
        for group in list(self._by_topic.get(change.topic, ())):
            if not group.feed.covers(change.value):
                continue
            try:
                await group.deliver(change)
            except Exception:
                log.exception("could not deliver %s to group %r", change.topic, group.key)

    def _wanted(self, topic: str) -> bool:
        """Whether any group follows the topic (stock levels also feed the totals)."""
        return bool(self._by_topic.get(topic)) or (
            topic == STOCK_LEVELS and bool(self._by_topic.get(SKU_TOTALS))
        )

    def _totals_wanted(self, sku: str) -> bool:
        return any(
            isinstance(group.feed, SkuTotalsFeed) and group.feed.wants(sku)
            for group in self._by_topic.get(SKU_TOTALS, ())
        )

    # ---- sockets that must end ------------------------------------------------------------

    def _key_revoked(self, message: dict[str, Any]) -> None:
        key_id = message.get("key")
        if not isinstance(key_id, str):
            log.warning("unreadable %s message dropped: %.100r", API_KEYS, message)
            return
        self.services.api_keys.forget_key(key_id)
        for connection in list(self.connections):
            principal = connection.context.principal
            if principal is not None and principal.key_id == key_id:
                connection.close(protocols.FORBIDDEN, "API key revoked")

    async def _close_revoked(self) -> None:
        """Revocations published while the bus was away were not heard: look them up."""
        principals = (connection.context.principal for connection in self.connections)
        keys = {p.key_id for p in principals if p is not None and p.key_id is not None}
        try:
            revoked = await self.services.api_keys.revoked_among(keys) if keys else set()
        except Exception:
            log.exception("could not check the keys of open sockets after a bus outage")
            return
        for key_id in revoked:
            self._key_revoked({"key": key_id})

    async def _watch_sockets(self) -> None:
        """Closes sockets that accept nothing, and those whose key has expired."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.limits.watchdog_interval)
            now, moment = loop.time(), self._clock()
            for connection in list(self.connections):
                principal = connection.context.principal
                if principal is not None and principal.has_expired(moment):
                    connection.close(protocols.FORBIDDEN, "API key expired")
                else:
                    connection.check_writing(now)

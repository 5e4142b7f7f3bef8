"""The process's one subscriber to the bus, fanning each change out to the groups that want it.

One bus subscription per topic per process, made at startup (so no change committed after
startup is missed), however many WebSocket clients there are."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from strawberry import Schema
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.bus import STOCK_LEVELS, EventBus
from api.services.container import Services
from domain.access import Principal
from schema.realtime.admission import Admission
from schema.realtime.changes import DECODERS, SKU_TOTALS, Change
from schema.realtime.documents import Documents
from schema.realtime.feeds import SkuTotalsFeed
from schema.realtime.group import Group, Render
from schema.realtime.limits import RealtimeLimits
from schema.realtime.live import Live
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
    ) -> None:
        self.services = services
        self.schema = schema
        self.documents = Documents(schema)
        self.limits = limits or RealtimeLimits()
        self.connections: set[Connection] = set()
        self.admission = Admission(self.limits)
        self._bus = bus
        self._context_for = context_for
        self.received = 0
        """Messages taken from the bus since startup."""
        self._groups: dict[Hashable, Group] = {}
        self._renders_of_gone_groups = 0
        self._by_topic: dict[str, set[Group]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._detached: set[asyncio.Task[None]] = set()
        self._totals = TotalsRefresher(services, self._totals_wanted, self._dispatch)

    # ---- life -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribes to every topic; returns once all subscriptions are in place."""
        try:
            await self._subscribe_all()
        except BaseException:
            await self.stop()
            raise
        self._tasks.append(asyncio.create_task(self._watch_sockets(), name="socket-watchdog"))
        self._totals.start()

    async def _subscribe_all(self) -> None:
        for topic in DECODERS:
            subscribed = asyncio.Event()
            follower = asyncio.create_task(self._follow(topic, subscribed), name=topic)
            follower.add_done_callback(_report_end)
            self._tasks.append(follower)
            waiter = asyncio.create_task(subscribed.wait())
            await asyncio.wait({waiter, follower}, return_when=asyncio.FIRST_COMPLETED)
            if follower.done():
                waiter.cancel()
                follower.result()  # a topic that cannot be subscribed fails the startup
                raise RuntimeError(f"the subscription to {topic} ended at once")

    async def stop(self) -> None:
        await self._totals.stop()
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
        variables = orjson.dumps(operation.variables or {}, option=orjson.OPT_SORT_KEYS)
        scope = (principal.role, principal.channel)
        key = (operation.query, operation.operation_name, variables, scope)
        group = self._groups.get(key)
        if group is None:
            context = self._context_for(Principal("subscribers", *scope))
            group = Group(key, live.feed, self._renderer(operation, context, live))
            self._groups[key] = group
            self._by_topic.setdefault(live.feed.topic, set()).add(group)
        group.members.add(member)
        return group

    def leave(self, group: Group, member: Subscriber) -> None:
        group.members.discard(member)
        if not group.members and self._groups.get(group.key) is group:
            del self._groups[group.key]
            self._by_topic[group.feed.topic].discard(group)
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

    async def _follow(self, topic: str, subscribed: asyncio.Event) -> None:
        decode = DECODERS[topic]
        async with self._bus.subscribe(topic) as messages:
            subscribed.set()
            async for message in messages:
                self.received += 1
                if not self._wanted(topic):
                    continue
                try:
                    change = decode(message)
                except Exception:
                    log.exception("unreadable %s message dropped: %r", topic, message)
                    continue
                if topic == STOCK_LEVELS:
                    self._totals.level_changed(change.value.sku)
                await self._dispatch(change)
                # Let writers and requests run between changes, even with a backlog queued.
                await asyncio.sleep(0)

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

    # ---- slow sockets -----------------------------------------------------------------------

    async def _watch_sockets(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.limits.watchdog_interval)
            now = loop.time()
            for connection in list(self.connections):
                connection.check_writing(now)

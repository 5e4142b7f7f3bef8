"""The dispatcher: the one place a stock command runs.

For each command: its route (from the table in `api.service_layer.routes`) says who may run
it, which handler does the work and how a replay answers. The caller's role is checked and
the input validated before any transaction opens; then one transaction looks up the
idempotency key (a replay answers as the first run did and changes nothing), runs the
handler on a unit of work, runs the follow-ups, stores the key, and commits. Only after
commit does what changed go on the bus."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock
from api.database import idempotency
from api.database.engine import Database
from api.database.transient import retrying_transient
from api.messages import committed_messages
from api.observability import metrics
from api.service_layer.unit_of_work import UnitOfWork
from domain.access import Principal
from domain.commands import Command
from domain.errors import StockpoolError

C = TypeVar("C", bound=Command[Any])
R = TypeVar("R")


class Access(Enum):
    """Who may run a command."""

    ADMIN = "admin keys"
    CHANNEL = "admin keys, and partner keys of the command's channel"
    OWNER = "any key; the handler checks the channel of the reservation the command names"

    def check(self, principal: Principal, command: Any) -> None:
        if self is Access.ADMIN:
            principal.require_admin()
        elif self is Access.CHANNEL:
            principal.require_channel(command.channel)


@dataclass(frozen=True, slots=True)
class Memo(Generic[R]):
    """What an idempotency record keeps of an answer, and how a replay rebuilds it."""

    remember: Callable[[R], dict[str, Any]]
    recall: Callable[[AsyncConnection, dict[str, Any]], Awaitable[R]]


OnRefusal = Callable[[C, StockpoolError], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route(Generic[C, R]):
    """`handler` does the command's work in its unit of work; `memo` is what a replay of its
    idempotency key answers (commands that take no key have none); `on_refusal` runs after
    a refused command's transaction rolled back (to record what must outlive the refusal);
    `on_commit` runs with the answer once it is committed and published (to tell a part of
    this worker that waits on the change)."""

    handler: Callable[[UnitOfWork, C], Awaitable[R]]
    access: Access
    memo: Memo[R] | None = None
    on_refusal: OnRefusal[C] | None = None
    on_commit: Callable[[C, R], None] | None = None


Queue = Callable[[Any, Principal], Awaitable[Any]]


class Dispatcher:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        clock: Clock,
        routes: Mapping[type[Any], Route[Any, Any]],
    ) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock
        self._routes = dict(routes)
        self._queues: dict[type[Any], Queue] = {}

    def queue(self, command_type: type[Any], queue: Queue) -> None:
        """Commands of this type go to `queue` once checked and validated (group commit)."""
        self._queues[command_type] = queue

    async def dispatch(self, command: Command[R], principal: Principal) -> R:
        """Checks who asks and what, then runs the command (or queues it, for group
        commit); a refusal is raised as the domain error it is."""
        try:
            self._routes[type(command)].access.check(principal, command)
            command.validate()
            queue = self._queues.get(type(command))
            if queue is not None:
                answer: R = await queue(command, principal)
            else:
                answer = await self.execute(command, principal)
        except StockpoolError as refusal:
            metrics.command_answered(command, refusal.code.value)
            raise
        metrics.command_answered(command, None)
        return answer

    async def execute(self, command: Command[R], principal: Principal) -> R:
        """Runs an already checked command in its own transaction and publishes what it
        changed after commit."""
        route: Route[Any, R] = self._routes[type(command)]
        try:
            result, done = await self.run(route, command, principal)
        except StockpoolError as refusal:
            if route.on_refusal is not None:
                await route.on_refusal(command, refusal)
            raise
        if done is not None:
            await self.publish(done)
            metrics.committed(done.alerts)
        if route.on_commit is not None:
            route.on_commit(command, result)
        return result

    async def run(
        self, route: Route[Any, R], command: Command[R], principal: Principal
    ) -> tuple[R, UnitOfWork | None]:
        """Runs the command once per idempotency key, in one transaction with its record.
        Returns its answer and its unit of work, or None for a replay (nothing changed)."""
        key = command.idempotency_key if route.memo is not None else None
        operation, digest = idempotency.fingerprint_of(command) if key is not None else ("", "")

        async def attempt() -> tuple[R, UnitOfWork | None]:
            async with self._database.transaction() as conn:
                if key is not None and route.memo is not None:
                    prior = await idempotency.find(conn, principal.idempotency_scope, key)
                    if prior is not None:
                        prior.require_same(key, operation, digest)
                        return await route.memo.recall(conn, prior.result), None
                uow = UnitOfWork(conn, self._clock(), principal, key)
                result = await route.handler(uow, command)
                await uow.follow_up()
                if key is not None and route.memo is not None:
                    record = idempotency.IdempotencyRecord(
                        operation, digest, route.memo.remember(result)
                    )
                    await idempotency.store(conn, principal.idempotency_scope, key, record, uow.now)
                return result, uow

        try:
            return await retrying_transient(attempt)
        except IntegrityError:
            if key is None:
                raise
            # A concurrent request with the same key committed first: answer as its replay.
            return await retrying_transient(attempt)

    async def publish(self, done: UnitOfWork) -> None:
        await self._bus.publish_committed(
            committed_messages(done.entries, done.published(), done.alerts)
        )

"""Running a command at most once per idempotency key, in the transaction of its change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import EventBus
from api.clock import Clock
from api.database import idempotency
from api.database.engine import Database
from api.messages import committed_messages
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import IdempotencyKeyReused
from domain.publishing import ChannelAvailability
from domain.stock import LedgerEntry

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """A command's result, what to remember for a replay, and what to publish after commit."""

    result: T
    remember: dict[str, Any]
    entries: list[LedgerEntry] = field(default_factory=list)
    availability: list[ChannelAvailability] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    fresh: bool = True


async def publish_fresh(bus: EventBus, outcome: Outcome[Any]) -> None:
    """What a command's transaction changed goes on the bus after commit; a replay changed
    nothing and publishes nothing."""
    if outcome.fresh:
        await bus.publish_committed(
            committed_messages(outcome.entries, outcome.availability, outcome.alerts)
        )


async def run_command_once(
    database: Database,
    clock: Clock,
    principal: Principal,
    command: Any,
    apply: Callable[[AsyncConnection], Awaitable[Outcome[T]]],
    replay: Callable[[AsyncConnection, dict[str, Any]], Awaitable[T]],
) -> Outcome[T]:
    """`run_once` for a command dataclass: its type names the operation, its fields (but the
    key) are the request, its `idempotency_key` the key."""
    return await run_once(
        database,
        clock,
        principal,
        type(command).__name__,
        request_of(command),
        command.idempotency_key,
        apply,
        replay,
    )


async def run_once(
    database: Database,
    clock: Clock,
    principal: Principal,
    operation: str,
    request: dict[str, Any],
    key: str | None,
    apply: Callable[[AsyncConnection], Awaitable[Outcome[T]]],
    replay: Callable[[AsyncConnection, dict[str, Any]], Awaitable[T]],
) -> Outcome[T]:
    """`apply` runs in one transaction with the idempotency record. A replay of the key with
    the same request answers through `replay` and changes nothing; other input is refused."""
    digest = idempotency.fingerprint(operation, request)

    async def attempt() -> Outcome[T]:
        async with database.transaction() as conn:
            if key is not None:
                prior = await idempotency.find(conn, principal.idempotency_scope, key)
                if prior is not None:
                    if (prior.operation, prior.fingerprint) != (operation, digest):
                        raise IdempotencyKeyReused(key)
                    return Outcome(await replay(conn, prior.result), prior.result, fresh=False)
            outcome = await apply(conn)
            if key is not None:
                record = idempotency.IdempotencyRecord(operation, digest, outcome.remember)
                await idempotency.store(conn, principal.idempotency_scope, key, record, clock())
            return outcome

    try:
        return await attempt()
    except IntegrityError:
        if key is None:
            raise
        # A concurrent request with the same key committed first: answer as its replay.
        return await attempt()


def request_of(command: Any) -> dict[str, Any]:
    """The fields that identify a request, for its idempotency fingerprint."""
    request = asdict(command)
    request.pop("idempotency_key", None)
    plain: dict[str, Any] = _plain(request)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value

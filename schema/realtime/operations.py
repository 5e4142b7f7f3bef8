"""The operations one connection runs: a query or mutation answers once, a subscription joins
its group, reads its snapshot and then follows the group."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    Executor,
    GraphQLError,
    OperationType,
    create_source_event_stream,
    get_operation_ast,
)
from graphql import ExecutionResult as GraphQLResult
from strawberry.types.graphql import OperationType as StrawberryOperationType

from api.observability import metrics
from domain.errors import StockpoolError
from schema.context import Context
from schema.input_hygiene import input_problems
from schema.realtime import protocols
from schema.realtime.feeds import Feed
from schema.realtime.graphql_core import graphql_core_schema
from schema.realtime.group import Group
from schema.realtime.hub import Hub, Operation, result_json
from schema.realtime.live import Live
from schema.realtime.protocols import Dialect
from schema.realtime.subscriber import Put, Subscriber
from schema.request_logging import subscription_started
from schema.throttling import Bill, Costing, Refusal, charge, settle

log = logging.getLogger(__name__)

QUERIES_AND_MUTATIONS = (StrawberryOperationType.QUERY, StrawberryOperationType.MUTATION)


@dataclass(slots=True)
class Running:
    task: asyncio.Task[None] | None
    """A query's or mutation's execution, a subscription's first state while it is read;
    None once a subscription's first state is in (a finished task costs ~0.8 KiB an idle
    subscriber need not keep)."""
    group: Group | None = None
    subscriber: Subscriber | None = None


def public(errors: list[GraphQLError]) -> list[dict[str, Any]]:
    """Errors as the client sees them: our own refusals (GraphQLErrors such as FORBIDDEN) as
    they are, anything unexpected masked like every other response of the API."""
    shown = []
    for error in errors:
        if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
            log.error("subscription failed", exc_info=error.original_error)
            error = GraphQLError("internal error", error.nodes, path=error.path)
        shown.append(dict(error.formatted))
    return shown


def _let_go(running: Running, task: asyncio.Task[None]) -> None:
    if running.task is task:
        running.task = None


class Operations:
    def __init__(
        self,
        hub: Hub,
        dialect: Dialect,
        context: Context,
        put: Put,
        close: Callable[[int, str], None],
    ) -> None:
        self.hub = hub
        self.dialect = dialect
        self.context = context
        self.running: dict[str, Running] = {}
        self._put = put
        self._close = close

    def __contains__(self, operation_id: str) -> bool:
        return operation_id in self.running

    def __len__(self) -> int:
        return len(self.running)

    async def start(self, operation_id: str, operation: Operation) -> None:
        try:
            document = self.hub.documents.get(operation.query)
        except GraphQLError as syntax_error:
            if self.dialect.closes_on_syntax_error:
                self._close(protocols.BAD_MESSAGE, syntax_error.message)
            else:
                self.refuse(operation_id, [syntax_error])
            return
        if isinstance(document, list):
            self.refuse(operation_id, document)
            return
        definition = get_operation_ast(document, operation.operation_name)
        if definition is None:
            self.refuse(operation_id, [GraphQLError("Can't get GraphQL operation type")])
            return
        costing = Costing(
            graphql_core_schema(self.hub.schema),
            document,
            operation.operation_name,
            operation.variables,
        )
        bill = self._charge(operation_id, costing)
        if bill is None:
            return
        if definition.operation is OperationType.SUBSCRIPTION:
            subscription_started(definition, operation.operation_name)  # a log line
            await self._subscribe(operation_id, document, operation)
        else:
            task = asyncio.create_task(self._execute(operation_id, operation, costing, bill))
            self.running[operation_id] = Running(task)
            self.hub.detach(task)

    def _charge(self, operation_id: str, costing: Costing) -> Bill | None:
        """Prices the operation and takes its cost from the caller's bucket (a subscription
        pays once, here, for its snapshot; the changes it is sent later are free). A refusal,
        QUERY_TOO_COMPLEX or THROTTLED, is this operation's `error`: None is returned."""
        limits = self.context.rate_limits
        if limits is None:
            return Bill(0, None, None)
        account = limits.account(self.context.principal, self.context.request)
        charged = charge(limits, account, costing)
        if isinstance(charged, Refusal):
            self.refuse(operation_id, [charged.error])
            return None
        return charged

    def stop(self, operation_id: str) -> None:
        """Ends an operation: a subscription leaves its group; a query or mutation runs to its
        end (a committed change must still be published) with its result dropped."""
        running = self.running.pop(operation_id)
        if running.group is not None and running.subscriber is not None:
            if running.task is not None:
                running.task.cancel()
            self.hub.leave(running.group, running.subscriber)
            if self.context.principal is not None:
                metrics.SUBSCRIPTIONS.labels(self.context.principal.role.value).dec()

    def stop_all(self) -> None:
        for operation_id in list(self.running):
            self.stop(operation_id)

    def refuse(self, operation_id: str, errors: list[GraphQLError]) -> None:
        payload = self.dialect.error_payload(public(errors))
        self._put(self.dialect.frame("error", operation_id, payload), operation_id, None)

    async def _execute(
        self, operation_id: str, operation: Operation, costing: Costing, bill: Bill
    ) -> None:
        result = await self.hub.schema.execute(
            operation.query,
            variable_values=operation.variables,
            context_value=self.context,
            operation_name=operation.operation_name,
            allowed_operation_types=QUERIES_AND_MUTATIONS,
        )
        if (limits := self.context.rate_limits) is not None:
            settle(limits, bill, costing, result.data)
        result.extensions = {**(result.extensions or {}), "cost": bill.extension()}
        running = self.running.get(operation_id)
        if running is None or running.task is not asyncio.current_task():
            return  # stopped, or the connection is gone
        del self.running[operation_id]
        head = self.dialect.result_head(operation_id)
        self._put(head + result_json(result) + "}", operation_id, None)
        self._put(self.dialect.frame("complete", operation_id), operation_id, None)

    async def _subscribe(
        self, operation_id: str, document: DocumentNode, operation: Operation
    ) -> None:
        if problems := input_problems(document, operation.variables):
            self.refuse(operation_id, problems)  # the rule InputHygiene applies to the others
            return
        executor = Executor.build(
            graphql_core_schema(self.hub.schema),
            document,
            context_value=self.context,
            raw_variable_values=operation.variables,
            operation_name=operation.operation_name,
        )
        if isinstance(executor, list):
            self.refuse(operation_id, executor)
            return
        # Runs the field's resolver: the access check, and the feed it follows.
        source = create_source_event_stream(executor)
        if inspect.isawaitable(source):
            source = await source
        if isinstance(source, GraphQLResult):
            self.refuse(operation_id, list(source.errors or []))
            return
        if not isinstance(source, Live) or self.context.principal is None:
            self.refuse(operation_id, [GraphQLError("internal error")])
            return
        subscriber = Subscriber(operation_id, self.dialect.result_head(operation_id), self._put)
        group = self.hub.join(operation, self.context.principal, source, subscriber)
        task = asyncio.create_task(self._snapshot(operation_id, group, subscriber, source.feed))
        running = self.running[operation_id] = Running(task, group, subscriber)
        task.add_done_callback(partial(_let_go, running))
        metrics.SUBSCRIPTIONS.labels(self.context.principal.role.value).inc()

    async def _snapshot(
        self, operation_id: str, group: Group, subscriber: Subscriber, feed: Feed
    ) -> None:
        """Joined first, read second: nothing committed in between is missed, and the group
        drops what the snapshot already holds."""
        try:
            await self.hub.welcome(group, subscriber, feed)
        except asyncio.CancelledError:
            raise
        except StockpoolError as refusal:  # e.g. an unknown channel
            code = {"code": refusal.code.value}
            self._end_with(operation_id, GraphQLError(refusal.message, extensions=code))
        except Exception:
            log.exception("could not read the snapshot of subscription %r", group.key)
            self._end_with(operation_id, GraphQLError("internal error"))

    def _end_with(self, operation_id: str, error: GraphQLError) -> None:
        if operation_id in self.running:
            self.stop(operation_id)
            self.refuse(operation_id, [error])

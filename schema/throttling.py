"""Query cost and rate limits on every request: refused before running when too complex
(QUERY_TOO_COMPLEX) or when its bucket cannot pay (THROTTLED, HTTP 429 with Retry-After);
settled with what it really cost once it has run; reported in `extensions.cost`.

HTTP requests are charged by the `Throttling` schema extension; WebSocket operations by
`schema.realtime.operations` (a subscription once, when it starts), with the same `charge`
and `settle`. The hub's renders of subscription results are never charged: no request
stands behind them (their context has none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.requests import HTTPConnection, Request
from strawberry.extensions import SchemaExtension

from api.client_address import address_group, client_address
from api.settings import Settings
from domain.access import Principal
from domain.throttle import (
    Account,
    Budget,
    LeakyBuckets,
    RoleBudgets,
    Throttled,
    ThrottleStatus,
)
from schema.query_cost import actual_cost, requested_cost
from schema.realtime.graphql_core import graphql_core_schema

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
THROTTLED = "THROTTLED"


class RateLimits:
    """The cost limit and the buckets of one worker process (buckets are not shared between
    workers: with N workers a key may spend up to N budgets)."""

    def __init__(
        self,
        cost_limit: int,
        budgets: RoleBudgets,
        clock: Callable[[], float],
        trusted_proxies: tuple[str, ...] = (),
    ) -> None:
        self.cost_limit = cost_limit
        self.budgets = budgets
        self.buckets = LeakyBuckets(clock)
        self.trusted_proxies = trusted_proxies

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float]) -> RateLimits:
        budgets = RoleBudgets(
            admin=Budget(*settings.rate_limit_admin),
            partner=Budget(*settings.rate_limit_partner),
            storefront=Budget(*settings.rate_limit_storefront),
        )
        return cls(settings.query_cost_limit, budgets, clock, settings.trusted_proxies)

    def account(self, principal: Principal | None, connection: HTTPConnection) -> Account | None:
        if principal is None:
            return None
        address = address_group(
            client_address(
                connection.scope, connection.headers.get("x-forwarded-for"), self.trusted_proxies
            )
        )
        return self.budgets.account(principal, address)

    def limit_for(self, account: Account | None) -> int:
        """A request may never cost more than its bucket holds: it could never run."""
        return self.cost_limit if account is None else min(self.cost_limit, account.budget.size)


@dataclass(slots=True)
class Bill:
    """One request's cost: what it asked for, what it returned, and its bucket after."""

    requested: int
    account: Account | None
    status: ThrottleStatus | None
    actual: int | None = None

    def extension(self) -> dict[str, Any]:
        """`extensions.cost`, shaped as Shopify's (throttleStatus null when unlimited)."""
        status = self.status
        return {
            "requestedQueryCost": self.requested,
            "actualQueryCost": self.actual,
            "throttleStatus": None
            if status is None
            else {
                "maximumAvailable": status.maximum_available,
                "currentlyAvailable": status.currently_available,
                "restoreRate": status.restore_rate,
            },
        }


@dataclass(frozen=True, slots=True)
class Refusal:
    error: GraphQLError
    bill: Bill
    retry_after: int | None = None
    """Whole seconds, for a THROTTLED refusal."""


@dataclass(frozen=True, slots=True)
class Costing:
    """What charging needs of one operation."""

    schema: GraphQLSchema
    document: DocumentNode
    operation_name: str | None
    variables: Mapping[str, Any] | None


def charge(limits: RateLimits, account: Account | None, request: Costing) -> Bill | Refusal:
    """Takes the operation's requested cost from its bucket, or refuses it."""
    limit = limits.limit_for(account)
    requested = requested_cost(
        request.schema, request.document, request.operation_name, request.variables, limit
    )
    status = None if account is None else limits.buckets.status(account.payer, account.budget)
    bill = Bill(requested, account, status)
    if requested > limit:
        message = f"query cost is at least {requested} points; one request may cost {limit}"
        code = {"code": QUERY_TOO_COMPLEX, "cost": requested, "limit": limit}
        return Refusal(GraphQLError(message, extensions=code), bill)
    if account is None:
        return bill
    taken = limits.buckets.take(account.payer, account.budget, requested)
    if isinstance(taken, Throttled):
        bill.status = taken.status
        seconds = taken.retry_after_seconds
        message = f"throttled: {requested} points asked, {taken.status.currently_available} "
        message += f"available; retry in {seconds} s"
        code = {"code": THROTTLED, "retryAfter": seconds}
        return Refusal(GraphQLError(message, extensions=code), bill, seconds)
    bill.status = taken
    return bill


def settle(limits: RateLimits, bill: Bill, request: Costing, data: Any) -> None:
    """Once the operation has run: its actual cost, refunded or charged to its bucket."""
    bill.actual = actual_cost(
        request.schema, request.document, request.operation_name, request.variables, data
    )
    if bill.account is not None:
        account = bill.account
        bill.status = limits.buckets.settle(
            account.payer, account.budget, bill.requested, bill.actual
        )


class Throttling(SchemaExtension):
    """Charges HTTP requests (WebSocket operations are charged where they start)."""

    _bill: Bill | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        http = getattr(context, "request", None)
        limits: RateLimits | None = getattr(context, "rate_limits", None)
        document = self.execution_context.graphql_document
        if not isinstance(http, Request) or limits is None or document is None:
            yield
            return
        request = Costing(
            graphql_core_schema(self.execution_context.schema),
            document,
            self.execution_context.operation_name,
            self.execution_context.variables,
        )
        charged = charge(limits, limits.account(context.principal, http), request)
        if isinstance(charged, Refusal):
            self._bill = charged.bill
            self.execution_context.result = GraphQLExecutionResult(None, [charged.error])
            if charged.retry_after is not None and context.response is not None:
                context.response.status_code = 429
                context.response.headers["Retry-After"] = str(charged.retry_after)
            yield
            return
        self._bill = charged
        yield
        result = self.execution_context.result
        settle(limits, charged, request, getattr(result, "data", None))

    def get_results(self) -> dict[str, Any]:
        bill = self._bill or self._nothing_run()
        return {} if bill is None else {"cost": bill.extension()}

    def _nothing_run(self) -> Bill | None:
        """The bill of an HTTP request that failed before running (it costs nothing)."""
        context = self.execution_context.context
        http = getattr(context, "request", None)
        limits: RateLimits | None = getattr(context, "rate_limits", None)
        if not isinstance(http, Request) or limits is None:
            return None
        account = limits.account(context.principal, http)
        status = None if account is None else limits.buckets.status(account.payer, account.budget)
        return Bill(0, account, status, 0)

"""Every Prometheus metric of stockpool, defined once, with the few functions that record them.

Recording is a counter increment or a histogram observation: no I/O, no allocation beyond
a label lookup. Label values come from small fixed sets (roles, error codes, topics,
outcomes, the schema's root fields), never from what a client chooses freely.

With several workers (`stockpool serve --workers N`) prometheus-client's multi-process mode
keeps each worker's values in files under PROMETHEUS_MULTIPROC_DIR, and a scrape adds them up
(api/observability/multiprocess.py); gauges say how (`livesum`: the sum over live workers,
`livemin`: the lowest). What the database knows (alerts, the webhook outbox) is read at
scrape time instead (api/observability/exposition.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from sqlalchemy import event

from domain.alerts import Alert, AlertType
from domain.reservations import ReserveStock

if TYPE_CHECKING:
    from api.database.engine import Database

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
"""prometheus-client decides at import whether values live in files; so does this module."""

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series: Prometheus reads counter resets itself

DELAY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
"""Seconds: from a fraction of a millisecond to the one second a change must take at most."""

REQUESTS = Counter(
    "stockpool_requests",
    "GraphQL queries and mutations (HTTP and WebSocket) by operation (the root fields "
    "asked for) and outcome.",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "stockpool_request_duration_seconds",
    "How long a GraphQL query or mutation took, from parsing to its result.",
    ["operation"],
    buckets=DELAY_BUCKETS,
)
RESERVATIONS = Counter(
    "stockpool_reservations",
    "reserveStock answers: held, or the code it was refused with.",
    ["outcome"],
)
UNITS_OVERSOLD = Counter(
    "stockpool_units_oversold",
    "Units channels reported sold that were not in stock (recordChannelSale), by channel.",
    ["channel"],
)
GROUP_COMMIT_BATCH = Histogram(
    "stockpool_group_commit_batch_size",
    "Holds decided together in one group-commit transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
COMMIT_TO_PUBLISH = Histogram(
    "stockpool_commit_to_publish_seconds",
    "From a transaction's commit to the bus server having taken everything it changed.",
    buckets=DELAY_BUCKETS,
)
PUBLISH_TO_SOCKET = Histogram(
    "stockpool_publish_to_socket_seconds",
    "From a change's publication on the bus until a worker has handed its frames to every "
    "subscribed WebSocket, by bus topic (the publishing and the receiving machine's clocks).",
    ["topic"],
    buckets=DELAY_BUCKETS,
)
WEBSOCKET_CONNECTIONS = Gauge(
    "stockpool_websocket_connections",
    "Open WebSocket connections whose key was accepted, by role.",
    ["role"],
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS = Gauge(
    "stockpool_subscriptions",
    "Running GraphQL subscriptions, by the role of their key.",
    ["role"],
    multiprocess_mode="livesum",
)
BUS_UP = Gauge(
    "stockpool_bus_up",
    "1 while the event bus works for every worker (subscribed, and the server answered the "
    "last publish or ping), else 0.",
    multiprocess_mode="livemin",
)
DB_CONNECTIONS_IN_USE = Gauge(
    "stockpool_db_connections_in_use",
    "Database connections checked out of the pools, by pool (SQLite: read and write; "
    "PostgreSQL: shared).",
    ["pool"],
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_MAX = Gauge(
    "stockpool_db_connections_max",
    "The most connections the pools may open (pool size and overflow), by pool.",
    ["pool"],
    multiprocess_mode="livesum",
)
WEBHOOK_DELIVERIES = Counter(
    "stockpool_webhook_deliveries",
    "Webhook delivery attempts, by outcome: delivered (2xx), http_error (another status), "
    "no_answer (refused target, timeout, network).",
    ["outcome"],
)

HELD = "held"


def _children(metric: Any) -> Callable[..., Any]:
    """`metric.labels(...)`, kept: the label sets are few, and a lookup in a dict costs a
    fraction of what `labels` does (it checks and builds its key on every call)."""
    kept: dict[tuple[str, ...], Any] = {}

    def child(*labels: str) -> Any:
        found = kept.get(labels)
        if found is None:
            found = kept[labels] = metric.labels(*labels)
        return found

    return child


_requests = _children(REQUESTS)
_request_seconds = _children(REQUEST_SECONDS)
_reservations = _children(RESERVATIONS)
_publish_to_socket = _children(PUBLISH_TO_SOCKET)
_webhook_deliveries = _children(WEBHOOK_DELIVERIES)


def request_done(operation: str, outcome: str, seconds: float) -> None:
    _requests(operation, outcome).inc()
    _request_seconds(operation).observe(seconds)


def command_answered(command: Any, refusal_code: str | None) -> None:
    """The dispatcher answered `command`: None, or the code of the refusal it raised."""
    if isinstance(command, ReserveStock):
        _reservations(refusal_code or HELD).inc()


def committed(alerts: Iterable[Alert]) -> None:
    """A transaction committed raising `alerts`: an OVERSELL one says how many units a sale
    found no stock for (a replayed sale raises none)."""
    for alert in alerts:
        if alert.type is AlertType.OVERSELL and alert.channel is not None:
            units = alert.details.get("oversold")
            if isinstance(units, int) and units > 0:
                UNITS_OVERSOLD.labels(alert.channel).inc(units)


def webhook_attempts(outcomes: Iterable[tuple[int | None, bool]]) -> None:
    """(status code or None, delivered) of each attempt."""
    for status, delivered in outcomes:
        outcome = "delivered" if delivered else "no_answer" if status is None else "http_error"
        _webhook_deliveries(outcome).inc()


def delivered(topic: str, published_at: Any) -> None:
    """A bus message published at `published_at` (epoch seconds) is on its way to every
    socket of this worker that wants it."""
    if isinstance(published_at, float | int):
        _publish_to_socket(topic).observe(max(0.0, time.time() - published_at))


def bus_up(up: bool) -> None:
    BUS_UP.set(1 if up else 0)


def watch_database(database: Database) -> Callable[[], None]:
    """Counts the connections checked out of `database`'s pools as they come and go (a
    scrape could only read the pools of the worker it reaches; counted, every worker's add
    up). Returns what to call when the database is disposed of."""
    pools = {"shared": database.reader} if database.writer is database.reader else {}
    pools = pools or {"read": database.reader, "write": database.writer}
    capacities = {name: _capacity(engine.sync_engine.pool) for name, engine in pools.items()}
    for name, engine in pools.items():
        _count_checkouts(engine.sync_engine, DB_CONNECTIONS_IN_USE.labels(name))
        DB_CONNECTIONS_MAX.labels(name).inc(capacities[name])

    def unwatch() -> None:
        for name, capacity in capacities.items():
            DB_CONNECTIONS_MAX.labels(name).dec(capacity)

    return unwatch


def _count_checkouts(engine: Any, in_use: Gauge) -> None:
    """Sets the gauge from the pool's own count, so connections taken before the watch began
    never make it drift (at `checkin` the pool still counts the connection coming back). The
    engine's pool is read each time: disposing of the engine replaces it (keeping these
    listeners)."""
    pool = engine.pool
    if not hasattr(pool, "checkedout"):
        event.listen(pool, "checkout", lambda *_: in_use.inc())
        event.listen(pool, "checkin", lambda *_: in_use.dec())
        return
    event.listen(pool, "checkout", lambda *_: in_use.set(engine.pool.checkedout()))
    event.listen(pool, "checkin", lambda *_: in_use.set(engine.pool.checkedout() - 1))


def _capacity(pool: Any) -> int:
    """A queue pool's size and overflow (SQLAlchemy names no public accessor for the latter)."""
    size = pool.size() if hasattr(pool, "size") else 0
    return int(size + max(0, getattr(pool, "_max_overflow", 0)))

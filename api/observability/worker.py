"""What each worker does for its metrics while it runs: counts its database connections,
and leaves the sums of live gauges when it stops (api/observability/multiprocess.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.database.engine import Database
from api.observability import metrics, multiprocess


@contextmanager
def observed(database: Database) -> Iterator[None]:
    multiprocess.worker_started()
    unwatch = metrics.watch_database(database)
    metrics.bus_up(True)
    try:
        yield
    finally:
        unwatch()
        multiprocess.worker_stopped()

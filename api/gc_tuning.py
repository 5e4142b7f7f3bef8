"""Garbage collection for a server holding thousands of long-lived connections.

CPython's cyclic collector walks every tracked object of a generation; with 10,000 open
WebSockets a full collection takes long enough to delay a fan-out by hundreds of
milliseconds (measured: fan-out p99 to 1,000 subscribers 167 to 224 ms with the defaults,
54 to 59 ms with these settings). What exists at startup (modules, the schema) is frozen out of
collection, and collections run far less often; reference counting still frees almost
everything at once, only cycles wait longer.

Connections themselves leave no cycle (schema/realtime/sender.py), but the libraries under
them do (the event loop's transports, uvicorn's HTTP protocol, graphql-core's executors):
about 1 KiB per connection that lived long enough to reach the oldest generation, which
these thresholds almost never collect (rounds of 2,000 connect/subscribe/drop: +2 MiB of
RSS a round). So a full collection also runs once every `COLLECT_AFTER_CLOSED` closed
connections, at most once every `COLLECT_AT_MOST_EVERY` seconds: RSS then stays flat."""

from __future__ import annotations

import gc
import logging
import time

YOUNG_THRESHOLD = 50_000
MIDDLE_THRESHOLD = 50
OLD_THRESHOLD = 1_000
COLLECT_AFTER_CLOSED = 1_000
COLLECT_AT_MOST_EVERY = 10.0
"""Seconds: a storm of closing connections costs one full collection per interval."""

log = logging.getLogger(__name__)


class _Churn:
    closed = 0
    last_collection = 0.0


def tune_for_long_lived_connections() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


def connection_closed() -> None:
    """Counts a closed WebSocket; collects what the closed ones left when enough have."""
    _Churn.closed += 1
    now = time.monotonic()
    if _Churn.closed < COLLECT_AFTER_CLOSED or now - _Churn.last_collection < COLLECT_AT_MOST_EVERY:
        return
    _Churn.closed, _Churn.last_collection = 0, now
    found = gc.collect()
    log.debug("collected %d objects in %.0f ms", found, (time.monotonic() - now) * 1000)

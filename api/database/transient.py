"""Transactions PostgreSQL aborts only because of timing: run them again.

A deadlock (two transactions locking the same rows in opposite orders, e.g. a sale that
preempts a hold whose lines lie on levels it had not locked) or a serialization failure
rolls the whole transaction back and leaves nothing written, so running it again is safe
and, once the other transaction has committed, succeeds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected, serialization_failure."""
ATTEMPTS = 4


def is_transient(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


async def retrying_transient(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()` (one whole transaction), again after a short pause when the database
    aborted it as a deadlock or serialization failure, up to ATTEMPTS times."""
    for number in range(1, ATTEMPTS + 1):
        try:
            return await attempt()
        except DBAPIError as error:
            if not is_transient(error) or number == ATTEMPTS:
                raise
            log.info("transaction aborted (%s), running it again", error.orig.sqlstate)  # type: ignore[union-attr]
            await asyncio.sleep(0.005 * number)
    raise AssertionError("unreachable")

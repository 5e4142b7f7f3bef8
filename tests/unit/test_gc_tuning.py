"""Cyclic garbage that closed connections leave is collected after enough of them closed, at
most once per interval."""

from __future__ import annotations

import gc
import weakref

from api import gc_tuning


class Cycle:
    def __init__(self) -> None:
        self.me = self


def garbage_cycle() -> weakref.ref[Cycle]:
    return weakref.ref(Cycle())


def test_a_full_collection_runs_after_enough_closed_connections_and_not_again_too_soon(
    monkeypatch,
):
    monkeypatch.setattr(gc_tuning, "COLLECT_AFTER_CLOSED", 3)
    monkeypatch.setattr(gc_tuning, "COLLECT_AT_MOST_EVERY", 3600.0)
    monkeypatch.setattr(gc_tuning._Churn, "closed", 0)
    monkeypatch.setattr(gc_tuning._Churn, "last_collection", -1e9)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        first = garbage_cycle()
        gc_tuning.connection_closed()
        gc_tuning.connection_closed()
        assert first() is not None
        gc_tuning.connection_closed()
        assert first() is None
        second = garbage_cycle()
        for _ in range(6):
            gc_tuning.connection_closed()
        assert second() is not None  # within the interval: no second collection
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()

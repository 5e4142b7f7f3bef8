"""The order in which `make test`'s two processes get the tests (`pytest -n 2 --dist
worksteal`): the few tests that run for minutes first, spread over the processes.

Worksteal hands each process an equal run of the collected tests, in order, and an idle
process then takes the second half of what another still has queued. A test of several
minutes queued late, or several of them queued one after another in one process, would make
the whole run wait on that process alone; started first, one or two per process, they run
while the other tests are shared out around them. Only the order changes: the same tests
run, each as it is."""

from __future__ import annotations

import itertools
import os

import pytest

LONG_RUNNING = ("tests/integration/test_reservation_state_machine.py",)
"""Modules whose tests run for minutes each (the Hypothesis state machines)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After -m and -k have deselected what they do: the order for worksteal."""
    spread_long_tests(config, items)


def spread_long_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Reorders `items` in place when they are collected by a worksteal worker."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2 or not _work_stealing(config):
        return
    long = [item for item in items if item.nodeid.startswith(LONG_RUNNING)]
    if not long:
        return
    others = [item for item in items if not item.nodeid.startswith(LONG_RUNNING)]
    ordered: list[pytest.Item] = []
    pending = len(items)
    for worker in range(workers):
        # The scheduler's first split: each idle worker gets len(pending) // workers left.
        share = pending // (workers - worker)
        pending -= share
        own = long[worker::workers]
        taken = max(0, share - len(own))
        ordered += own + others[:taken]
        del others[:taken]
    items[:] = ordered + others


def _work_stealing(config: pytest.Config) -> bool:
    """Whether the run distributes by worksteal (a worker's own `dist` option reads "no": the
    controller's command line tells)."""
    workerinput = getattr(config, "workerinput", {})
    argv = [str(arg) for arg in workerinput.get("mainargv", ())]
    return "--dist=worksteal" in argv or any(
        flag == "--dist" and value == "worksteal" for flag, value in itertools.pairwise(argv)
    )

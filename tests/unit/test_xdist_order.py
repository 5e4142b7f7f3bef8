"""make test's order of the tests for two worksteal processes: the minutes-long tests first,
one or more at the head of each process's share; the same tests, nothing else moved."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.xdist_order import LONG_RUNNING, spread_long_tests

LONG = LONG_RUNNING[0]


def _items() -> list[Any]:
    names = [f"tests/api/test_a.py::t{n}" for n in range(7)]
    names[3:3] = [f"{LONG}::sqlite[{p}]" for p in ("gc", "one")]
    names += [f"{LONG}::postgres[{p}]" for p in ("gc", "one")] + ["tests/unit/test_z.py::t"]
    return [SimpleNamespace(nodeid=name) for name in names]


def _worker(*argv: str) -> Any:
    return SimpleNamespace(workerinput={"mainargv": [".venv/bin/pytest", *argv]})


def _ids(items: list[Any]) -> list[str]:
    return [item.nodeid for item in items]


def test_each_worksteal_share_starts_with_its_long_tests(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    items = _items()
    spread_long_tests(_worker("-n", "2", "--dist", "worksteal"), items)
    first, second = _ids(items[: len(items) // 2]), _ids(items[len(items) // 2 :])
    assert first[:2] == [f"{LONG}::sqlite[gc]", f"{LONG}::postgres[gc]"]
    assert second[:2] == [f"{LONG}::sqlite[one]", f"{LONG}::postgres[one]"]
    others = [name for name in _ids(_items()) if not name.startswith(LONG)]
    assert first[2:] + second[2:] == others


@pytest.mark.parametrize(
    ("workers", "argv"),
    [
        ("2", ("-n", "2")),
        ("2", ("-n", "2", "--dist=load")),
        ("0", ()),
        ("1", ("--dist=worksteal",)),
    ],
)
def test_other_runs_keep_the_collected_order(
    monkeypatch: pytest.MonkeyPatch, workers: str, argv: tuple[str, ...]
):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
    items = _items()
    spread_long_tests(_worker(*argv), items)
    assert _ids(items) == _ids(_items())

"""Several workers, one set of metrics: prometheus-client's multi-process mode.

`stockpool serve --workers N` (N > 1) makes a fresh directory for each server start (in the
system's temporary directory, TMPDIR) and names it in PROMETHEUS_MULTIPROC_DIR before the
workers start: each worker keeps its values in files there, and a scrape, whichever worker
it reaches, adds them all up. A worker that stops takes its live gauges with it
(`mark_process_dead`); one that died without stopping is cleared by the next worker to
start (uvicorn starts a replacement at once). Counters and histograms of workers that are
gone stay in the sums, as Prometheus expects of counters."""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile

from prometheus_client import multiprocess

from api.observability.metrics import MULTIPROCESS

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


PREFIX = "stockpool-metrics-"


def prepare(workers: int) -> str | None:
    """For more than one worker: a fresh directory, named in the environment the workers
    inherit (whatever PROMETHEUS_MULTIPROC_DIR said before: files of an earlier run would
    add up with this one's). Returns it, to remove once the server has stopped."""
    if workers <= 1:
        return None
    path = tempfile.mkdtemp(prefix=PREFIX)
    os.environ[ENVIRONMENT] = path
    return path


def remove(path: str | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
        if os.environ.get(ENVIRONMENT) == path:
            del os.environ[ENVIRONMENT]


def worker_started() -> None:
    """Clears the live gauges of workers that died without stopping."""
    path = os.environ.get(ENVIRONMENT)
    if not MULTIPROCESS or not path:
        return
    for pid in _pids_with_live_gauges(path) - {os.getpid()}:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def worker_stopped() -> None:
    """This worker's live gauges leave the sums."""
    path = os.environ.get(ENVIRONMENT)
    if MULTIPROCESS and path:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


def _pids_with_live_gauges(path: str) -> set[int]:
    found = (_LIVE_GAUGE_FILE.search(name) for name in glob.glob(os.path.join(path, "*.db")))
    return {int(match.group(1)) for match in found if match}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to clear
    return True

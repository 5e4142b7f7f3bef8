"""Many buyers at once, from a separate process: every buyer opens its own connection first,
then all send their one request together. Prints one `BENCH_RESULT {json}` line: each
buyer's outcome (held, a userError code, an error), latency percentiles and the wall time
from the start signal to the last answer.

Usage: python -m bench.burst '{"url": ..., "body": ..., "headers": [[name, value]],
"buyers": 1000}' (each `__ORDER__` in the body becomes the buyer's number)."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from bench.pyload import ORDER, _read_answer, _request

ANSWER_TIMEOUT = 120.0


def _outcome(status: int, body: bytes) -> str:
    if not 200 <= status <= 299:
        return f"HTTP {status}"
    document = json.loads(body)
    if document.get("errors"):
        return "GraphQL error"
    payload = next(iter(document["data"].values()))
    if payload["userErrors"]:
        return ",".join(sorted({error["code"] for error in payload["userErrors"]}))
    return "held" if payload.get("reservation") else "no reservation"


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(spec["url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    buyers = int(spec["buyers"])
    start = asyncio.Event()
    ready = asyncio.Event()
    arrived = 0
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    finished: list[float] = []

    def arrive() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == buyers:
            ready.set()

    async def buyer(number: int) -> None:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as error:
            outcomes[f"connect {type(error).__name__}"] += 1
            arrive()
            return
        try:
            request = _request(
                url.netloc, url.path, spec["headers"], spec["body"].replace(ORDER, str(number))
            )
            arrive()
            await start.wait()
            sent = time.perf_counter()
            writer.write(request)
            status, body = await asyncio.wait_for(_read_answer(reader), ANSWER_TIMEOUT)
            done = time.perf_counter()
            latencies.append(done - sent)
            finished.append(done)
            outcomes[_outcome(status, body)] += 1
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            outcomes[f"socket {type(error).__name__}"] += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(buyer(n)) for n in range(buyers)]
    # Every connection is open (or failed to) before the race starts.
    await asyncio.wait_for(ready.wait(), timeout=60)
    fired = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    ordered = sorted(latencies)

    def percentile(fraction: float) -> float:
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {
        "buyers": buyers,
        "outcomes": dict(outcomes),
        "wall_seconds": (max(finished) - fired) if finished else 0.0,
        "p50_ms": percentile(0.5) * 1000,
        "p99_ms": percentile(0.99) * 1000,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = int(spec["buyers"]) + 100
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    print("BENCH_RESULT " + json.dumps(asyncio.run(run(spec))), flush=True)


if __name__ == "__main__":
    main()

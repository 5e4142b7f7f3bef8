"""A small HTTP/1.1 keep-alive load generator, for machines without wrk: one process, one
event loop, `connections` sockets each sending its next request as soon as the last answer
arrived, for `seconds`. Prints one `BENCH_RESULT {json}` line like the wrk script does.

Usage: python -m bench.pyload '{"url": ..., "body": ..., "headers": [[name, value]],
"connections": 64, "seconds": 10}'"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ORDER = "__ORDER__"
USER_ERRORS = re.compile(rb'"userErrors"\s*:\s*\[\s*\{')


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    user_errors: int = 0
    graphql_errors: int = 0
    non_2xx: int = 0
    socket_errors: int = 0

    def count(self, status: int, body: bytes) -> None:
        if not 200 <= status <= 299:
            self.non_2xx += 1
        elif b'"errors"' in body:
            self.graphql_errors += 1
        elif USER_ERRORS.search(body):
            self.user_errors += 1
        else:
            self.ok += 1


def _request(host: str, path: str, headers: list[list[str]], body: str) -> bytes:
    payload = body.encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _connection(number: int, spec: dict, deadline: float, tally: Tally) -> None:
    url = urlsplit(spec["url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    template: str = spec["body"]
    sent = 0
    while time.perf_counter() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            tally.socket_errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while time.perf_counter() < deadline:
                sent += 1
                body = template.replace(ORDER, f"{number}-{sent}")
                started = time.perf_counter()
                writer.write(_request(url.netloc, url.path or "/", spec["headers"], body))
                status, answer = await asyncio.wait_for(_read_answer(reader), timeout=30)
                tally.latencies.append(time.perf_counter() - started)
                tally.count(status, answer)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            tally.socket_errors += 1
        finally:
            writer.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(spec: dict) -> dict:
    tally = Tally()
    started = time.perf_counter()
    deadline = started + float(spec["seconds"])
    await asyncio.gather(
        *(_connection(n, spec, deadline, tally) for n in range(int(spec["connections"])))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(tally.latencies)
    return {
        "requests": len(ordered),
        "duration_us": int(elapsed * 1e6),
        "p50_us": int(_percentile(ordered, 0.50) * 1e6),
        "p99_us": int(_percentile(ordered, 0.99) * 1e6),
        "ok": tally.ok,
        "user_errors": tally.user_errors,
        "graphql_errors": tally.graphql_errors,
        "non_2xx": tally.non_2xx,
        "socket_errors": tally.socket_errors,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    try:
        import uvloop

        result = uvloop.run(run(spec))
    except ImportError:
        result = asyncio.run(run(spec))
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

"""HTTP load from a separate process: wrk with a Lua script when it is installed, else the
Python generator in bench.pyload. Both count each answer as ok, a GraphQL userError, a
top-level GraphQL error or a non-2xx status, and report latency percentiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.config import ROOT

ORDER = "__ORDER__"
"""Placeholder in a request body, replaced by a value unique to each request."""
RESULT_PREFIX = "BENCH_RESULT "


@dataclass(frozen=True, slots=True)
class Load:
    url: str
    body: str
    """JSON text; each occurrence of ORDER is replaced per request (`<thread>-<n>`)."""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    ok: int
    user_errors: int
    graphql_errors: int
    non_2xx: int
    socket_errors: int
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def counts(self) -> str:
        return (
            f"{self.ok:,} ok, {self.user_errors:,} userErrors, {self.graphql_errors:,} GraphQL "
            f"errors, {self.non_2xx:,} non-2xx, {self.socket_errors:,} socket errors"
        )


def use_wrk() -> bool:
    """wrk when installed, unless BENCH_LOADGEN=python asks for the Python generator."""
    return os.environ.get("BENCH_LOADGEN", "wrk") != "python" and shutil.which("wrk") is not None


def tool_name() -> str:
    return "wrk" if use_wrk() else "bench.pyload"


def run_load(load: Load, connections: int, seconds: float, threads: int = 1) -> LoadResult:
    if use_wrk():
        return _wrk(load, connections, seconds, threads)
    return _python(load, connections, seconds)


def _lua_string(text: str) -> str:
    level = "=" * 4
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


LUA = """-- written by bench/loadgen.py
local prefix = %(prefix)s
local suffix = %(suffix)s
local unique = %(unique)s
local threads = {}
counter, ok, user_errors, graphql_errors, non_2xx = 0, 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  wrk.method = "POST"
  wrk.body = prefix
%(headers)s
end

if unique then
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, prefix .. id .. "-" .. counter .. suffix)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  elseif string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  elseif string.find(body, '"userErrors"%%s*:%%s*%%[%%s*{') then
    user_errors = user_errors + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, user_errors = 0, graphql_errors = 0, non_2xx = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    '%(result)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"ok": %%d, "user_errors": %%d, "graphql_errors": %%d, "non_2xx": %%d, '
    .. '"socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    totals.ok, totals.user_errors, totals.graphql_errors, totals.non_2xx,
    e.connect + e.read + e.write + e.timeout))
end
"""


def lua_script(load: Load) -> str:
    prefix, _, suffix = load.body.partition(ORDER)
    headers = [("Content-Type", "application/json"), *load.headers]
    return LUA % {
        "prefix": _lua_string(prefix),
        "suffix": _lua_string(suffix.replace(ORDER, "x")),
        "unique": "true" if ORDER in load.body else "false",
        "headers": "\n".join(
            f"  wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}"
            for name, value in headers
        ),
        "result": RESULT_PREFIX,
    }


def parse_result(output: str, tool: str) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            found = json.loads(line[len(RESULT_PREFIX) :])
            return LoadResult(
                requests=found["requests"],
                seconds=found["duration_us"] / 1e6,
                p50_ms=found["p50_us"] / 1000,
                p99_ms=found["p99_us"] / 1000,
                ok=found["ok"],
                user_errors=found["user_errors"],
                graphql_errors=found["graphql_errors"],
                non_2xx=found["non_2xx"],
                socket_errors=found["socket_errors"],
                tool=tool,
            )
    raise RuntimeError(f"{tool} printed no result:\n{output}")


def _wrk(load: Load, connections: int, seconds: float, threads: int) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(load))
    try:
        done = subprocess.run(
            [
                "wrk",
                f"-t{max(1, min(threads, connections))}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                load.url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    return parse_result(done.stdout + done.stderr, "wrk")


def _python(load: Load, connections: int, seconds: float) -> LoadResult:
    spec = {
        "url": load.url,
        "body": load.body,
        "headers": [["Content-Type", "application/json"], *map(list, load.headers)],
        "connections": connections,
        "seconds": seconds,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.pyload", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    return parse_result(done.stdout + done.stderr, "bench.pyload")

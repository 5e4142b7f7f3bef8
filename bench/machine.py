"""The machine a run happened on, for the header of docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.config import ROOT
from bench.loadgen import use_wrk


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _command_output(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else ""


def _wrk_version() -> str:
    if not use_wrk():
        return "bench/pyload.py (wrk not installed, or BENCH_LOADGEN=python)"
    # `wrk -v` prints its version and exits 1.
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].split(" Copyright")[0] if text else "unknown"


async def _postgres_version(admin_url: str) -> str:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(admin_url), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"not reachable ({type(error).__name__})"
    try:
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


def describe(postgres_admin_url: str) -> list[tuple[str, str]]:
    commit = _command_output("git", "rev-parse", "--short", "HEAD")
    return [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("RAM", _memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", asyncio.run(_postgres_version(postgres_admin_url))),
        ("load generator", _wrk_version()),
        ("checkout", f"{commit} (plus any uncommitted changes)" if commit else "unknown"),
    ]

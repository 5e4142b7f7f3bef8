"""Server processes the bench starts and stops itself: `stockpool serve` and the plain
Starlette app, each in its own process group so that workers never outlive a run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.config import ROOT

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stockpool_command() -> list[str]:
    """The installed `stockpool` script next to this Python, else the same entry point."""
    script = Path(sys.executable).with_name("stockpool")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "api.cli"]


def stockpool_env(
    database_url: str,
    admin_token: str,
    broadcast_url: str = "memory://",
    log_level: str = "warning",
    bus_prefix: str = "stockpool-bench",
) -> dict[str, str]:
    return {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_ADMIN_TOKEN": admin_token,
        "STOCKPOOL_BROADCAST_URL": broadcast_url,
        "STOCKPOOL_LOG_LEVEL": log_level,
        "STOCKPOOL_BUS_PREFIX": bus_prefix,
        "PYTHONUNBUFFERED": "1",
    }


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [*stockpool_command(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"stockpool migrate failed:\n{done.stdout}{done.stderr}")


@contextmanager
def serve(command: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[Server]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield Server(process, port, log)
        finally:
            stop(process)


@contextmanager
def stockpool_server(env: dict[str, str], log: Path, workers: int = 1) -> Iterator[Server]:
    """`stockpool serve` on a free port, ready to answer (with info logging, every worker
    has finished its startup too)."""
    port = free_port()
    command = [*stockpool_command(), "serve", "--port", str(port), "--workers", str(workers)]
    with serve(command, env, log, port) as server:
        wait_until_ready(server, workers if env.get("STOCKPOOL_LOG_LEVEL") == "info" else 0)
        yield server


@contextmanager
def plain_starlette_server(log: Path, log_level: str, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.plain_app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        log_level,
    ]
    with serve(command, {**os.environ, "PYTHONUNBUFFERED": "1"}, log, port) as server:
        wait_until_ready(server, 0)
        yield server


def wait_until_ready(server: Server, started_workers: int) -> None:
    """`/healthz` answers 200 and, when `started_workers` is set, that many workers logged
    that their startup (the lifespan) completed."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=2.0) as http:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {server.process.returncode}:\n{server.output()}"
                )
            healthy = False
            with suppress(httpx.TransportError):
                healthy = http.get("/healthz").status_code == 200
            started = server.output().count("Application startup complete")
            if healthy and started >= started_workers:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server was not ready within {STARTUP_TIMEOUT:.0f} s:\n{server.output()}"
                )
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (supervisor and workers), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=STOP_TIMEOUT)
            break
        except subprocess.TimeoutExpired:
            continue
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)

"""The real `stockpool serve --workers 2` against one PostgreSQL database, driven over HTTP.

Two server processes each hold their own connection pool, so the only thing between them
and an oversold unit is the database: 200 concurrent holds of one unit each against 50 units
must hold exactly 50, refuse 150 with INSUFFICIENT_STOCK, and leave counters that equal the
ledger replay."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from api.database.engine import Database
from api.database.tables import metadata

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WORKERS = 2
UNITS = 50
ORDERS = 200
CONNECTIONS = 64
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

RESERVE = """
mutation($order: String!) {
  reserveStock(input: {channel: "web", orderRef: $order, lines: [{sku: "TEE", quantity: 1}]}) {
    reservation { id status lines { sku location quantity } }
    userErrors { field message code }
  }
}
"""


async def _empty(url: str) -> None:
    """The PostgreSQL database is shared by the whole run: start from empty tables."""
    database = Database(url)
    try:
        async with database.transaction() as conn:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(delete(table))
    finally:
        await database.dispose()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes: children of the supervisor started by multiprocessing."""
        return [
            pid
            for pid in _children(self.process.pid)
            if "spawn_main" in _cmdline(pid) and "resource_tracker" not in _cmdline(pid)
        ]


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _established_connections(pids: list[int], port: int) -> Counter[int]:
    """How many established TCP connections to `port` each process holds open, from /proc."""
    inodes: dict[str, int] = {}
    for pid in pids:
        fds = Path("/proc") / str(pid) / "fd"
        for fd in fds.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[len("socket:[") : -1]] = pid
    held: Counter[int] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            established = fields[3] == "01"
            if established and local_port == port and fields[9] in inodes:
                held[inodes[fields[9]]] += 1
    return held


@contextmanager
def _serve(database_url: str, redis_url: str, admin_token: str, log: Path) -> Iterator[Server]:
    port = _free_port()
    env = {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_ADMIN_TOKEN": admin_token,
        "STOCKPOOL_BROADCAST_URL": redis_url,
        "STOCKPOOL_BUS_PREFIX": f"e2e-{uuid.uuid4().hex[:12]}",
        "STOCKPOOL_LOG_LEVEL": "info",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield Server(process, port, log)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole process group (supervisor and workers), SIGKILL if it lingers."""
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.returncode is None:
        process.wait(timeout=STOP_TIMEOUT)
    # Workers are in the same group: make sure none outlives the supervisor.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def _wait_until_ready(server: Server) -> None:
    """`/healthz` answers 200 and every worker has finished its startup (its lifespan ran)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with httpx.AsyncClient(base_url=server.base_url, timeout=2.0) as http:
        while True:
            if server.process.poll() is not None:
                pytest.fail(
                    f"the server exited with {server.process.returncode}:\n{server.output()}",
                    pytrace=False,
                )
            healthy = False
            with suppress(httpx.TransportError):
                healthy = (await http.get("/healthz")).status_code == 200
            started = server.output().count("Application startup complete")
            if healthy and started >= WORKERS and len(server.worker_pids()) == WORKERS:
                return
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the server was not ready within {STARTUP_TIMEOUT:.0f} s "
                    f"(healthy={healthy}, workers started={started}):\n{server.output()}",
                    pytrace=False,
                )
            await asyncio.sleep(0.1)


class GraphQL:
    """GraphQL over HTTP with the admin key; `http` is the client, for raw responses."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful response; fails the test on any top-level error."""
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@asynccontextmanager
async def _graphql(server: Server, token: str, **options: Any) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(
        base_url=server.base_url,
        headers={"authorization": f"Bearer {token}"},
        timeout=30.0,
        **options,
    ) as http:
        yield GraphQL(http)


async def _seed(gql: GraphQL) -> None:
    steps = [
        ("createLocation", 'createLocation(input: {code: "WH", name: "Warehouse"})'),
        ("createSku", 'createSku(input: {code: "TEE", name: "Tee"})'),
        ("createChannel", 'createChannel(input: {code: "web", name: "Web", kind: WEBSTORE})'),
        (
            "setChannelLocations",
            'setChannelLocations(input: {channel: "web", locations: ["WH"]})',
        ),
        (
            "receiveStock",
            f'receiveStock(input: {{sku: "TEE", location: "WH", quantity: {UNITS}}})',
        ),
    ]
    for name, field in steps:
        data = await gql(f"mutation {{ {field} {{ userErrors {{ field message code }} }} }}")
        assert data[name]["userErrors"] == [], (name, data[name]["userErrors"])


async def test_two_workers_on_one_postgres_hold_exactly_the_units_there_are(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    if not _has_proc():
        pytest.skip("finds the worker processes through /proc")
    await _empty(postgres_url)
    token = secrets.token_urlsafe(24)

    with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
        await _wait_until_ready(server)
        workers = server.worker_pids()
        assert len(workers) == WORKERS, server.output()

        async with _graphql(server, token) as gql:
            await _seed(gql)

        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with _graphql(server, token, limits=limits) as burst:
            responses = await asyncio.gather(
                *(
                    burst.http.post(
                        "/graphql", json={"query": RESERVE, "variables": {"order": f"o-{i}"}}
                    )
                    for i in range(ORDERS)
                )
            )
            # The burst's connections are still open: see which worker accepted each one.
            served_by = _established_connections(workers, server.port)

        failures = [
            (r.status_code, r.text)
            for r in responses
            if r.status_code != 200 or "errors" in r.json()
        ]
        assert failures == [], f"{len(failures)} failed, e.g. {failures[:3]}\n{server.output()}"
        payloads = [r.json()["data"]["reserveStock"] for r in responses]
        held = [p for p in payloads if p["reservation"] is not None and p["userErrors"] == []]
        refused = [
            p
            for p in payloads
            if p["reservation"] is None
            and [e["code"] for e in p["userErrors"]] == ["INSUFFICIENT_STOCK"]
        ]
        assert (len(held), len(refused)) == (UNITS, ORDERS - UNITS), [
            p for p in payloads if p not in held and p not in refused
        ][:5]
        assert all(
            p["reservation"]["status"] == "HELD"
            and p["reservation"]["lines"] == [{"sku": "TEE", "location": "WH", "quantity": 1}]
            for p in held
        )
        assert len({p["reservation"]["id"] for p in held}) == UNITS

        # Both worker processes accepted connections of the burst, and both are still alive.
        assert set(served_by) == set(workers), (
            f"connections per worker {dict(served_by)}, workers {workers}"
        )
        assert sum(served_by.values()) > 1
        assert sorted(server.worker_pids()) == sorted(workers), server.output()

        async with _graphql(server, token) as gql:
            levels = await gql('{ stockLevels(sku: "TEE") { location onHand reserved available } }')
            assert levels["stockLevels"] == [
                {"location": "WH", "onHand": UNITS, "reserved": UNITS, "available": 0}
            ]
            check = await gql("{ ledgerCheck { ok stockLevelsChecked discrepancies { sku } } }")
            assert check["ledgerCheck"] == {
                "ok": True,
                "stockLevelsChecked": 1,
                "discrepancies": [],
            }

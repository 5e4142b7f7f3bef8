"""For the browser tests: a real `stockpool serve` on a free port with a temporary SQLite
database holding the demo catalogue, a merchant's own site on another origin, GraphQL with
the admin key, and headless Chromium."""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services import IN_CI

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("STOCKPOOL_TEST_CHROMIUM", "/usr/bin/chromium"))
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stockpool(database: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs the `stockpool` command on the database and waits for it."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=REPO,
        env={**os.environ, "STOCKPOOL_DATABASE_URL": f"sqlite:///{database}", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium is not at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"{message}; CI must run the browser tests", pytrace=False)
    pytest.skip(message)


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium (a Playwright `Browser`); the caller has checked Playwright
    imports."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


class StockpoolServer:
    """`stockpool serve` as a person runs it; it can be stopped and started again on the same
    port and database, as after a deploy."""

    def __init__(self, database: Path, log: Path, **env: str) -> None:
        self.database = database
        self.log = log
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_urlsafe(24)
        self.env = {
            **os.environ,
            "STOCKPOOL_DATABASE_URL": f"sqlite:///{database}",
            "STOCKPOOL_ADMIN_TOKEN": self.admin_token,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def start(self) -> None:
        self._spawn()
        await self._wait_until_healthy()

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=STOP_TIMEOUT)
                return
            except subprocess.TimeoutExpired:
                continue

    async def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as http:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    pytest.fail(f"the server exited:\n{self.output()}", pytrace=False)
                with suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{self.output()}", pytrace=False)
                await asyncio.sleep(0.1)


@functools.cache
def _demo_template() -> Path:
    """A SQLite database made by `stockpool migrate` then `stockpool demo`, once per test
    process: two interpreters starting is most of what a module's server costs to set up."""
    directory = Path(tempfile.mkdtemp(prefix="stockpool-demo-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    database = directory / "stockpool.db"
    for command in (["migrate"], ["demo"]):
        done = stockpool(database, *command)
        assert done.returncode == 0, done.stderr
    return database


def demo_database(database: Path) -> Path:
    """`database`, new, holding what `stockpool migrate` and `stockpool demo` make (a copy
    of one they made: the demo is the same every time but for dates days ahead)."""
    with (
        closing(sqlite3.connect(_demo_template())) as made,
        closing(sqlite3.connect(database)) as copy,
    ):
        made.backup(copy)
    return database


async def demo_server(directory: Path, **env: str) -> StockpoolServer:
    """A started server on a new SQLite database in `directory` holding the demo catalogue."""
    database = demo_database(directory / "stockpool.db")
    server = StockpoolServer(database, directory / "server.log", **env)
    await server.start()
    return server


class Admin:
    """GraphQL over HTTP with the admin key."""

    def __init__(self, server: StockpoolServer) -> None:
        self.server = server

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful response; fails the test on any top-level error."""
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=30.0) as http:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"authorization": f"Bearer {self.server.admin_token}"},
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, field: str, input: dict[str, Any], selection: str = "") -> Any:
        """Runs a mutation taking `input`; fails the test on any userError."""
        data = await self(
            f"mutation($input: {field[0].upper()}{field[1:]}Input!) {{ {field}(input: $input) "
            f"{{ {selection} userErrors {{ field message code }} }} }}",
            {"input": input},
        )
        assert data[field]["userErrors"] == [], data[field]["userErrors"]
        return data[field]

    async def listed_sku(self, code: str, units: int, location: str = "WH-MAIN") -> None:
        """A new SKU with `units` at `location`, listed on the demo's web channel."""
        await self.mutate("createSku", {"code": code, "name": f"Test {code}"})
        await self.mutate("upsertListing", {"channel": "web", "sku": code, "externalSku": code})
        await self.mutate("receiveStock", {"sku": code, "location": location, "quantity": units})

    async def storefront_key(self, channel: str = "web") -> str:
        created = await self.mutate(
            "createApiKey",
            {"name": f"storefront {channel}", "role": "STOREFRONT", "channel": channel},
            "secret",
        )
        secret: str = created["secret"]
        return secret


class MerchantSite:
    """A merchant's own web server on another origin, serving product pages that embed the
    badge from the stockpool server, the way a shop would."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                encoded = body.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # `localhost`, not 127.0.0.1: another origin than the stockpool server's.
        self.origin = f"http://localhost:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def product_page(self, path: str, badge_script: str, badges: str) -> str:
        self.pages[path] = (
            '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
            '<link rel="icon" href="data:,"><title>Product</title>'
            f'<script type="module" src="{badge_script}"></script></head>'
            f"<body><h1>Our product</h1>{badges}</body></html>"
        )
        return self.origin + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

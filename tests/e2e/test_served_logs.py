"""`stockpool serve --workers 2` with STOCKPOOL_LOG_FORMAT=json: every line on standard error
is a JSON object (uvicorn's own lines too, in each worker), one line per request carrying the
client's request id, and no access-log line besides."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import httpx

from api.database.engine import Database
from api.database.migrate import upgrade
from tests.e2e.pages_server import REPO, free_port

TOKEN = "served-logs-admin-token-51c2"


async def _serve_and_ask(tmp_path) -> tuple[httpx.Response, str]:
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    database = Database(database_url)
    await upgrade(database)
    await database.dispose()
    env = {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_ADMIN_TOKEN": TOKEN,
        "STOCKPOOL_LOG_FORMAT": "json",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2",
        cwd=REPO, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(600):
                try:
                    response = await http.post(
                        "/graphql",
                        json={"query": "query Who { viewer { role } }"},
                        headers={"authorization": f"Bearer {TOKEN}", "x-request-id": "served-1"},
                    )
                    break
                except httpx.TransportError:
                    assert server.returncode is None, "stockpool serve stopped"
                    await asyncio.sleep(0.05)
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGINT)
        _, errors = await asyncio.wait_for(server.communicate(), 30)
    return response, errors.decode()


async def test_served_workers_log_json_lines_with_the_request_id(tmp_path):
    response, output = await _serve_and_ask(tmp_path)
    assert response.headers["x-request-id"] == "served-1"
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    [request] = [line for line in lines if line.get("request_id") == "served-1"]
    assert request["message"] == "POST /graphql 200"
    assert request["operation"] == "viewer" and request["operation_name"] == "Who"
    assert request["role"] == "admin" and request["key"] == "admin-token"
    assert request["outcome"] == "ok"
    assert "HTTP/1.1" not in output  # uvicorn's access log is off
    assert TOKEN not in output and "viewer { role }" not in output

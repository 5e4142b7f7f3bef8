"""`stockpool demo --simulate` against a real server: traffic on several channels through the
API, after which the ledger still replays to the counters."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator

import pytest

from tests.e2e.pages_server import REPO, Admin, StockpoolServer, demo_database, stockpool


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StockpoolServer]:
    directory = tmp_path_factory.mktemp("simulate")
    database = demo_database(directory / "stockpool.db")
    server = StockpoolServer(database, directory / "server.log")
    await server.start()
    yield server
    server.stop()


async def _simulate(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "demo",
        "--simulate",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_simulated_traffic_buys_on_several_channels_and_keeps_the_ledger_whole(
    server: StockpoolServer,
) -> None:
    code, output = await _simulate(
        # One argument with '=': a token_urlsafe token may begin with '-' (1 run in 64).
        "--url", server.base_url, f"--key={server.admin_token}",
        "--duration", "4", "--pace", "0.02", "--seed", "11",
    )  # fmt: skip

    assert code == 0, output
    summary = re.search(r"simulated (\d+) steps: (.*)", output)
    assert summary, output
    actions = {part.split(" ")[1] for part in summary.group(2).split(", ")}
    assert {"hold", "settle", "sell", "ship"} <= actions, summary.group(0)
    sales = (
        await Admin(server)("{ reservations(first: 100) { edges { node { channel orderRef } } } }")
    )["reservations"]["edges"]
    channels = {
        edge["node"]["channel"] for edge in sales if edge["node"]["orderRef"].startswith("sim-")
    }
    assert {"web", "amazon", "pos-city"} <= channels
    check = stockpool(server.database, "check")
    assert check.returncode == 0, check.stdout


async def test_simulating_with_a_wrong_key_says_which_key_to_use(server: StockpoolServer) -> None:
    code, output = await _simulate(
        "--url", server.base_url, "--key", "not-a-key", "--duration", "1"
    )

    assert code == 1
    assert "the server refused the key" in output

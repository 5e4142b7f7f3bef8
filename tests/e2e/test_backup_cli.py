"""`stockpool backup FILE`: an online copy of the SQLite database.

Taken while a served app places holds, the copy is one moment of the database: restored (the
file copied back over the database), `stockpool check` passes, its counters equal the ledger
replay and the reservation lines, and the app serves from it again."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.database.engine import Database
from api.database.migrate import upgrade
from api.settings import Settings
from tests.conftest import ADMIN_TOKEN, GraphQLClient, serving

BUYERS = 8
HOLDS_BEFORE_BACKUP = 40
HOLDS_AFTER_BACKUP = 2 * BUYERS  # more than can be in flight while the backup ends

SEED = [
    'createLocation(input: {code: "WH", name: "Warehouse"})',
    'createChannel(input: {code: "web", name: "Web", kind: WEBSTORE})',
    'setChannelLocations(input: {channel: "web", locations: ["WH"]})',
    'createSku(input: {code: "TEE", name: "Tee"})',
    'upsertListing(input: {channel: "web", sku: "TEE", externalSku: "w-TEE"})',
    'receiveStock(input: {sku: "TEE", location: "WH", quantity: 1000000})',
]
RESERVE = """mutation($order: String!) {
  reserveStock(input: {channel: "web", orderRef: $order, lines: [{sku: "TEE", quantity: 1}]}) {
    reservation { id } userErrors { code } } }"""
RESERVED = '{ stockLevels(sku: "TEE", location: "WH") { reserved onHand available } }'


def stockpool(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STOCKPOOL_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def stockpool_async(database: Path, *args: str) -> tuple[int, str, str]:
    """The command as its own process while this event loop keeps serving."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        *args,
        env={**os.environ, "STOCKPOOL_DATABASE_URL": f"sqlite:///{database}"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def reserved_in(database: Path) -> tuple[int, int]:
    """The reserved counter of the stock level and the units its reservation lines hold."""
    with closing(sqlite3.connect(database)) as conn:
        (counter,) = conn.execute("SELECT reserved FROM stock_levels").fetchone()
        (lines,) = conn.execute(
            "SELECT COALESCE(SUM(reserved), 0) FROM reservation_lines"
        ).fetchone()
    return counter, lines


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "stockpool.db"
    migrated = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(migrated)
    await migrated.dispose()
    return path


def app_on(database: Path):
    return create_app(
        Settings(
            database_url=f"sqlite+aiosqlite:///{database}",
            admin_token=ADMIN_TOKEN,
            bus_prefix=f"backup-{uuid.uuid4().hex[:8]}",
        )
    )


class Buyers:
    """Concurrent checkouts holding one unit each until stopped; counts the answered holds."""

    def __init__(self, gql: GraphQLClient) -> None:
        self.gql = gql
        self.held = 0
        self.stopped = asyncio.Event()
        self.tasks = [asyncio.create_task(self.buy(n)) for n in range(BUYERS)]

    async def buy(self, buyer: int) -> None:
        order = 0
        while not self.stopped.is_set():
            order += 1
            data = await self.gql(RESERVE, {"order": f"buyer-{buyer}-{order}"})
            assert data["reserveStock"]["userErrors"] == []
            self.held += 1

    async def until(self, held: int) -> None:
        while self.held < held:
            await asyncio.sleep(0.01)
            for task in self.tasks:
                if task.done():
                    task.result()

    async def stop(self) -> None:
        self.stopped.set()
        await asyncio.gather(*self.tasks)


async def test_a_backup_taken_during_holds_restores_to_a_database_that_passes_the_check(
    database: Path, tmp_path: Path
):
    copy = tmp_path / "backups" / "stockpool-copy.db"
    copy.parent.mkdir()
    async with (
        serving(app_on(database), lifespan="on") as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=60) as http,
    ):
        gql = GraphQLClient(http)
        for field in SEED:
            data = await gql(f"mutation {{ {field} {{ userErrors {{ code }} }} }}")
            assert next(iter(data.values()))["userErrors"] == [], field
        buyers = Buyers(gql)
        await buyers.until(HOLDS_BEFORE_BACKUP)
        held_before = buyers.held
        code, out, err = await stockpool_async(database, "backup", str(copy))
        held_at_end = buyers.held
        await buyers.until(held_at_end + HOLDS_AFTER_BACKUP)
        await buyers.stop()
        live = (await gql(RESERVED))["stockLevels"][0]

    assert code == 0, err
    assert out.splitlines() == [out.strip()]
    assert out.startswith(f"backed up {database} to {copy}")
    counter, lines = reserved_in(copy)
    assert counter == lines  # one moment: the counter and the lines of the same holds
    assert held_before <= counter < live["reserved"] == buyers.held

    # Restore: the server stopped, the copy goes back in place of the database.
    for leftover in (
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(copy, database)
    check = stockpool(database, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok: every stock level matches its ledger" in check.stdout

    async with (
        serving(app_on(database), lifespan="on") as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        restored = (await GraphQLClient(http)(RESERVED))["stockLevels"][0]
    assert restored["reserved"] == counter
    assert restored["onHand"] == 1_000_000
    assert restored["available"] == 1_000_000 - counter


def test_an_existing_file_is_kept_unless_forced(database: Path, tmp_path: Path):
    target = tmp_path / "backup.db"
    target.write_bytes(b"last night's backup")

    refused = stockpool(database, "backup", str(target))
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"stockpool: {target} already exists; --force replaces it"
    assert target.read_bytes() == b"last night's backup"
    assert not list(tmp_path.glob(".*partial"))

    forced = stockpool(database, "backup", "--force", str(target))
    assert forced.returncode == 0, forced.stderr
    assert stockpool(target, "check").returncode == 0


def test_a_postgresql_database_is_pointed_to_its_own_tools(tmp_path: Path):
    env = {**os.environ, "STOCKPOOL_DATABASE_URL": "postgresql://stockpool@db.invalid/stockpool"}
    refused = subprocess.run(
        [sys.executable, "-m", "api.cli", "backup", str(tmp_path / "copy.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "pg_dump" in refused.stderr
    assert "deployment-and-scaling.md#backups" in refused.stderr
    assert not (tmp_path / "copy.db").exists()


def test_a_missing_database_is_not_created(tmp_path: Path):
    refused = stockpool(tmp_path / "nothing.db", "backup", str(tmp_path / "copy.db"))
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"stockpool: no SQLite database at {tmp_path / 'nothing.db'}"
    assert not (tmp_path / "nothing.db").exists()

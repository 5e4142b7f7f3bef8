"""`stockpool backup FILE`: an online copy of the SQLite database; and the PostgreSQL
procedure the deployment guide documents (pg_dump, pg_restore).

Taken while a served app places holds, a backup is one moment of the database: restored,
`stockpool check` passes, its counters equal the ledger replay and the reservation lines, and
(SQLite: the file copied back over the database) the app serves from it again."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.app import create_app
from api.cli import main
from api.database.engine import Database
from api.database.migrate import upgrade
from api.settings import Settings, normalise_database_url
from tests.conftest import ADMIN_TOKEN, GraphQLClient, serving
from tests.e2e.test_two_workers_on_postgres import _empty as empty_tables
from tests.services import POSTGRES_ADMIN_URL, drop_postgres_database, unavailable

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


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def plain(url: str) -> str:
    """The URL as PostgreSQL's own tools take it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def stockpool(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "STOCKPOOL_DATABASE_URL": url},
        timeout=120,
        check=False,
    )


async def command(*argv: str, url: str | None = None) -> tuple[int, str, str]:
    """A command as its own process while this event loop keeps serving."""
    env = {**os.environ, **({"STOCKPOOL_DATABASE_URL": url} if url else {})}
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def reserved_in(url: str) -> tuple[int, int]:
    """The reserved counter of the stock level and the units its reservation lines hold."""
    database = Database(normalise_database_url(url))
    try:
        async with database.read() as conn:
            counter = await conn.scalar(text("SELECT reserved FROM stock_levels"))
            lines = await conn.scalar(
                text("SELECT COALESCE(SUM(reserved), 0) FROM reservation_lines")
            )
    finally:
        await database.dispose()
    return int(counter), int(lines)


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "stockpool.db"
    migrated = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(migrated)
    await migrated.dispose()
    return path


def app_on(url: str):
    return create_app(
        Settings(
            database_url=normalise_database_url(url),
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


async def holds_during(
    url: str, backup: Callable[[], Awaitable[tuple[int, str, str]]]
) -> tuple[int, tuple[int, str, str], int]:
    """Serves the app on `url`, seeds a SKU and runs `backup` while buyers hold units, until
    more holds were answered after it than can have been in flight. Returns the holds
    answered before it started, its exit code and output, and the reserved counter at the end."""
    async with (
        serving(app_on(url), lifespan="on") as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=60) as http,
    ):
        gql = GraphQLClient(http)
        for field in SEED:
            data = await gql(f"mutation {{ {field} {{ userErrors {{ code }} }} }}")
            assert next(iter(data.values()))["userErrors"] == [], field
        buyers = Buyers(gql)
        await buyers.until(HOLDS_BEFORE_BACKUP)
        held_before = buyers.held
        result = await backup()
        await buyers.until(buyers.held + HOLDS_AFTER_BACKUP)
        await buyers.stop()
        live = (await gql(RESERVED))["stockLevels"][0]["reserved"]
        assert live == buyers.held
    return held_before, result, live


def assert_checks(url: str) -> None:
    check = stockpool(url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok: every stock level matches its ledger" in check.stdout


async def test_a_backup_taken_during_holds_restores_to_a_database_that_passes_the_check(
    database: Path, tmp_path: Path
):
    copy = tmp_path / "backups" / "stockpool-copy.db"
    copy.parent.mkdir()
    url = sqlite_url(database)
    held_before, (code, out, err), live = await holds_during(
        url, lambda: command(sys.executable, "-m", "api.cli", "backup", str(copy), url=url)
    )
    assert code == 0, err
    assert out.splitlines() == [out.strip()]
    assert out.startswith(f"backed up {database} to {copy}")
    counter, lines = await reserved_in(sqlite_url(copy))
    assert counter == lines  # one moment: the counter and the lines of the same holds
    assert held_before <= counter < live

    # Restore: the server stopped, the copy goes back in place of the database.
    for leftover in (
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(copy, database)
    assert_checks(url)
    async with (
        serving(app_on(url), lifespan="on") as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        restored = (await GraphQLClient(http)(RESERVED))["stockLevels"][0]
    assert restored == {
        "reserved": counter,
        "onHand": 1_000_000,
        "available": 1_000_000 - counter,
    }


@pytest.mark.postgres
async def test_the_documented_pg_dump_and_pg_restore_give_a_database_that_passes_the_check(
    postgres_url: str, tmp_path: Path
):
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable(tool, FileNotFoundError(tool))
    await empty_tables(postgres_url)
    dump = tmp_path / "stockpool.dump"
    held_before, (code, _, err), live = await holds_during(
        postgres_url,
        lambda: command("pg_dump", "--format=custom", f"--file={dump}", plain(postgres_url)),
    )
    assert code == 0, err

    restored = f"{postgres_url}_restored"
    await create_database(restored)
    try:
        code, _, err = await command(
            "pg_restore", "--no-owner", "--exit-on-error", f"--dbname={plain(restored)}", str(dump)
        )
        assert code == 0, err
        assert_checks(plain(restored))
        counter, lines = await reserved_in(restored)
    finally:
        await drop_postgres_database(restored)
    assert counter == lines
    assert held_before <= counter < live


async def create_database(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    finally:
        await conn.close()


def backup_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[str | int | None, str]:
    """`stockpool backup` run in this process (the quick cases): its exit and its output."""
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", url)
    try:
        main(["backup", *args])
    except SystemExit as exit:
        return exit.code, capsys.readouterr().out
    return 0, capsys.readouterr().out


def test_an_existing_file_is_kept_unless_forced(
    database: Path, tmp_path: Path, monkeypatch, capsys
):
    target = tmp_path / "backup.db"
    target.write_bytes(b"last night's backup")

    refused = backup_in_process(monkeypatch, capsys, sqlite_url(database), str(target))
    assert refused == (f"stockpool: {target} already exists; --force replaces it", "")
    assert target.read_bytes() == b"last night's backup"
    assert not list(tmp_path.glob(".*partial"))

    code, out = backup_in_process(monkeypatch, capsys, sqlite_url(database), "--force", str(target))
    assert code == 0
    assert out.startswith(f"backed up {database} to {target}")
    assert_checks(sqlite_url(target))


def test_a_postgresql_database_is_pointed_to_its_own_tools(tmp_path: Path, monkeypatch, capsys):
    url = "postgresql://stockpool@db.invalid/stockpool"
    code, _ = backup_in_process(monkeypatch, capsys, url, str(tmp_path / "copy.db"))
    assert "pg_dump" in str(code)
    assert "deployment-and-scaling.md#backups" in str(code)
    assert not (tmp_path / "copy.db").exists()


def test_a_missing_database_is_not_created(tmp_path: Path, monkeypatch, capsys):
    missing = tmp_path / "nothing.db"
    code, _ = backup_in_process(monkeypatch, capsys, sqlite_url(missing), str(tmp_path / "c.db"))
    assert code == f"stockpool: no SQLite database at {missing}"
    assert not missing.exists()

"""Bringing a database up to date, and refusing to serve one that is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.database.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotMigrated(RuntimeError):
    pass


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def upgrade(database: Database) -> None:
    config = alembic_config(database.url)

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    if database.is_sqlite:
        await _upgrade_sqlite(database, run)
        return
    async with database.transaction() as connection:
        await connection.run_sync(run)


async def _upgrade_sqlite(database: Database, run: Callable[[Any], None]) -> None:
    """SQLite changes a table's constraints by copying it to a new one, dropping it and
    renaming the copy (batch mode): dropping a table other tables refer to fails while
    foreign keys are enforced. SQLite's own recipe: enforcement off around the transaction,
    every reference checked before it commits. The connection is discarded afterwards, so
    none is ever handed out with enforcement off."""
    async with database.writer.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is None:
            raise DatabaseNotMigrated("the SQLite connection closed before migrating")
        await driver.execute("PRAGMA foreign_keys=OFF")
        try:
            async with connection.begin():
                await connection.run_sync(run)
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise DatabaseNotMigrated(f"migrating broke references: {broken[:5]}")
        finally:
            await connection.invalidate()


async def current_revision(database: Database) -> str | None:
    async with database.read() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def ensure_migrated(database: Database) -> None:
    current, head = await current_revision(database), head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"the database at {_safe(database)} is at migration {current or 'none'}, but this "
            f"version of stockpool needs {head}: run `stockpool migrate` first"
        )


def _safe(database: Database) -> str:
    return database.reader.url.render_as_string(hide_password=True)

"""Bringing a database up to date, and refusing to serve one that is not."""

from __future__ import annotations

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

    async with database.transaction() as connection:
        await connection.run_sync(run)


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

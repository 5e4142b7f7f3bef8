"""`stockpool backup FILE`: an online copy of the SQLite database, safe while the server writes.

SQLite's backup API copies every page in one step under one read transaction, so the copy is
one consistent moment of the database (a transaction is in it whole or not at all) and, in
WAL mode, writers carry on meanwhile. The copy is written next to FILE and moved into place
only once complete and checked, so FILE is never a half-written database. PostgreSQL is
backed up with its own tools (docs/deployment-and-scaling.md#backups).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

BUSY_TIMEOUT_SECONDS = 30.0


class BackupError(Exception):
    """A backup that was not made, with why, fit for one line of output."""


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    size_bytes: int

    def summary(self) -> str:
        return (
            f"backed up {self.source} to {self.target} "
            f"({self.size_bytes:,} bytes, integrity check ok)"
        )


def sqlite_path(database_url: str) -> Path:
    """The file of an SQLite database URL; a BackupError for anything else."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "backup copies SQLite databases; back PostgreSQL up with pg_dump "
            "(docs/deployment-and-scaling.md#backups)"
        )
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("an in-memory database has nothing to back up")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    return path


def backup_sqlite(database_url: str, target: Path, *, force: bool = False) -> Backup:
    source = sqlite_path(database_url)
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; --force replaces it")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        _copy(source, partial)
        _move_into_place(partial, target, force)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"cannot back up to {target}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(source, target, target.stat().st_size)


def _copy(source: Path, destination: Path) -> None:
    with (
        closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as reader,
        closing(sqlite3.connect(destination)) as writer,
    ):
        reader.backup(writer)  # every page in one step: one read transaction, one moment
        (verdict,) = writer.execute("PRAGMA quick_check").fetchone()
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")


def _move_into_place(partial: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)  # fails if FILE appeared meanwhile: never overwritten
    except FileExistsError:
        raise BackupError(f"{target} already exists; --force replaces it") from None

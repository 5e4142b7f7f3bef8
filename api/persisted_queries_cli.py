"""`stockpool persisted-queries import FILE`: registers the documents of a persisted query
manifest, which clients may then run by hash, and storefront keys in persisted-only mode may
run at all (docs/persisted-queries.md). Running workers find them within a second."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api.database.engine import Database
from api.database.migrate import ensure_migrated
from api.persisted_manifest import ManifestError, parse_manifest
from api.services.persisted_queries import PersistedQueries
from api.settings import Settings


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "persisted-queries", help="register the documents clients may run by hash"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    import_parser = actions.add_parser(
        "import", help="register every operation of an Apollo persisted query manifest"
    )
    import_parser.add_argument("file", help="the manifest (JSON), or - for stdin")
    import_parser.set_defaults(handler=import_manifest)


def import_manifest(args: argparse.Namespace, settings: Settings) -> None:
    from api.cli import _read, _run

    try:
        operations = parse_manifest(_read(args.file), settings.max_body_bytes)
    except ManifestError as error:
        for problem in error.problems[:20]:
            print(problem, file=sys.stderr)
        sys.exit(f"stockpool: nothing imported ({len(error.problems)} problem(s))")

    async def run() -> int:
        database = Database(settings.database_url)
        try:
            await ensure_migrated(database)
            return await PersistedQueries(database).register(operations)
        finally:
            await database.dispose()

    added = _run(run)
    print(f"registered {added} new document(s), {len(operations) - added} already registered")

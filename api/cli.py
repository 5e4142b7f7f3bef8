"""The `stockpool` command: serve, migrate, check, backup, create-key, demo, listings,
reorder-suggestions, persisted-queries."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from api import persisted_queries_cli
from api.bus import EventBus
from api.database.engine import Database
from api.database.migrate import DatabaseNotMigrated, ensure_migrated, upgrade
from api.services.container import Services
from api.services.ledger_check import check_ledger
from api.settings import Settings, SettingsError

T = TypeVar("T")

MAX_KEY_DAYS = 36_500


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[Services]:
    database = Database(settings.database_url, settings.database_pool_size)
    bus = EventBus(settings.broadcast_url, settings.bus_prefix)
    try:
        await ensure_migrated(database)
        await bus.connect()
        try:
            yield Services.build(settings, database, bus)
        finally:
            await bus.disconnect()
    finally:
        await database.dispose()


def _run(action: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(action())  # type: ignore[arg-type]
    except DatabaseNotMigrated as error:
        sys.exit(f"stockpool: {error}")


def migrate(args: argparse.Namespace, settings: Settings) -> None:
    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    _run(run)
    print("database is up to date")


def check(args: argparse.Namespace, settings: Settings) -> None:
    async def run() -> bool:
        async with _services(settings) as services:
            report = await check_ledger(services.database)
        print(
            f"replayed {report.events_replayed} ledger events over "
            f"{report.stock_levels_checked} stock levels"
        )
        for found in report.discrepancies:
            print(
                f"MISMATCH {found.sku} @ {found.location}: counters {found.counters.as_dict()} "
                f"v{found.counter_version}, ledger {found.replayed.as_dict()} "
                f"v{found.replayed_version}"
                + (
                    f", chain broken at event {found.broken_chain_at}"
                    if found.broken_chain_at
                    else ""
                )
            )
        print("ok: every stock level matches its ledger" if report.ok else "FAILED")
        return report.ok

    if not _run(run):
        sys.exit(1)


def backup(args: argparse.Namespace, settings: Settings) -> None:
    from api.backup import BackupError, backup_sqlite

    try:
        done = backup_sqlite(settings.database_url, Path(args.file), force=args.force)
    except BackupError as error:
        sys.exit(f"stockpool: {error}")
    print(done.summary())


def create_key(args: argparse.Namespace, settings: Settings) -> None:
    from domain.access import CreateApiKey, Principal, Role
    from domain.errors import StockpoolError

    expires_at = None
    if args.expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=args.expires_in_days)

    async def run() -> None:
        async with _services(settings) as services:
            key, secret = await services.dispatch(
                CreateApiKey(args.name, Role(args.role), args.channel, expires_at),
                Principal("cli", Role.ADMIN),
            )
        ends = f", expires {key.expires_at.isoformat(timespec='seconds')}" if key.expires_at else ""
        print(f"created {key.role.value} key {key.name!r} (id {key.id}{ends})")
        print(secret)

    try:
        _run(run)
    except StockpoolError as error:
        sys.exit(f"stockpool: {error.message}")


def demo(args: argparse.Namespace, settings: Settings) -> None:
    from api.database import catalogue_repository
    from api.demo import load_demo

    if args.simulate:
        _simulate(args, settings)
        return

    async def run() -> None:
        async with _services(settings) as services:
            if args.if_empty:
                async with services.database.read() as conn:
                    if await catalogue_repository.count_skus(conn):
                        print("database already holds SKUs; demo data not loaded")
                        return
            created = await load_demo(services)
        print(f"loaded demo catalogue: {created} SKUs over 4 locations, sold on 3 channels")

    _run(run)


def _simulate(args: argparse.Namespace, settings: Settings) -> None:
    """Traffic through a running server's API, so that its pages move (api/simulate/)."""
    from api.simulate import SimulationError, simulate

    key = args.key or settings.admin_token
    if not key:
        sys.exit("stockpool: --simulate needs --key (the admin key `stockpool serve` printed)")
    try:
        simulate(args.url, key, args.duration, args.pace, args.seed)
    except SimulationError as error:
        sys.exit(f"stockpool: {error}")


def listings(args: argparse.Namespace, settings: Settings) -> None:
    """Import or export a channel's listings as CSV (all rows of a file, or none)."""
    from domain.access import Principal, Role
    from domain.errors import StockpoolError
    from domain.listings import ImportListings

    cli = Principal("cli", Role.ADMIN)
    source = "" if args.action == "export" else _read(args.file)

    async def run() -> str:
        async with _services(settings) as services:
            if args.action == "export":
                return await services.listings.export_csv(args.channel, cli)
            imported = await services.dispatch(ImportListings(args.channel, source), cli)
            return f"imported {len(imported)} listings into channel {args.channel!r}\n"

    try:
        output = _run(run)
    except StockpoolError as error:
        for problem in error.problems:
            where = ":".join(problem.field)
            print(f"{where}: {problem.message} [{problem.code.value}]", file=sys.stderr)
        if args.action == "import":
            sys.exit(f"stockpool: nothing imported ({len(error.problems)} problem(s))")
        sys.exit(1)
    if args.action == "export" and args.file != "-":
        Path(args.file).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)


def reorder_suggestions(args: argparse.Namespace, settings: Settings) -> None:
    """What to order of every SKU with a reorder policy, as CSV or a table."""
    from domain.access import Principal, Role
    from domain.errors import StockpoolError
    from domain.reorder import format_suggestions_csv

    async def run() -> str:
        async with _services(settings) as services:
            rows = await services.reorder.suggestions(
                Principal("cli", Role.ADMIN), args.window_days, args.location
            )
        if args.csv:
            return format_suggestions_csv(rows)
        lines = [f"{'SKU':<20} {'LOCATION':<12} {'AVAILABLE':>9} {'PER DAY':>8} {'ORDER':>8}"]
        lines += [
            f"{r.policy.sku:<20} {r.policy.location or '(all)':<12} {r.position.available:>9} "
            f"{r.velocity.units_per_day:>8.2f} {r.suggested_quantity:>8}"
            for r in rows
        ]
        return "\n".join(lines) + "\n"

    try:
        sys.stdout.write(_run(run))
    except StockpoolError as error:
        sys.exit(f"stockpool: {error.message}")


def _days(raw: str) -> float:
    try:
        days = float(raw)
    except ValueError:
        days = float("nan")
    if not 0 < days <= MAX_KEY_DAYS:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"expected days above 0, at most {MAX_KEY_DAYS}")
    return days


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        sys.exit(f"stockpool: cannot read {path}: {error}")


def shown_url(url: str) -> str:
    """A database URL fit for output that ends up in logs: its password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


WORKER_STARTUP_SECONDS = 60
"""How long a worker may take to start serving before the supervisor replaces it."""


def serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from api.observability import multiprocess
    from api.observability.logs import logging_config

    generated = None
    if not settings.admin_token:
        # Workers read settings from the environment, so they all share this one.
        generated = os.environ["STOCKPOOL_ADMIN_TOKEN"] = secrets.token_urlsafe(24)
    base = f"http://{args.host}:{args.port}"
    print(f"stockpool serving {shown_url(settings.database_url)} with {args.workers} worker(s)")
    print(f"  GraphQL API + GraphiQL: {base}/graphql")
    print(f"  Health:                 {base}/healthz")
    print(f"  Metrics:                {base}/metrics")
    print(f"  Ops dashboard:          {base}/dashboard")
    print(f"  Demo store:             {base}/demo/store")
    if generated:
        # Shown this once; a configured token is never printed (start-up output ends up in logs).
        print(f"  Admin key:              {generated}")
        print("  (generated for this run; set STOCKPOOL_ADMIN_TOKEN to keep one)")
    else:
        print("  Admin key:              the STOCKPOOL_ADMIN_TOKEN you set")
    print(f"  Live traffic:           stockpool demo --simulate --url {base} --key <admin key>")
    if args.workers > 1 and settings.broadcast_url.startswith("memory"):
        print(
            "  warning: several workers with the in-memory bus do not see each other's events;"
            " set STOCKPOOL_BROADCAST_URL=redis://…"
        )
    sys.stdout.flush()
    # With several workers, each keeps its metrics in files a scrape adds up.
    metrics_directory = multiprocess.prepare(args.workers)
    try:
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=settings.log_level,
            # One handler for every logger, JSON or text, with request ids; the request log
            # replaces uvicorn's access log (api/observability/request_log.py).
            log_config=logging_config(settings.log_format, settings.log_level),
            access_log=False,
            ws_per_message_deflate=False,
            ws_max_size=settings.websocket_max_message_bytes,
            # uvicorn's default (5 s) kills a worker whose startup (imports, schema, the
            # first database reads) is slower than that on a busy machine.
            timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
            # Only STOCKPOOL_TRUSTED_PROXIES decides whose X-Forwarded-For names the client
            # (api/client_address.py); uvicorn would otherwise believe any local peer's.
            proxy_headers=False,
        )
    finally:
        multiprocess.remove(metrics_directory)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"stockpool: {error}", file=sys.stderr)
        sys.exit(2)
    args.handler(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockpool", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _server_commands(commands)
    _data_commands(commands)
    return parser


def _server_commands(commands: Any) -> None:
    """Serving and keeping the database: serve, migrate, check, backup, create-key."""
    serve_parser = commands.add_parser("serve", help="run the HTTP/WebSocket server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--workers", type=int, default=1)
    serve_parser.set_defaults(handler=serve)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=migrate
    )
    commands.add_parser(
        "check", help="replay the ledger and compare it with the counters"
    ).set_defaults(handler=check)

    backup_parser = commands.add_parser(
        "backup", help="copy the SQLite database to FILE, safely while the server runs"
    )
    backup_parser.add_argument("file", help="where the copy goes (kept unless --force)")
    backup_parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup_parser.set_defaults(handler=backup)

    key_parser = commands.add_parser("create-key", help="mint an API key")
    key_parser.add_argument("--name", required=True)
    key_parser.add_argument("--role", choices=["admin", "partner", "storefront"], required=True)
    key_parser.add_argument("--channel", help="the channel a partner or storefront key is bound to")
    key_parser.add_argument(
        "--expires-in-days",
        type=_days,
        help="the key stops working by itself this many days from now (default: never)",
    )
    key_parser.set_defaults(handler=create_key)


def _data_commands(commands: Any) -> None:
    """Working with the data: demo, listings CSV, reorder suggestions."""
    demo_parser = commands.add_parser("demo", help="load a small demo catalogue with stock")
    demo_parser.add_argument("--if-empty", action="store_true", help="only into an empty database")
    demo_parser.add_argument(
        "--simulate",
        action="store_true",
        help="instead of loading, drive live traffic through a running server until Ctrl-C",
    )
    demo_parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server to drive")
    demo_parser.add_argument("--key", help="admin key (default: STOCKPOOL_ADMIN_TOKEN)")
    demo_parser.add_argument("--duration", type=float, help="stop after this many seconds")
    demo_parser.add_argument(
        "--pace", type=float, default=0.5, help="mean seconds between actions (default 0.5)"
    )
    demo_parser.add_argument("--seed", type=int, help="random seed, for a repeatable run")
    demo_parser.set_defaults(handler=demo)

    listings_parser = commands.add_parser("listings", help="import or export listings as CSV")
    listings_parser.add_argument("action", choices=["import", "export"])
    listings_parser.add_argument("--channel", required=True)
    listings_parser.add_argument(
        "--file", default="-", help="CSV file to read or write (default: stdin or stdout)"
    )
    listings_parser.set_defaults(handler=listings)

    reorder_parser = commands.add_parser(
        "reorder-suggestions", help="what to order of every SKU with a reorder policy"
    )
    reorder_parser.add_argument("--csv", action="store_true", help="write CSV")
    reorder_parser.add_argument(
        "--window-days", type=int, default=30, help="days of sales velocity (default 30)"
    )
    reorder_parser.add_argument("--location", help="one location's figures")
    reorder_parser.set_defaults(handler=reorder_suggestions)

    persisted_queries_cli.add_commands(commands)


if __name__ == "__main__":
    main()

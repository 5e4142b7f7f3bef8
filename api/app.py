"""create_app(settings): the Starlette application, whose lifespan owns the engine and bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from api import background, gc_tuning, pages
from api.bus import EventBus
from api.clock import Clock, utc_now
from api.database.engine import Database
from api.database.migrate import ensure_migrated
from api.observability import tracing
from api.observability.exposition import metrics_page
from api.observability.request_log import RequestLog
from api.observability.worker import observed
from api.services.container import Services
from api.settings import Settings
from domain.access import Principal
from schema import build_schema
from schema.context import Context
from schema.graphql_view import StockpoolGraphQL
from schema.realtime.hub import Hub
from schema.realtime.limits import RealtimeLimits
from schema.throttling import RateLimits

log = logging.getLogger(__name__)

CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)


class _LateBoundGraphQL:
    """Routes are declared before the lifespan runs; the view is built once services exist."""

    def __init__(self) -> None:
        self.view: StockpoolGraphQL | None = None

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if self.view is None:
            raise RuntimeError("the application has not started")
        await self.view(scope, receive, send)


def create_app(settings: Settings | None = None, clock: Clock = utc_now) -> Starlette:
    settings = settings or Settings.from_env()
    graphql = _LateBoundGraphQL()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = Database(settings.database_url, settings.database_pool_size)
        bus = EventBus(settings.broadcast_url, settings.bus_prefix)
        try:
            await ensure_migrated(database)
            await bus.connect()
        except BaseException:
            await database.dispose()
            raise
        services = Services.build(settings, database, bus, clock)
        app.state.services = services
        app.state.rate_limits = RateLimits.from_settings(settings, lambda: clock().timestamp())
        tracing.configure()  # OTLP traces when OTEL_EXPORTER_OTLP_ENDPOINT is set
        schema = build_schema(settings)

        def context_for(principal: Principal) -> Context:
            return Context(services=services, principal=principal)

        limits = RealtimeLimits.from_settings(settings, CONNECTION_INIT_TIMEOUT.total_seconds())
        hub = Hub(bus, services, schema, context_for, limits, clock)
        app.state.realtime = hub
        graphql.view = StockpoolGraphQL(
            services, hub, schema=schema, allowed_origins=settings.websocket_origins
        )
        try:
            await hub.start()
            try:
                with observed(database):
                    async with background.running(services, clock):
                        yield
            finally:
                await hub.stop()
        finally:
            await bus.disconnect()
            await database.dispose()

    routes = [
        Route("/", _home),
        Route("/healthz", _healthz),
        Route("/livez", _livez),
        Route("/readyz", _readyz),
        Route("/metrics", metrics_page),
        Route(
            "/graphql", _cors(graphql, settings.cors_origins), methods=["GET", "POST", "OPTIONS"]
        ),
        WebSocketRoute("/graphql", graphql),
        *pages.routes(),
    ]
    # Request ids and one log line per request (api/observability/request_log.py).
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(RequestLog)])


CORS_MAX_AGE = 600
"""Seconds a browser may reuse a preflight's answer before asking again."""


def _cors(app: ASGIApp, origins: tuple[str, ...]) -> ASGIApp:
    """A shop page on another site calls /graphql with a storefront key; CORS lets its
    browser. No credentials: keys ride in the Authorization header, never in cookies, so
    another site's page cannot act with a key it was not given."""
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After", "X-Request-Id"],
        max_age=CORS_MAX_AGE,
    )


async def _healthz(request: Request) -> Response:
    database: Database = request.app.state.services.database
    try:
        async with database.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("health check failed: %s", error)
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


READY_TIMEOUT = 1.0
"""Seconds /readyz waits for the database and the bus to answer."""


async def _livez(request: Request) -> Response:
    """The process serves requests: no I/O, so a slow dependency never gets it restarted."""
    return JSONResponse({"status": "ok"})


async def _readyz(request: Request) -> Response:
    """Whether this worker can do its job now: 503 names what is down."""
    services: Services = request.app.state.services
    database, bus = await asyncio.gather(
        _answers(_database_answers(services.database)), _answers(services.bus.ready())
    )
    body = {"database": "up" if database else "down", "bus": "up" if bus else "down"}
    if database and bus:
        return JSONResponse({"status": "ok", **body})
    return JSONResponse({"status": "unavailable", **body}, status_code=503)


async def _database_answers(database: Database) -> bool:
    async with database.read() as conn:
        await conn.execute(text("SELECT 1"))
    return True


async def _answers(check: Awaitable[bool]) -> bool:
    try:
        return await asyncio.wait_for(check, READY_TIMEOUT)
    except Exception:
        return False  # the bus logs its own outages; a down database fails every request


async def _home(request: Request) -> Response:
    return RedirectResponse("/graphql")


def app_from_env() -> Starlette:
    """The factory uvicorn workers import (`stockpool serve` passes settings by environment)."""
    app = create_app(Settings.from_env())
    gc_tuning.tune_for_long_lived_connections()
    return app

"""Shared fixtures: real databases (SQLite file, PostgreSQL), services, the app over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from api.app import create_app
from api.bus import EventBus
from api.database.engine import Database
from api.database.migrate import upgrade
from api.database.tables import metadata
from api.services.container import Services
from api.settings import Settings
from domain.access import Principal, Role
from tests import services as external

ADMIN_TOKEN = "test-admin-token"
ADMIN = Principal("test-admin", Role.ADMIN)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("sqlite")) / "stockpool.db"
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    return url


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    url = await external.create_postgres_database()
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    yield url
    await external.drop_postgres_database(url)


@pytest.fixture(scope="session")
async def redis_url() -> str:
    return await external.check_redis()


async def _empty(database: Database) -> None:
    async with database.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once per storage backend: the storage contract suite."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await _empty(database)
    yield database
    await database.dispose()


HOLD_PATHS = {"group-commit": Settings().group_commit_max_batch, "one-by-one": 0}
"""The two ways reserveStock holds are placed, by `Settings.group_commit_max_batch`:
concurrent holds batched into shared transactions (the default), or each hold alone."""

both_hold_paths = pytest.mark.parametrize("group_commit", list(HOLD_PATHS), indirect=True)
"""Runs a test (or, as a module's `pytestmark`, every test of it) once per hold path; the
test id names the path. The test must use `services`, `clocked_services` or `group_commit`."""


@pytest.fixture
def group_commit(request: pytest.FixtureRequest) -> int:
    """`group_commit_max_batch` for the services fixtures: group commit unless the test is
    parametrised by `both_hold_paths`."""
    return HOLD_PATHS[getattr(request, "param", "group-commit")]


@pytest.fixture
async def services(database: Database, group_commit: int) -> AsyncIterator[Services]:
    bus = EventBus("memory://", f"test-{external.RUN_ID}")
    await bus.connect()
    settings = Settings(
        database_url=database.url, admin_token=ADMIN_TOKEN, group_commit_max_batch=group_commit
    )
    yield Services.build(settings, database, bus)
    await bus.disconnect()


class GraphQLClient:
    """Sends GraphQL over HTTP to the app, as a partner integration would."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = ADMIN_TOKEN) -> None:
        self.http = http
        self.token = token

    def as_key(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful response; fails the test on any top-level error."""
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def app_settings(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        admin_token=ADMIN_TOKEN,
        bus_prefix=f"test-{external.RUN_ID}",
    )


@pytest.fixture
async def gql(app_settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(app_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            yield GraphQLClient(http)


class LiveServer:
    def __init__(self, server: Any, port: int) -> None:
        self.server = server
        self.port = port
        self.http_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/graphql"


@asynccontextmanager
async def serving(app: Any, **config: Any) -> AsyncIterator[LiveServer]:
    """`app` under a real uvicorn, in this event loop, on a free port (or `port=`)."""
    import asyncio

    import uvicorn

    options = {"log_level": "warning", "ws_per_message_deflate": False, "port": 0, **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", **options))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(server, server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live_server(app_settings: Settings) -> AsyncIterator[LiveServer]:
    """The real app under a real uvicorn, in this event loop, on a free port."""
    async with serving(create_app(app_settings), lifespan="on") as server:
        yield server


@pytest.fixture
def clock():
    from tests.integration.clock import MovableClock

    return MovableClock()


@pytest.fixture
async def clocked_services(database: Database, clock, group_commit: int) -> AsyncIterator[Services]:
    """Services whose clock the test moves (for hold expiry)."""
    bus = EventBus("memory://", f"test-{external.RUN_ID}")
    await bus.connect()
    settings = Settings(
        database_url=database.url, admin_token=ADMIN_TOKEN, group_commit_max_batch=group_commit
    )
    yield Services.build(settings, database, bus, clock)
    await bus.disconnect()


SERIAL_HOME = Path(__file__).parent / "e2e"
"""Where tests marked serial live: `make test` collects only this folder to run them alone."""


pytest_plugins = ["tests.xdist_order"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    strays = [
        item.nodeid
        for item in items
        if item.get_closest_marker("serial") and SERIAL_HOME not in item.path.parents
    ]
    if strays:
        raise pytest.UsageError(
            f"tests marked serial belong in {SERIAL_HOME} (make test runs only those alone "
            f"after the parallel run): {strays[:5]}"
        )

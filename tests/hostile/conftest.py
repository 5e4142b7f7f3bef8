"""One real app (uvicorn, HTTP and WebSocket) per database for the whole hostile suite, with
a small catalogue named X (the code every plain argument names) so bad input reaches deep."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete

from api.app import create_app
from api.database.engine import Database
from api.database.tables import metadata
from api.settings import Settings
from tests import services as external
from tests.conftest import ADMIN_TOKEN, serving
from tests.hostile.harness import AUTH, App

SEED = [
    'mutation { createLocation(input: {code: "X", name: "X"}) { userErrors { code } } }',
    'mutation { createSku(input: {code: "X", name: "X"}) { userErrors { code } } }',
    'mutation { createChannel(input: {code: "X", name: "X", kind: WEBSTORE}) { userErrors { code } } }',
    'mutation { setChannelLocations(input: {channel: "X", locations: ["X"]}) { userErrors { code } } }',
    'mutation { upsertListing(input: {channel: "X", sku: "X", externalSku: "X"}) { userErrors { code } } }',
    'mutation { receiveStock(input: {sku: "X", location: "X", quantity: 50}) { userErrors { code } } }',
    'mutation { reserveStock(input: {channel: "X", orderRef: "X", lines: [{sku: "X", quantity: 1}]}) { userErrors { code } } }',
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    url: str = request.getfixturevalue(f"{request.param}_url")
    return request.param, url


@pytest.fixture(scope="module")
async def app(backend: tuple[str, str]) -> AsyncIterator[App]:
    name, url = backend
    database = Database(url)
    async with database.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))
    settings = Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        bus_prefix=f"hostile-{external.RUN_ID}",
        # This suite tests input, not throttling: it sends many root fields per request.
        rate_limit_admin=(10**9, 10**9),
        query_cost_limit=100_000,
    )
    async with (
        serving(create_app(settings), ws_per_message_deflate=True) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as http,
    ):
        for mutation in SEED:
            response = await http.post("/graphql", json={"query": mutation}, headers=AUTH)
            assert '"userErrors":[]' in response.text, response.text
        running = App(name, http, server.ws_url, database)
        await running.changed()
        yield running
    await database.dispose()

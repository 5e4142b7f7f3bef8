"""The demo store embeds one storefront key for the database: every start and every worker
serves the same one instead of minting a key each time (api/demo_key.py)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import select

from api.app import create_app
from api.database.tables import api_keys
from api.demo_key import DEMO_KEY_NAME
from domain.access import CreateApiKey, Role
from tests.api.test_reservations_api import channel
from tests.conftest import ADMIN, GraphQLClient

KEY_IN_PAGE = re.compile(r'"key": "([^"]+)"')


@asynccontextmanager
async def started(settings) -> AsyncIterator[httpx.AsyncClient]:
    """One server process: its own app, lifespan and memory, on the shared database."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            yield http


async def demo_key_in_page(http: httpx.AsyncClient) -> str:
    page = await http.get("/demo/store")
    assert page.status_code == 200, page.text
    match = KEY_IN_PAGE.search(page.text)
    assert match, page.text
    return match.group(1)


async def live_demo_keys(database) -> list[str]:
    async with database.read() as conn:
        rows = await conn.execute(
            select(api_keys.c.id).where(
                api_keys.c.name == DEMO_KEY_NAME, api_keys.c.revoked_at.is_(None)
            )
        )
        return [row.id for row in rows]


async def test_two_starts_serve_one_demo_key(app_settings, database):
    async with started(app_settings) as http:
        await channel(GraphQLClient(http), "web")
        first = await demo_key_in_page(http)
        assert await demo_key_in_page(http) == first
    async with started(app_settings) as http:
        assert await demo_key_in_page(http) == first
        viewer = await GraphQLClient(http, first)("{ viewer { role channel } }")
        assert viewer == {"viewer": {"role": "STOREFRONT", "channel": "web"}}
    assert len(await live_demo_keys(database)) == 1


async def test_workers_starting_together_settle_on_one_demo_key(app_settings, database):
    async with started(app_settings) as one, started(app_settings) as two:
        await channel(GraphQLClient(one), "web")
        await asyncio.gather(demo_key_in_page(one), demo_key_in_page(two))
        assert len(await live_demo_keys(database)) == 1
        assert await demo_key_in_page(one) == await demo_key_in_page(two)


async def test_a_revoked_demo_key_is_replaced_and_earlier_ones_are_revoked(
    app_settings, database, services
):
    earlier, _ = await services.dispatch(CreateApiKey(DEMO_KEY_NAME, Role.STOREFRONT, "web"), ADMIN)
    async with started(app_settings) as http:
        gql = GraphQLClient(http)
        await channel(gql, "web")
        first = await demo_key_in_page(http)
        [first_id] = await live_demo_keys(database)
        assert first_id != earlier.id  # its secret cannot be read back: revoked, not reused
        revoke = "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { userErrors { code } } }"
        assert (await gql(revoke, {"id": first_id}))["revokeApiKey"]["userErrors"] == []
        second = await demo_key_in_page(http)
        assert second != first
        assert (await GraphQLClient(http, first).post("{ viewer { role } }")).status_code == 401
    assert len(await live_demo_keys(database)) == 1

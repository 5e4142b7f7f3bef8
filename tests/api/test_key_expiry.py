"""API keys that end by themselves: `expiresAt` on createApiKey, `--expires-in-days` on the
CLI; from that moment the key is refused, cached or not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from api import cli
from api.app import create_app
from api.database.engine import Database
from api.database.migrate import upgrade
from api.database.rows import aware
from api.database.tables import api_keys
from domain.access import CreateApiKey, Role
from domain.errors import InvalidValue
from tests.conftest import ADMIN, GraphQLClient
from tests.integration.clock import MovableClock

CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id expiresAt } secret userErrors { field code message } } }"""


@pytest.fixture
async def clock_and_gql(app_settings) -> AsyncIterator[tuple[MovableClock, GraphQLClient]]:
    clock = MovableClock()
    app = create_app(app_settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            yield clock, GraphQLClient(http)


async def test_a_key_past_its_expiry_gets_a_401_even_while_cached(clock_and_gql):
    clock, gql = clock_and_gql
    expires_at = clock.now + timedelta(minutes=10)
    created = (
        await gql(
            CREATE_KEY,
            {"input": {"name": "temp", "role": "ADMIN", "expiresAt": expires_at.isoformat()}},
        )
    )["createApiKey"]
    assert created["userErrors"] == []
    key = gql.as_key(created["secret"])
    assert (await key("{ viewer { role } }"))["viewer"]["role"] == "ADMIN"  # now cached
    [listed] = (await gql("{ apiKeys { expiresAt } }"))["apiKeys"]
    assert datetime.fromisoformat(listed["expiresAt"]) == expires_at

    clock.advance(9 * 60)
    assert (await key.post("{ viewer { role } }")).status_code == 200
    clock.advance(60)
    refused = await key.post("{ viewer { role } }")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["message"] == "unknown, revoked or expired API key"


async def test_an_expiry_in_the_past_is_refused(gql):
    data = await gql(
        CREATE_KEY,
        {"input": {"name": "x", "role": "ADMIN", "expiresAt": "2001-01-01T00:00:00+00:00"}},
    )
    assert data["createApiKey"] == {
        "apiKey": None,
        "secret": None,
        "userErrors": [
            {
                "field": ["input", "expiresAt"],
                "code": "INVALID_VALUE",
                "message": "expiresAt must be in the future",
            }
        ],
    }
    assert (await gql("{ apiKeys { id } }"))["apiKeys"] == []


def test_an_expiry_without_time_zone_is_refused():
    command = CreateApiKey("x", Role.ADMIN, expires_at=datetime(2999, 1, 1))
    with pytest.raises(InvalidValue, match="expiresAt needs a time zone"):
        command.validate()


async def test_the_principal_carries_its_keys_expiry_and_ends_with_it(clocked_services, clock):
    expires_at = clock.now + timedelta(seconds=30)
    key, secret = await clocked_services.dispatch(
        CreateApiKey("temp", Role.ADMIN, expires_at=expires_at), ADMIN
    )
    assert key.expires_at == expires_at
    principal = await clocked_services.api_keys.authenticate(secret)
    assert principal is not None and principal.expires_at == expires_at
    clock.advance(30)
    assert await clocked_services.api_keys.authenticate(secret) is None
    _, lasting = await clocked_services.dispatch(CreateApiKey("lasting", Role.ADMIN), ADMIN)
    assert (await clocked_services.api_keys.authenticate(lasting)).expires_at is None


def _migrate_and_read_expiries(url: str, migrate: bool = False) -> list[datetime]:
    async def read() -> list[datetime]:
        database = Database(url)
        try:
            if migrate:
                await upgrade(database)
            async with database.read() as conn:
                rows = (await conn.execute(select(api_keys.c.expires_at))).scalars().all()
        finally:
            await database.dispose()
        return [aware(moment) for moment in rows]

    return asyncio.run(read())


def test_create_key_on_the_command_line_takes_an_expiry_in_days(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    assert _migrate_and_read_expiries(url, migrate=True) == []
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", url)
    before = datetime.now(UTC)
    cli.main(["create-key", "--name", "ci", "--role", "admin", "--expires-in-days", "2"])
    assert ", expires 20" in capsys.readouterr().out
    [stored] = _migrate_and_read_expiries(url)
    assert before + timedelta(days=2) <= stored <= datetime.now(UTC) + timedelta(days=2)

    with pytest.raises(SystemExit) as refused:
        cli.main(["create-key", "--name", "ci", "--role", "admin", "--expires-in-days", "0"])
    assert refused.value.code == 2
    assert "--expires-in-days: expected days above 0" in capsys.readouterr().err

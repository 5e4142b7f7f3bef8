"""Edges of a server exposed to the web: CORS on /graphql for shop pages on other origins,
a GraphiQL that does not keep pasted keys, and an admin token that never reaches the logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import replace

import httpx
import pytest

from api.app import CORS_MAX_AGE, create_app
from api.cli import shown_url
from api.database.engine import Database
from api.database.migrate import upgrade
from api.settings import Settings, SettingsError
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_reservations_api import channel
from tests.e2e.pages_server import REPO, free_port

SHOP = "https://shop.example"
PREFLIGHT = {
    "origin": SHOP,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""The app is storage-agnostic here: SQLite only."""


@SQLITE
async def test_a_preflight_from_another_origin_is_answered(gql):
    response = await gql.http.options("/graphql", headers=PREFLIGHT)
    assert response.status_code == 200
    headers = response.headers
    assert headers["access-control-allow-origin"] == "*"
    assert set(headers["access-control-allow-methods"].split(", ")) == {"GET", "POST"}
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert headers["access-control-max-age"] == str(CORS_MAX_AGE)
    assert "access-control-allow-credentials" not in headers


@SQLITE
async def test_a_shop_page_on_another_origin_reads_availability_with_a_storefront_key(gql):
    await channel(gql, "web")
    created = await gql(
        CREATE_KEY, {"input": {"name": "s", "role": "STOREFRONT", "channel": "web"}}
    )
    response = await gql.http.post(
        "/graphql",
        json={"query": '{ availability(channel: "web", skus: ["TEE"]) { published } }'},
        headers={"origin": SHOP, "authorization": f"Bearer {created['createApiKey']['secret']}"},
    )
    assert response.json()["data"] == {"availability": []}
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "Retry-After, X-Request-Id"


@SQLITE
async def test_only_the_configured_origins_pass_a_preflight(app_settings):
    app = create_app(replace(app_settings, cors_origins=(SHOP,)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            allowed = await http.options("/graphql", headers=PREFLIGHT)
            assert allowed.headers["access-control-allow-origin"] == SHOP
            refused = await http.options(
                "/graphql", headers={**PREFLIGHT, "origin": "https://elsewhere.example"}
            )
            assert refused.status_code == 400
            assert "access-control-allow-origin" not in refused.headers


def test_cors_origins_are_read_from_the_environment():
    def read(raw: str) -> tuple[str, ...]:
        return Settings.from_env({"STOCKPOOL_CORS_ORIGINS": raw}).cors_origins

    assert Settings.from_env({}).cors_origins == ("*",)
    assert read("https://a.example, http://localhost:3000") == (
        "https://a.example",
        "http://localhost:3000",
    )
    assert read("") == ()
    with pytest.raises(SettingsError, match=r"^STOCKPOOL_CORS_ORIGINS="):
        read("https://a.example/")


@SQLITE
async def test_graphiql_does_not_keep_pasted_headers_in_the_browser(gql):
    page = await gql.as_key(None).http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "shouldPersistHeaders: false," in page.text
    assert "shouldPersistHeaders: true" not in page.text
    assert 'localStorage.removeItem("graphiql:headers")' in page.text
    assert page.headers["cache-control"] == "no-store"


async def _served_output(admin_token: str, tmp_path) -> str:
    """`stockpool serve` with a configured admin token, one authenticated request, then
    Ctrl-C: everything it printed and logged."""
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    database = Database(database_url)
    await upgrade(database)
    await database.dispose()
    env = {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_ADMIN_TOKEN": admin_token,
        "STOCKPOOL_LOG_LEVEL": "info",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "serve", "--port", str(port),
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    response = await http.post(
                        "/graphql",
                        json={"query": "{ viewer { role } }"},
                        headers={"authorization": f"Bearer {admin_token}"},
                    )
                    break
                except httpx.TransportError:
                    assert server.returncode is None, "stockpool serve stopped"
                    await asyncio.sleep(0.05)
            assert response.json()["data"] == {"viewer": {"role": "ADMIN"}}
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(server.communicate(), 20)
    return output.decode()


async def test_a_configured_admin_token_is_never_printed_nor_logged(tmp_path):
    token = "configured-admin-token-7f3a9c"
    output = await _served_output(token, tmp_path)
    assert "POST /graphql 200" in output  # the request log was on
    assert "the STOCKPOOL_ADMIN_TOKEN you set" in output
    assert token not in output


def test_start_up_output_masks_the_database_password_and_a_bad_admin_token():
    assert shown_url("postgresql+asyncpg://app:s3cret@db:5432/stock") == (
        "postgresql+asyncpg://app:***@db:5432/stock"
    )
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"STOCKPOOL_ADMIN_TOKEN": "s3cret\ttoken"})
    assert "STOCKPOOL_ADMIN_TOKEN" in str(refused.value)
    assert "s3cret" not in str(refused.value)

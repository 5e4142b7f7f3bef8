"""GraphiQL in headless Chromium: a subscription typed into it runs over WebSocket with the
key from its headers editor, shows the snapshot, then a change made through the API.

The page loads its assets from unpkg.com and the test machine has no internet: every unpkg
URL is answered from tests/e2e/graphiql/node_modules (npm ci from its lock), the same files
at the versions the page pins, so their integrity hashes must match too. Any other request
off this server is refused."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from schema.graphql_ide import GRAPHIQL_PAGE
from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import http
from tests.api.test_listings_api import listed
from tests.api.test_reservations_api import channel
from tests.conftest import ADMIN_TOKEN
from tests.e2e.npm import installed
from tests.e2e.pages_server import REPO, chromium, require_chromium
from tests.services import IN_CI

try:
    from playwright.async_api import Page, Route, expect
except ImportError as missing:  # pragma: no cover - depends on the machine
    if IN_CI:
        raise
    pytest.skip(f"Playwright is not installed ({missing})", allow_module_level=True)

SCREENSHOTS = REPO / "test-output" / "pages"
WAIT_MS = 10_000

ASSETS = Path(__file__).parent / "graphiql"
UNPKG = re.compile(
    r"https://unpkg\.com/(?P<package>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>[^\"?#]+)"
)
TYPES = {".js": "text/javascript", ".css": "text/css"}
SUBSCRIPTION = """subscription Shown {
  availabilityChanged(channel: "web", skus: ["TEE"]) { sku published version }
}"""


def test_every_asset_the_page_loads_is_the_pinned_npm_file():
    assert GRAPHIQL_PAGE is not None
    pinned = {(m["package"], m["version"]) for m in UNPKG.finditer(GRAPHIQL_PAGE)}
    declared = json.loads((ASSETS / "package.json").read_text())["dependencies"]
    assert pinned == set(declared.items()), "tests/e2e/graphiql/package.json must pin these"


async def _unpkg_from_npm(modules: Path, route: Route) -> None:
    found = UNPKG.fullmatch(route.request.url)
    if found is None:
        await route.abort()
        return
    package_dir = modules / found["package"]
    version = json.loads((package_dir / "package.json").read_text())["version"]
    file = (package_dir / found["path"]).resolve()
    if version != found["version"] or not file.is_relative_to(package_dir.resolve()):
        await route.fulfill(status=404, body="not the pinned file")
        return
    await route.fulfill(
        status=200,
        body=file.read_bytes(),
        headers={
            "content-type": TYPES.get(file.suffix, "application/octet-stream"),
            "access-control-allow-origin": "*",
        },
    )


@pytest.fixture(scope="module")
def modules() -> Path:
    """Chromium is there and the assets are installed (before any server or loop runs)."""
    require_chromium()
    return installed(ASSETS)


@pytest.fixture
async def page(modules: Path, live_server: Any) -> AsyncIterator[Page]:
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        own = live_server.http_url

        async def route(route: Route) -> None:
            if route.request.url.startswith(own):
                await route.continue_()
            else:
                await _unpkg_from_npm(modules, route)

        await context.route("**/*", route)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_subscription_in_graphiql_shows_the_snapshot_then_live_changes(
    page: Page, live_server: Any
) -> None:
    async with http(live_server) as gql:
        await seed(gql)
        await channel(gql, "web")
        await listed(gql, "TEE", "ext-tee")
        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
        headers = json.dumps({"Authorization": f"Bearer {ADMIN_TOKEN}"})
        query = urlencode({"q": SUBSCRIPTION, "headers": headers}, quote_via=quote)  # no "+"
        await page.goto(f"{live_server.http_url}/graphql?{query}")
        await page.locator(".graphiql-execute-button").click()
        result = page.locator(".result-window")
        await expect(result).to_contain_text('"published": 5', timeout=WAIT_MS)

        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 2}})
        await expect(result).to_contain_text('"published": 7', timeout=WAIT_MS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "graphiql-subscription.png"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_queries_and_mutations_in_graphiql_run_over_http_with_the_key(
    page: Page, live_server: Any
) -> None:
    async with http(live_server) as gql:
        await seed(gql)
    headers = json.dumps({"Authorization": f"Bearer {ADMIN_TOKEN}"})
    for text, expected in [
        ("{ viewer { role } }", '"role": "ADMIN"'),
        (
            'mutation { receiveStock(input: {sku: "TEE", location: "WH", quantity: 4}) '
            "{ stockLevel { available } } }",
            '"available": 4',
        ),
    ]:
        query = urlencode({"q": text, "headers": headers}, quote_via=quote)
        await page.goto(f"{live_server.http_url}/graphql?{query}")
        await page.locator(".graphiql-execute-button").click()
        await expect(page.locator(".result-window")).to_contain_text(expected, timeout=WAIT_MS)

"""The storefront badge and the ops dashboard in headless Chromium against a real `stockpool
serve`: changes made through the API show up on the pages without a reload, and a badge comes
back by itself after the server restarts. Screenshots go to test-output/pages/."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.e2e.pages_server import REPO, Admin, MerchantSite, StockpoolServer, chromium, demo_server
from tests.services import IN_CI

SCREENSHOTS = REPO / "test-output" / "pages"
WAIT_MS = 10_000

try:
    from playwright.async_api import Browser, Page, expect
except ImportError as missing:  # pragma: no cover - depends on the machine
    if IN_CI:
        raise
    pytest.skip(
        f"Playwright is not installed ({missing}): pip install -e '.[dev]'", allow_module_level=True
    )


@pytest.fixture(scope="module")
def merchant() -> Iterator[MerchantSite]:
    site = MerchantSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
async def server(
    tmp_path_factory: pytest.TempPathFactory, merchant: MerchantSite
) -> AsyncIterator[StockpoolServer]:
    # Only the merchant's site may open WebSockets from another origin; the server's own pages
    # (the dashboard, the demo store) are same-origin and always may.
    server = await demo_server(
        tmp_path_factory.mktemp("pages"), STOCKPOOL_WEBSOCKET_ORIGINS=merchant.origin
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin(server: StockpoolServer) -> Admin:
    return Admin(server)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="en-GB", timezone_id="UTC"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


async def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def _open_product_page(
    page: Page, merchant: MerchantSite, server: StockpoolServer, key: str, *skus: str
) -> None:
    badges = "".join(
        f'<p>{sku}: <stockpool-badge channel="web" sku="{sku}" key="{html.escape(key)}">'
        "</stockpool-badge></p>"
        for sku in skus
    )
    url = merchant.product_page(
        f"/products/{skus[0]}", f"{server.base_url}/static/badge.js", badges
    )
    await page.goto(url)


def _badge(page: Page, sku: str) -> Any:
    return page.locator(f'stockpool-badge[sku="{sku}"]')


async def _reserve(admin: Admin, sku: str, quantity: int) -> None:
    await admin.mutate(
        "reserveStock",
        {
            "channel": "web",
            "orderRef": f"order-{sku}",
            "lines": [{"sku": sku, "quantity": quantity}],
        },
        "reservation { id }",
    )


async def test_the_badge_on_a_merchant_page_changes_when_a_reservation_is_made(
    page: Page, merchant: MerchantSite, server: StockpoolServer, admin: Admin
) -> None:
    await admin.listed_sku("E2E-TEE", 12)  # web keeps a 1-unit buffer: 11 published
    key = await admin.storefront_key()
    await _open_product_page(page, merchant, server, key, "E2E-TEE")
    badge = _badge(page, "E2E-TEE")
    await expect(badge).to_have_text("In stock", timeout=WAIT_MS)
    await expect(badge).to_have_attribute("status", "IN_STOCK")

    await _reserve(admin, "E2E-TEE", 7)  # 4 published: at or below web's low-stock threshold of 5

    await expect(badge).to_have_text("Only 4 left", timeout=WAIT_MS)
    await expect(badge).to_have_attribute("status", "LOW_STOCK")
    await _screenshot(page, "merchant-product-page")


async def test_the_badge_says_sold_out_when_the_last_unit_goes(
    page: Page, merchant: MerchantSite, server: StockpoolServer, admin: Admin
) -> None:
    await admin.listed_sku("E2E-CAP", 3, location="STORE-CITY")
    key = await admin.storefront_key()
    await _open_product_page(page, merchant, server, key, "E2E-CAP")
    badge = _badge(page, "E2E-CAP")
    await expect(badge).to_have_text("Only 2 left", timeout=WAIT_MS)

    # The city store's till sells the last three units; the webstore sells from that store too.
    await admin.mutate(
        "recordChannelSale",
        {"channel": "pos-city", "orderRef": "till-1", "sku": "E2E-CAP", "quantity": 3},
        "reservation { id }",
    )

    await expect(badge).to_have_text("Sold out", timeout=WAIT_MS)
    await expect(badge).to_have_attribute("status", "OUT_OF_STOCK")


def _expected_text(availability: dict[str, Any]) -> str | re.Pattern[str]:
    status = availability["status"]
    if status == "OUT_OF_STOCK":
        return "Sold out"
    if status == "LOW_STOCK":
        return f"Only {availability['sellable']} left"
    if status == "BACKORDER":
        promised = datetime.fromisoformat(availability["promisedAt"])
        # The page is en-GB: "13 Dec 2026" (CLDR spells some months out, e.g. "Sept").
        return re.compile(
            rf"^Pre-order — ships by {promised.day} {promised:%b}\w* {promised.year}$"
        )
    return "In stock"


async def test_the_demo_store_shows_each_kind_of_badge(
    page: Page, server: StockpoolServer, admin: Admin
) -> None:
    await page.goto(f"{server.base_url}/demo/store")
    skus = await page.locator("stockpool-badge").evaluate_all(
        "badges => badges.map(b => b.getAttribute('sku'))"
    )
    published = (
        await admin(
            'query($skus: [String!]!) { availability(channel: "web", skus: $skus) '
            "{ sku status sellable promisedAt } }",
            {"skus": skus},
        )
    )["availability"]
    assert {row["status"] for row in published} == {
        "IN_STOCK",
        "LOW_STOCK",
        "OUT_OF_STOCK",
        "BACKORDER",
    }
    for row in published:
        await expect(_badge(page, row["sku"])).to_have_text(_expected_text(row), timeout=WAIT_MS)

    # The page's own CSS colours every span magenta; the badge's shadow DOM keeps its colours.
    colour = (
        await _badge(page, skus[0])
        .locator(".badge")
        .evaluate("label => getComputedStyle(label).color")
    )
    assert colour != "rgb(255, 0, 255)"
    await _screenshot(page, "demo-store")


async def test_the_demo_store_embeds_only_a_storefront_key(server: StockpoolServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        store = await http.get("/demo/store")
        assert store.status_code == 200
        match = re.search(r'window\.stockpoolBadge = \{"key": "([^"]+)"\}', store.text)
        assert match, store.text
        assert server.admin_token not in store.text
        viewer = await http.post(
            "/graphql",
            json={"query": "{ viewer { role channel } }"},
            headers={"authorization": f"Bearer {match.group(1)}"},
        )
        assert viewer.json()["data"] == {"viewer": {"role": "STOREFRONT", "channel": "web"}}
        forbidden = await http.post(
            "/graphql",
            json={"query": "{ stockLevels { onHand } }"},
            headers={"authorization": f"Bearer {match.group(1)}"},
        )
        assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


RECORD_FLASHES = """
window.flashed = new Set();
const note = (cell) => {
  if (cell.classList && cell.classList.contains("flash") && cell.dataset) {
    window.flashed.add(`${cell.dataset.sku}/${cell.dataset.location}/${cell.dataset.field}`);
  }
};
new MutationObserver((changes) => {
  for (const change of changes) {
    note(change.target);
    for (const added of change.addedNodes) {
      if (added.querySelectorAll) [added, ...added.querySelectorAll(".flash")].forEach(note);
    }
  }
}).observe(document.body, {
  subtree: true, childList: true, attributes: true, attributeFilter: ["class"],
});
"""


async def _log_in(page: Page, server: StockpoolServer, key: str) -> None:
    await page.goto(f"{server.base_url}/dashboard")
    await page.fill("#api-key", key)
    await page.click("#login-form button[type=submit]")


async def test_the_dashboard_shows_a_changed_cell_and_a_new_alert_without_reload(
    page: Page, server: StockpoolServer, admin: Admin
) -> None:
    await admin.listed_sku("E2E-DASH", 7)
    await _log_in(page, server, server.admin_token)
    await expect(page.locator("#connection")).to_have_text("live", timeout=WAIT_MS)
    on_hand = page.locator('td[data-sku="E2E-DASH"][data-location="WH-MAIN"][data-field="onHand"]')
    await expect(on_hand).to_have_text("7", timeout=WAIT_MS)
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads
    # The flash lasts one 1.6 s animation: on a loaded machine it can be over before an
    # assertion looks, so every cell that flashes is recorded as it happens.
    await page.evaluate(RECORD_FLASHES)

    await admin.mutate(
        "receiveStock", {"sku": "E2E-DASH", "location": "WH-MAIN", "quantity": 5}, ""
    )
    await expect(on_hand).to_have_text("12", timeout=WAIT_MS)
    await page.wait_for_function("window.flashed.has('E2E-DASH/WH-MAIN/onHand')", timeout=WAIT_MS)
    total = page.locator('td[data-sku="E2E-DASH"][data-location="_total"][data-field="onHand"]')
    await expect(total).to_have_text("12")
    ledger_row = page.locator("#ledger li", has_text="E2E-DASH @ WH-MAIN").first
    await expect(ledger_row).to_contain_text("onHand +5", timeout=WAIT_MS)

    # The web connector reports a quantity the channel does not publish: a DRIFT alert.
    await admin(
        'mutation { reportChannelQuantity(input: {channel: "web", externalSku: "E2E-DASH", '
        "quantity: 40}) { drift userErrors { code } } }"
    )
    alert = page.locator('#alerts li[data-type="DRIFT"]', has_text="E2E-DASH")
    await expect(alert).to_contain_text("web shows 40", timeout=WAIT_MS)
    await expect(alert.locator(".status")).to_have_text("open")
    await _screenshot(page, "dashboard")

    await alert.get_by_role("button", name="Acknowledge").click()
    await expect(alert.locator(".status")).to_have_text("acknowledged", timeout=WAIT_MS)
    await alert.get_by_role("button", name="Resolve").click()
    await expect(alert).to_have_count(0, timeout=WAIT_MS)

    await page.fill("#filter-sku", "e2e-dash")
    await expect(page.locator("#stock-table tbody tr")).to_have_count(1)
    assert await page.evaluate("window.sameDocument") is True


async def test_the_dashboard_refuses_a_key_that_is_not_an_admin_key(
    page: Page, server: StockpoolServer, admin: Admin
) -> None:
    await _log_in(page, server, await admin.storefront_key())
    await expect(page.locator("#login-error")).to_have_text(
        "The dashboard needs an admin key; this is a storefront key.", timeout=WAIT_MS
    )
    assert await page.evaluate("sessionStorage.length") == 0


async def test_the_badge_recovers_after_the_server_restarts(
    page: Page, merchant: MerchantSite, server: StockpoolServer, admin: Admin
) -> None:
    await admin.listed_sku("E2E-BOOT", 20)
    key = await admin.storefront_key()
    await _open_product_page(page, merchant, server, key, "E2E-BOOT")
    badge = _badge(page, "E2E-BOOT")
    await expect(badge).to_have_text("In stock", timeout=WAIT_MS)

    server.stop()
    await expect(badge).to_have_attribute("stale", "", timeout=WAIT_MS)  # knows it lost the link
    await server.start()
    await expect(badge).not_to_have_attribute("stale", "", timeout=WAIT_MS)

    await _reserve(admin, "E2E-BOOT", 16)  # 3 published

    await expect(badge).to_have_text("Only 3 left", timeout=WAIT_MS)

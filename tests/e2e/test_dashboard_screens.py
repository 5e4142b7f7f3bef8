"""The ops dashboard on a phone (390 px), a laptop (1,280 by 800) and a wide screen (1,920 px)
in headless Chromium against a real `stockpool serve` with the demo catalogue: the page never
scrolls sideways, the stock table scrolls inside its own box, the chart's labels keep their
size, every SKU has a row (one never stocked shows zeros), and on the laptop and the wide screen
the total row and the ledger are in view without scrolling. Screenshots at each width go to
test-output/pages/dashboard-<width>.png (git ignores test-output/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.e2e.pages_server import REPO, Admin, StockpoolServer, chromium, demo_server
from tests.services import IN_CI

try:
    from playwright.async_api import Browser, Page, expect
except ImportError as missing:  # pragma: no cover - depends on the machine
    if IN_CI:
        raise
    pytest.skip(
        f"Playwright is not installed ({missing}): pip install -e '.[dev]'", allow_module_level=True
    )

SCREENSHOTS = REPO / "test-output" / "pages"
WAIT_MS = 10_000
NEVER_STOCKED = "E2E-NEVER-STOCKED"
SCREENS = [
    pytest.param(390, 844, id="phone-390"),
    pytest.param(1280, 800, id="laptop-1280"),
    pytest.param(1920, 1080, id="wide-1920"),
]
DESKTOPS = SCREENS[1:]  # the laptop and the wide screen

# Where the page and its boxes lie, measured in the page: every box the dashboard draws must
# lie within the window's width.
LAYOUT = """() => {
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  return {
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight,
    boxes: [...document.querySelectorAll("header, main, .stock, .panel, .table-scroll, .chart")]
      .map((node) => ({ name: node.className.baseVal ?? node.className ?? node.tagName, ...box(node) })),
    tableScrolls: (() => {
      const scroll = document.querySelector(".table-scroll");
      return { clientWidth: scroll.clientWidth, scrollWidth: scroll.scrollWidth };
    })(),
    labels: [...document.querySelectorAll("#sales-chart .label")].map((label) => ({
      fontSize: getComputedStyle(label).fontSize,
      height: label.getBoundingClientRect().height,
    })),
  };
}"""

# Whether the element is what the window shows at its centre (not hidden behind anything).
SEEN = """(node) => {
  const r = node.getBoundingClientRect();
  return node.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
}"""


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StockpoolServer]:
    server = await demo_server(tmp_path_factory.mktemp("screens"))
    # A SKU in the catalogue with no stock level anywhere yet.
    await Admin(server).mutate("createSku", {"code": NEVER_STOCKED, "name": "Never stocked"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@asynccontextmanager
async def _dashboard(
    browser: Browser, server: StockpoolServer, width: int, height: int
) -> AsyncIterator[Page]:
    """A logged-in dashboard at width by height, live, with its table, chart and ledger drawn;
    closed afterwards, with no uncaught error in the page."""
    context = await browser.new_context(
        viewport={"width": width, "height": height}, locale="en-GB", timezone_id="UTC"
    )
    errors: list[str] = []
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await _log_in(page, server)
        yield page
    finally:
        await context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


async def _log_in(page: Page, server: StockpoolServer) -> None:
    await page.goto(f"{server.base_url}/dashboard")
    await page.fill("#api-key", server.admin_token)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#connection")).to_have_text("live", timeout=WAIT_MS)
    await expect(_cell(page, NEVER_STOCKED, "_total", "onHand")).to_have_text("0", timeout=WAIT_MS)
    await expect(page.locator("#ledger li")).to_have_count(30, timeout=WAIT_MS)
    await expect(page.locator("#sales-chart .label")).to_have_count(3)


def _cell(page: Page, sku: str, location: str, field: str) -> Any:
    return page.locator(
        f'#stock-table td[data-sku="{sku}"][data-location="{location}"][data-field="{field}"]'
    )


async def _screenshots(page: Page, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"))
    await page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}-full.png"), full_page=True)


@pytest.mark.parametrize(("width", "height"), SCREENS)
async def test_the_dashboard_fits_the_width_of_the_screen(
    browser: Browser, server: StockpoolServer, width: int, height: int
) -> None:
    async with _dashboard(browser, server, width, height) as page:
        await _screenshots(page, width)
        layout = await page.evaluate(LAYOUT)

    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= layout["innerWidth"], "the page scrolls sideways"
    for box in layout["boxes"]:
        assert box["left"] >= 0 and box["right"] <= width, f"{box} sticks out of {width} px"
    # The stock table is wider than a phone: it scrolls inside its own box, not the page.
    if width == 390:
        assert layout["tableScrolls"]["scrollWidth"] > layout["tableScrolls"]["clientWidth"]
    # Chart labels keep the style sheet's size, however wide the chart is drawn.
    assert layout["labels"], "the chart has no labels"
    for label in layout["labels"]:
        assert label["fontSize"] == "11px"
        assert 8 <= label["height"] <= 16, f"a chart label {label['height']} px tall"


@pytest.mark.parametrize(("width", "height"), DESKTOPS)
async def test_the_total_row_and_the_ledger_are_in_view_without_scrolling(
    browser: Browser, server: StockpoolServer, width: int, height: int
) -> None:
    async with _dashboard(browser, server, width, height) as page:
        skus = await page.locator("#stock-table tbody tr").count()
        # The row's cells stick to the bottom of the table's box (the <tr> itself stays put).
        total_row = await page.locator("#stock-table tfoot th").bounding_box()
        on_top = await page.locator("#stock-table tfoot th").evaluate(SEEN)
        ledger = await page.locator(".ledger-panel").bounding_box()
        newest_entry = await page.locator("#ledger li").first.bounding_box()
        page_height = await page.evaluate("document.documentElement.scrollHeight")

    assert on_top, "the total row is covered"
    assert skus > 25, "too few SKUs for the table to need scrolling"
    assert page_height <= height, "the page itself scrolls"
    for name, box in (("total row", total_row), ("ledger", ledger), ("ledger row", newest_entry)):
        assert box is not None, f"the {name} is not drawn"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the {name} is off the side"
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"the {name} is off screen"


async def test_a_sku_never_stocked_has_a_row_of_zeros(
    browser: Browser, server: StockpoolServer
) -> None:
    async with _dashboard(browser, server, 1280, 800) as page:
        row = page.locator(f'#stock-table tbody tr[data-sku="{NEVER_STOCKED}"]')
        cells = row.locator("td")
        texts = await cells.all_inner_texts()
        classes = await cells.evaluate_all("cells => cells.map(cell => cell.className)")
        locations = await page.locator("#filter-location option").count() - 1  # "All locations"

    assert texts == ["0"] * 4 * (locations + 1)  # four counters per location and the total
    assert all("no-level" in names for names in classes[: 4 * locations])
    assert locations >= 2

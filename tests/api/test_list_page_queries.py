"""List pages and hot reads pin the number of queries they send, on both databases: a page of
twenty costs what a page of one costs (no query per row)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.document_helpers import accepted
from tests.api.purchase_order_helpers import order
from tests.api.stock_operations import seed
from tests.api.test_backorders_api import move
from tests.api.test_cycle_counts_api import move as move_count
from tests.api.test_cycle_counts_api import started
from tests.api.test_listings_api import AVAILABILITY, LISTING, LISTINGS, listed, receive
from tests.api.test_reservations_api import RESERVE, channel
from tests.api.test_returns_api import FULFIL, returned
from tests.api.test_transfers_api import drafted
from tests.query_count import assert_num_queries, count_queries

DOCUMENTS = 3
"""Documents of each kind on the list: more than a page of one, fewer than a page of 20."""
SKUS = ("TEE", "CAP")
LATER = "2026-12-01T09:00:00+00:00"


def page_of(field: str, node: str) -> str:
    return f"""query($first: Int!) {{ {field}(first: $first) {{
      edges {{ node {{ {node} }} }} pageInfo {{ hasNextPage }} }} }}"""


RESERVATIONS = page_of("reservations", "id status lines { sku quantity reserved }")
PURCHASE_ORDERS = page_of("purchaseOrders", "id location lines { sku ordered outstanding }")
TRANSFERS = page_of("transfers", "id from to lines { sku quantity }")
RETURNS = page_of(
    "customerReturns", "id channel lines { sku quantity inspections { outcome quantity } }"
)
COUNTS = page_of("cycleCounts", "id location lines { sku expected counted }")
SKU_PAGE = page_of("skus", "code name active")
STOCK_LEVELS = "{ stockLevels { sku location onHand available reserved } }"
RESERVATION = "query($id: ID!) { reservation(id: $id) { id status lines { sku quantity } } }"


@pytest.fixture
async def store(gql):
    """TEE and CAP, 100 of each at WH, sold by the web channel."""
    await seed(gql, skus=SKUS, locations=("WH", "SHOP"))
    await channel(gql, "web", ("WH",))
    for sku in SKUS:
        await receive(gql, sku, "WH", 100)
    return gql


async def reserve(gql: Any, order_ref: str) -> str:
    data = await gql(
        RESERVE,
        {
            "input": {
                "channel": "web",
                "orderRef": order_ref,
                "lines": [{"sku": sku, "quantity": 2} for sku in SKUS],
            }
        },
    )
    reservation_id: str = accepted(data["reserveStock"], "reservation")["id"]
    return reservation_id


async def queries_per_page(gql: Any, query: str, field: str) -> tuple[int, int]:
    """The statements sent for a page of one and for a page of 20 (which must hold every
    document on the list)."""
    sent = []
    for first in (1, 20):
        with count_queries() as statements:
            found = (await gql(query, {"first": first}))[field]
        assert len(found["edges"]) == min(first, DOCUMENTS)
        sent.append(len(statements))
    return sent[0], sent[1]


async def test_reservations_page_loads_in_constant_queries(store):
    for number in range(DOCUMENTS):
        await reserve(store, f"o-{number}")
    assert await queries_per_page(store, RESERVATIONS, "reservations") == (3, 3)


async def test_purchase_orders_page_loads_in_constant_queries(store):
    for _ in range(DOCUMENTS):
        await order(store, [(sku, 5) for sku in SKUS], LATER)
    assert await queries_per_page(store, PURCHASE_ORDERS, "purchaseOrders") == (3, 3)


async def test_transfers_page_loads_in_constant_queries(store):
    for _ in range(DOCUMENTS):
        await drafted(store, [(sku, 1) for sku in SKUS])
    assert await queries_per_page(store, TRANSFERS, "transfers") == (3, 3)


async def test_customer_returns_page_loads_in_constant_queries(store):
    """A return's lines carry their inspections: one more query, for the whole page."""
    for number in range(DOCUMENTS):
        reservation_id = await reserve(store, f"o-{number}")
        await move(store, "commitReservation", reservation_id)
        shipped = await store(FULFIL, {"input": {"id": reservation_id}})
        assert shipped["fulfilReservation"]["userErrors"] == []
        await returned(store, [(sku, 1) for sku in SKUS], reservationId=reservation_id)
    assert await queries_per_page(store, RETURNS, "customerReturns") == (4, 4)


async def test_cycle_counts_page_loads_in_constant_queries(store):
    for _ in range(DOCUMENTS):
        count = await started(store, list(SKUS))
        accepted(await move_count(store, "cancelCount", count["id"]), "cycleCount")
    assert await queries_per_page(store, COUNTS, "cycleCounts") == (3, 3)


async def test_skus_page_loads_in_constant_queries(store):
    await seed(store, skus=("MUG",))
    assert await queries_per_page(store, SKU_PAGE, "skus") == (1, 1)


async def test_stock_levels_load_in_one_query(store):
    with assert_num_queries(1):
        await store(STOCK_LEVELS)


async def test_a_reservation_loads_in_two_queries(store):
    reservation_id = await reserve(store, "o-1")
    with assert_num_queries(2):
        await store(RESERVATION, {"id": reservation_id})


AVAILABILITY_QUERIES = 6
"""The channel and its locations (2), its listings and their campaigns (2), then what they
publish now (2: the bundles among the SKUs, and the counters of their levels with expired
holds let go, the channel's rules coming with the channel), whatever the number of SKUs."""


async def test_published_availability_loads_in_constant_queries(store):
    for sku in SKUS:
        await listed(store, sku, f"web-{sku}")
    await reserve(store, "o-1")
    for skus in (SKUS[:1], SKUS):
        with assert_num_queries(AVAILABILITY_QUERIES):
            found = await store(AVAILABILITY, {"channel": "web", "skus": list(skus)})
        assert [a["published"] for a in found["availability"]] == [98] * len(skus)
    with assert_num_queries(AVAILABILITY_QUERIES):
        assert len((await store(LISTINGS, {"channel": "web"}))["listings"]) == len(SKUS)


async def test_a_listing_loads_in_five_queries(store):
    """The listing and its campaigns (2), its channel's rules, the bundles and the counters."""
    await listed(store, "TEE", "web-TEE")
    with assert_num_queries(5):
        found = await store(LISTING, {"channel": "web", "sku": "TEE"})
    assert found["listing"]["availability"]["published"] == 100

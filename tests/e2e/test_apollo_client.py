"""Apollo Client, as a client developer would use it (tests/e2e/apollo/script.mjs): with the
default InMemoryCache and no configuration, watched `stockLevels` and `availability` queries
follow the updates `stockLevelChanged` and `availabilityChanged` deliver over graphql-ws,
because both sides carry the same Node ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import http
from tests.api.test_listings_api import listed
from tests.api.test_reservations_api import channel
from tests.conftest import ADMIN_TOKEN
from tests.e2e.npm import installed, run_node_script

APOLLO = Path(__file__).parent / "apollo"
CATALOGUE = {"SKU": "TEE", "LOCATION": "WH", "CHANNEL": "web"}


@pytest.fixture(scope="module")
def apollo() -> Path:
    installed(APOLLO)
    return APOLLO


async def run_script(directory: Path, url: str) -> list[dict[str, Any]]:
    return await run_node_script(
        directory, "script.mjs", STOCKPOOL_URL=url, STOCKPOOL_KEY=ADMIN_TOKEN, **CATALOGUE
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_watched_query_follows_subscription_updates_in_apollos_default_cache(
    apollo, live_server
):
    async with http(live_server) as gql:
        await seed(gql)
        await channel(gql, "web")
        await listed(gql, "TEE", "ext-tee")
        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})

    lines = await run_script(apollo, live_server.http_url)

    assert lines[-1] == {"done": True}
    assert {"changed": {"available": 8}} in lines
    [followed] = [line for line in lines if "followed" in line]
    assert followed["followed"] == {"available": 8, "published": 8}
    # One normalised entry per object, keyed by its Node id, whichever operation brought it.
    assert [key.split(":")[0] for key in followed["cacheKeys"]] == [
        "ChannelAvailability",
        "StockLevel",
    ]
    assert [line["stockLevels"] for line in lines if "stockLevels" in line][-1] == 8
    assert [line["availability"] for line in lines if "availability" in line][-1] == 8

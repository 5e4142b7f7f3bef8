"""Apollo Client's own persisted query link against a served stockpool
(tests/e2e/apollo/persisted.mjs): the APQ protocol as Apollo implements it, hashed queries by
GET, mutations by POST, a subscription over graphql-ws carrying the hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import http, services_of
from tests.api.test_listings_api import listed
from tests.api.test_reservations_api import channel
from tests.conftest import ADMIN_TOKEN
from tests.e2e.npm import installed, run_node_script

APOLLO = Path(__file__).parent / "apollo"


@pytest.fixture(scope="module")
def apollo() -> Path:
    installed(APOLLO)
    return APOLLO


async def run_persisted_script(url: str) -> list[dict[str, Any]]:
    return await run_node_script(
        APOLLO,
        "persisted.mjs",
        STOCKPOOL_URL=url,
        STOCKPOOL_KEY=ADMIN_TOKEN,
        SKU="TEE",
        CHANNEL="web",
    )


def requests_by_step(lines: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Each step's HTTP requests as (method, sent the query, sent the hash, status, code)."""
    steps: dict[str, list[tuple[Any, ...]]] = {}
    step = ""
    for line in lines:
        if "step" in line:
            step = line["step"]
            steps[step] = []
        elif "request" in line:
            r = line["request"]
            steps[step].append((r["method"], r["query"], r["hash"], r["status"], r["code"]))
    return steps


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_apollos_persisted_query_link_sends_hashes_and_registers_on_not_found(
    apollo, live_server
):
    async with http(live_server) as gql:
        await seed(gql)
        await channel(gql, "web")
        await listed(gql, "TEE", "ext-tee")
        await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})

    lines = await run_persisted_script(live_server.http_url)

    assert lines[-1] == {"done": True}
    steps = requests_by_step(lines)
    not_found = "PERSISTED_QUERY_NOT_FOUND"
    assert steps["first query"] == [
        ("GET", False, True, 200, not_found),
        ("POST", True, True, 200, None),
    ]
    assert steps["second query"] == [("GET", False, True, 200, None)]
    assert steps["mutation"] == [
        ("POST", False, True, 200, not_found),
        ("POST", True, True, 200, None),
        ("POST", False, True, 200, None),
    ]
    assert [line["held"] for line in lines if "held" in line] == ["HELD", "HELD"]
    assert [line["shelf"] for line in lines if "shelf" in line] == [5, 5]
    assert {"subscribed": 3} in lines
    # The query, the mutation and the subscription (its payload carried the hash) remembered.
    assert len(services_of(live_server).persisted_queries.recent) == 3

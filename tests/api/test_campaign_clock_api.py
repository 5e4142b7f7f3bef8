"""A campaign window changes what a channel shows at its start and end, with nobody mutating
anything: the running app's campaign clock republishes it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.api.stock_operations import RECEIVE, seed
from tests.api.test_reservations_api import channel

UPSERT = """mutation($input: UpsertListingInput!) {
  upsertListing(input: $input) { listing { availability { published version } } userErrors { code } }
}"""
AVAILABILITY = '{ availability(channel: "web", skus: ["TEE"]) { published status version } }'


async def recorded_within(gql, version: int, seconds: float) -> dict:
    """What the channel shows once the change with `version` is recorded (a read shows a
    window's figures from its first moment, under the version before, until the campaign
    clock records them)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        [found] = (await gql(AVAILABILITY))["availability"]
        if found["version"] >= version or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def test_the_running_app_opens_and_closes_a_campaign_window_on_time(gql):
    await seed(gql)
    await channel(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 10}})
    starts = datetime.now(UTC) + timedelta(seconds=0.6)
    ends = starts + timedelta(seconds=0.6)
    created = await gql(
        UPSERT,
        {
            "input": {
                "channel": "web",
                "sku": "TEE",
                "externalSku": "web-tee",
                "campaigns": [
                    {
                        "startsAt": starts.isoformat(),
                        "endsAt": ends.isoformat(),
                        "safetyPercent": 50,
                    }
                ],
            }
        },
    )
    before = created["upsertListing"]["listing"]["availability"]
    assert before["published"] == 10
    during = await recorded_within(gql, before["version"] + 1, seconds=3)
    assert (during["published"], during["version"]) == (5, before["version"] + 1)
    after = await recorded_within(gql, before["version"] + 2, seconds=3)
    assert (after["published"], after["version"]) == (10, before["version"] + 2)

"""Connector health over GraphQL: settings on updateChannel (hostile values refused as
userErrors), Channel.connector and exposureHolds seen only by admins and the channel's own
partner keys, reportChannelHeartbeat, and the outage fallback on a served app with a real
5-second timeout, seen by another channel's WebSocket subscriber."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from api.database import outage_flag
from tests.api.stock_operations import seed
from tests.api.subscription_client import connected, http
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_listings_api import listed, receive
from tests.api.test_reservations_api import channel

CONNECTOR = "connector { status lastSeenAt timeoutSeconds fallback fallbackThreshold downSince }"
UPDATE = f"""mutation($input: UpdateChannelInput!) {{ updateChannel(input: $input) {{
  channel {{ code {CONNECTOR} }} userErrors {{ field code }} }} }}"""
HEARTBEAT = f"""mutation($channel: String!) {{ reportChannelHeartbeat(input: {{channel: $channel}}) {{
  {CONNECTOR} userErrors {{ field code }} }} }}"""
CHANNEL = f"""query($code: String!) {{ channel(code: $code) {{ code {CONNECTOR}
  exposureHolds {{ sku units since }} }} }}"""
AVAILABILITY = """subscription($channel: String!, $skus: [String!]) {
  availabilityChanged(channel: $channel, skus: $skus) { sku published version } }"""
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
async def no_outage_left_behind(database):
    yield
    outage_flag.set_covering(database.url, False)


async def key(gql, role: str, channel_code: str) -> str:
    created = await gql(
        CREATE_KEY,
        {"input": {"name": f"{role}-{channel_code}", "role": role, "channel": channel_code}},
    )
    return str(created["createApiKey"]["secret"])


async def marketplace(gql) -> None:
    """TEE (10 at WH) listed on `web` and on `mp`, which shows at most 4."""
    await seed(gql)
    await channel(gql, "web")
    await channel(gql, "mp")
    await listed(gql, "TEE", "W-TEE")
    await listed(gql, "TEE", "MP-TEE", channel="mp", cap=4)
    await receive(gql, "TEE", "WH", 10)


async def update(gql, **fields: Any) -> dict[str, Any]:
    data = await gql(UPDATE, {"input": {"code": "mp", **fields}})
    return dict(data["updateChannel"])


def codes(payload: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    return [(tuple(e["field"] or ()), e["code"]) for e in payload["userErrors"]]


async def test_an_admin_turns_monitoring_on_with_a_fallback_and_off_again(gql):
    await marketplace(gql)
    payload = await update(
        gql,
        connectorTimeoutSeconds=60,
        outageFallback="PAUSE_OTHER_LISTINGS_BELOW",
        fallbackThreshold=2,
    )
    assert payload["userErrors"] == []
    assert payload["channel"]["connector"] == {
        "status": "UNKNOWN",
        "lastSeenAt": None,
        "timeoutSeconds": 60,
        "fallback": "PAUSE_OTHER_LISTINGS_BELOW",
        "fallbackThreshold": 2,
        "downSince": None,
    }
    renamed = await update(gql, name="Marketplace")
    assert renamed["channel"]["connector"]["timeoutSeconds"] == 60
    off = await update(gql, connectorTimeoutSeconds=None)
    assert off["channel"]["connector"]["timeoutSeconds"] is None


@SQLITE
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"connectorTimeoutSeconds": 0}, [(("input", "connectorTimeoutSeconds"), "INVALID_VALUE")]),
        (
            {"connectorTimeoutSeconds": -5},
            [(("input", "connectorTimeoutSeconds"), "INVALID_VALUE")],
        ),
        (
            {"connectorTimeoutSeconds": 86_401},
            [(("input", "connectorTimeoutSeconds"), "INVALID_VALUE")],
        ),
        (
            {"connectorTimeoutSeconds": 2**31 - 1},
            [(("input", "connectorTimeoutSeconds"), "INVALID_VALUE")],
        ),
        (
            {"outageFallback": "PAUSE_OTHER_LISTINGS_BELOW", "fallbackThreshold": -1},
            [(("input", "fallbackThreshold"), "INVALID_QUANTITY")],
        ),
        (
            {"outageFallback": "HOLD_EXPOSURE", "fallbackThreshold": 3},
            [(("input", "fallbackThreshold"), "INVALID_VALUE")],
        ),
    ],
)
async def test_hostile_connector_settings_are_refused_as_user_errors(gql, fields, expected):
    await marketplace(gql)
    payload = await update(gql, **fields)
    assert (payload["channel"], codes(payload)) == (None, expected)


@SQLITE
async def test_a_timeout_past_graphqls_int_is_refused_before_it_runs_never_a_500(gql):
    await marketplace(gql)
    response = await gql.post(UPDATE, {"input": {"code": "mp", "connectorTimeoutSeconds": 10**12}})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert "connectorTimeoutSeconds" in error["message"]


async def test_a_partner_sees_only_its_channels_connector_and_a_storefront_key_none(gql):
    await marketplace(gql)
    await update(gql, connectorTimeoutSeconds=60, outageFallback="HOLD_EXPOSURE")
    mp_partner = gql.as_key(await key(gql, "PARTNER", "mp"))
    web_partner = gql.as_key(await key(gql, "PARTNER", "web"))
    storefront = gql.as_key(await key(gql, "STOREFRONT", "mp"))
    own = (await mp_partner(CHANNEL, {"code": "mp"}))["channel"]
    assert (own["connector"]["fallback"], own["exposureHolds"]) == ("HOLD_EXPOSURE", [])
    assert (await web_partner(CHANNEL, {"code": "mp"}))["channel"] is None
    refused = (await storefront.post(CHANNEL, {"code": "mp"})).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for outsider in (web_partner, storefront):
        beat = (await outsider(HEARTBEAT, {"channel": "mp"}))["reportChannelHeartbeat"]
        assert (beat["connector"], codes(beat)) == (None, [((), "FORBIDDEN")])
    unknown = (await gql(HEARTBEAT, {"channel": "nowhere"}))["reportChannelHeartbeat"]
    assert codes(unknown) == [(("input", "channel"), "CHANNEL_NOT_FOUND")]
    beat = (await mp_partner(HEARTBEAT, {"channel": "mp"}))["reportChannelHeartbeat"]
    assert beat["userErrors"] == []


@SQLITE
async def test_a_request_with_the_partner_key_is_a_sign_of_life(gql):
    await marketplace(gql)
    await update(gql, connectorTimeoutSeconds=60)
    mp_partner = gql.as_key(await key(gql, "PARTNER", "mp"))
    await mp_partner("{ viewer { name } }")
    for _ in range(200):  # written by the next look of the monitor (twice a second)
        seen = (await gql(CHANNEL, {"code": "mp"}))["channel"]["connector"]
        if seen["lastSeenAt"] is not None:
            break
        await asyncio.sleep(0.02)
    assert seen["status"] == "UP"


async def test_a_silent_marketplace_lowers_the_webstore_within_seconds_on_a_served_app(
    live_server,
):
    """A real 5 s timeout: the webstore's subscriber sees TEE drop from 10 to 6 once the
    marketplace (showing 4) has been silent past it; its heartbeat brings the 4 back."""
    async with http(live_server) as gql:
        await marketplace(gql)
        mp_key = await key(gql, "PARTNER", "mp")
        partner = gql.as_key(mp_key)
        async with connected(live_server) as subscriber:
            await subscriber.subscribe("1", AVAILABILITY, {"channel": "web", "skus": ["TEE"]})
            (snapshot,) = await subscriber.results(1)
            assert snapshot["availabilityChanged"]["published"] == 10
            await update(gql, connectorTimeoutSeconds=5, outageFallback="HOLD_EXPOSURE")
            await partner(HEARTBEAT, {"channel": "mp"})
            silent_from = time.monotonic()
            (dropped,) = await subscriber.results(1, within=15)
            delay = time.monotonic() - silent_from
            assert dropped["availabilityChanged"]["published"] == 6
            print(f"\nsilent -> subscriber saw the drop: {delay:.2f} s (timeout 5 s)")
            state = (await gql(CHANNEL, {"code": "mp"}))["channel"]
            assert state["connector"]["status"] == "DOWN"
            assert [(h["sku"], h["units"]) for h in state["exposureHolds"]] == [("TEE", 4)]
            beat = (await partner(HEARTBEAT, {"channel": "mp"}))["reportChannelHeartbeat"]
            assert beat["connector"]["status"] == "UP"
            (back,) = await subscriber.results(1)
            assert back["availabilityChanged"]["published"] == 10


@SQLITE
async def test_a_partner_websocket_is_a_sign_of_life_and_a_storefront_one_is_not(live_server):
    async with http(live_server) as gql:
        await marketplace(gql)
        await update(gql, connectorTimeoutSeconds=60)
        storefront = await key(gql, "STOREFRONT", "mp")
        async with connected(live_server, token=storefront):
            await asyncio.sleep(1.2)  # past a look and a write of any sign
        state = (await gql(CHANNEL, {"code": "mp"}))["channel"]["connector"]
        assert state["lastSeenAt"] is None
        async with connected(live_server, token=await key(gql, "PARTNER", "mp")):
            for _ in range(200):
                state = (await gql(CHANNEL, {"code": "mp"}))["channel"]["connector"]
                if state["lastSeenAt"] is not None:
                    break
                await asyncio.sleep(0.02)
        assert state["status"] == "UP"


@SQLITE
async def test_create_channel_takes_the_connector_settings(gql):
    data = await gql(
        """mutation { createChannel(input: {code: "tiktok", name: "TikTok", kind: MARKETPLACE,
          connectorTimeoutSeconds: 30, outageFallback: HOLD_EXPOSURE}) {
          channel { connector { status timeoutSeconds fallback } } userErrors { code } } }"""
    )
    assert data["createChannel"] == {
        "channel": {
            "connector": {"status": "UNKNOWN", "timeoutSeconds": 30, "fallback": "HOLD_EXPOSURE"}
        },
        "userErrors": [],
    }
    refused = await gql(
        """mutation { createChannel(input: {code: "x", name: "X", kind: MARKETPLACE,
          connectorTimeoutSeconds: 4}) { channel { code } userErrors { field code } } }"""
    )
    assert refused["createChannel"]["userErrors"] == [
        {"field": ["input", "connectorTimeoutSeconds"], "code": "INVALID_VALUE"}
    ]

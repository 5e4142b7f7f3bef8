"""The WebSocket conversation itself, on both protocols: roles, auth in connection_init, the
init timeout, and the close codes of graphql-transport-ws. Storage plays no part: SQLite only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.api.subscription_client import (
    LEGACY_WS,
    TRANSPORT_WS,
    connected,
    http,
    hub_of,
    opened,
)
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_reservations_api import channel
from tests.api.test_subscriptions_api import ALERTS, AVAILABILITY, LEVELS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BOTH = pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])


async def key(gql, role: str, channel_code: str | None = None) -> str:
    data = await gql(CREATE_KEY, {"input": {"name": role, "role": role, "channel": channel_code}})
    assert data["createApiKey"]["userErrors"] == []
    secret: str = data["createApiKey"]["secret"]
    return secret


@pytest.fixture
async def keys(live_server):
    """Channels web and amazon (no listings); a storefront and a partner key for web."""
    async with http(live_server) as gql:
        await gql(
            'mutation { createLocation(input: {code: "WH", name: "WH"}) { userErrors { code } } }'
        )
        await channel(gql, "web")
        await channel(gql, "amazon")
        return {
            "storefront": await key(gql, "STOREFRONT", "web"),
            "partner": await key(gql, "PARTNER", "web"),
        }


async def refusal(client, operation_id: str, query: str, variables=None) -> list[dict]:
    """The errors of a refused operation (graphql-ws sends only the first)."""
    await client.subscribe(operation_id, query, variables)
    message = await client.receive()
    assert (message["type"], message["id"]) == ("error", operation_id), message
    payload = message["payload"]
    return payload if isinstance(payload, list) else [payload]


def codes(errors: list[dict]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in errors]


# ---- roles -----------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize("role", ["storefront", "partner"])
async def test_a_channel_key_follows_its_own_channel_and_nothing_else(
    live_server, keys, role, protocol
):
    async with connected(live_server, protocol, token=keys[role]) as client:
        await client.subscribe("own", AVAILABILITY, {"channel": "web"})
        forbidden = [
            ("other", AVAILABILITY, {"channel": "amazon"}),
            ("levels", LEVELS, {}),
            ("alerts", ALERTS, {}),
        ]
        for operation_id, query, variables in forbidden:
            assert codes(await refusal(client, operation_id, query, variables)) == ["FORBIDDEN"]
        assert await client.silent()  # `own` is live: web lists nothing yet
        assert hub_of(live_server).groups == 1


async def test_an_admin_follows_every_channel_and_feed(live_server, keys):
    async with connected(live_server) as client:
        for operation_id, query, variables in [
            ("web", AVAILABILITY, {"channel": "web"}),
            ("amazon", AVAILABILITY, {"channel": "amazon"}),
            ("levels", LEVELS, {}),
            ("alerts", ALERTS, {}),
        ]:
            await client.subscribe(operation_id, query, variables)
        assert await client.silent()  # nothing listed, stocked or alerting: empty snapshots
        assert hub_of(live_server).groups == 4


async def test_an_unknown_channel_or_too_many_skus_is_an_error_of_the_operation(live_server, keys):
    async with connected(live_server) as client:
        too_many = {"channel": "web", "skus": [f"S{i}" for i in range(501)]}
        assert codes(await refusal(client, "1", AVAILABILITY, too_many)) == ["INVALID_VALUE"]
        errors = await refusal(client, "2", AVAILABILITY, {"channel": 7})
        assert "String cannot represent" in errors[0]["message"]
        assert codes(await refusal(client, "3", AVAILABILITY, {"channel": "nope"})) == [
            "CHANNEL_NOT_FOUND"
        ]


# ---- connection_init -------------------------------------------------------------------------


@BOTH
async def test_a_missing_or_bad_key_closes_with_4403(live_server, protocol):
    for payload in [None, {}, {"authorization": "Bearer wrong"}, {"authorization": 42}]:
        async with opened(live_server, protocol) as client:
            await client.send({"type": "connection_init", "payload": payload})
            if protocol == LEGACY_WS:
                assert (await client.receive())["type"] == "connection_error"
            assert await client.closed_with() == (4403, "Forbidden"), payload


@BOTH
async def test_a_client_that_never_sends_connection_init_is_closed_after_the_timeout(
    live_server, protocol
):
    hub = hub_of(live_server)
    hub.limits = replace(hub.limits, init_timeout=0.2)
    async with opened(live_server, protocol) as client:
        assert await client.closed_with() == (4408, "Connection initialisation timeout")


@BOTH
async def test_operations_before_connection_ack_close_with_4401(live_server, protocol):
    async with opened(live_server, protocol) as client:
        await client.subscribe("1", "{ viewer { role } }")
        assert (await client.closed_with())[0] == 4401


@BOTH
async def test_a_second_connection_init_closes_with_4429(live_server, protocol):
    async with connected(live_server, protocol) as client:
        await client.send({"type": "connection_init", "payload": {}})
        assert (await client.closed_with())[0] == 4429


# ---- the conversation ------------------------------------------------------------------------


@BOTH
async def test_queries_and_mutations_answer_once_then_complete(live_server, protocol):
    async with connected(live_server, protocol) as client:
        await client.subscribe("q", "{ viewer { role } }")
        assert await client.results(1) == [{"viewer": {"role": "ADMIN"}}]
        assert await client.receive() == {"type": "complete", "id": "q"}
        await client.subscribe(
            "m",
            'mutation { createLocation(input: {code: "X", name: "X"}) { userErrors { code } } }',
        )
        assert await client.results(1) == [{"createLocation": {"userErrors": []}}]
        assert await client.receive() == {"type": "complete", "id": "m"}


async def test_ping_is_answered_with_pong(live_server):
    async with connected(live_server) as client:
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}
        await client.send({"type": "pong"})
        assert await client.silent()


@BOTH
async def test_an_id_in_use_closes_with_4409(live_server, keys, protocol):
    async with connected(live_server, protocol) as client:
        await client.subscribe("1", AVAILABILITY, {"channel": "web"})
        await client.subscribe("1", AVAILABILITY, {"channel": "web"})
        assert await client.closed_with() == (4409, "Subscriber for 1 already exists")


@BOTH
async def test_a_message_the_protocol_does_not_know_closes_with_4400(live_server, protocol):
    for frame in ['{"type": "hello"}', "not json", '["connection_init"]', b"\x00binary"]:
        async with connected(live_server, protocol) as client:
            await client.socket.send(frame)
            assert (await client.closed_with())[0] == 4400, frame


async def test_an_unparsable_document_closes_graphql_transport_ws_with_4400(live_server):
    async with connected(live_server) as client:
        await client.subscribe("1", "subscription {")
        assert (await client.closed_with())[0] == 4400


async def test_legacy_graphql_ws_answers_an_unparsable_document_and_a_stop(live_server, keys):
    async with connected(live_server, LEGACY_WS) as client:
        assert (await refusal(client, "1", "subscription {"))[0]["message"].startswith("Syntax")
        await client.subscribe("2", AVAILABILITY, {"channel": "web"})
        await client.send({"id": "2", "type": "stop"})
        assert await client.receive() == {"type": "complete", "id": "2"}
        await client.send({"type": "connection_terminate"})
        assert (await client.closed_with())[0] == 1000


async def test_an_invalid_document_is_an_error_of_the_operation(live_server):
    async with connected(live_server) as client:
        errors = await refusal(client, "1", "subscription { nope }")
        assert "Cannot query field 'nope'" in errors[0]["message"]


async def test_a_subscription_over_http_is_a_400_that_points_to_the_websocket(gql):
    response = await gql.post("subscription { alertRaised { id } }")
    assert (response.status_code, response.text) == (
        400,
        "subscriptions are served over WebSocket at this URL",
    )

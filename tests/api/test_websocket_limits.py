"""What one key, one client address and one socket may hold: connections per key (per client
address for a storefront key) refused at connection_init with 4429, operations per
connection, and messages over the size cap closed with 1009. Real uvicorn, real sockets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.settings import Settings
from tests.api.subscription_client import (
    LEGACY_WS,
    TRANSPORT_WS,
    connected,
    eventually,
    http,
    hub_of,
    opened,
)
from tests.api.test_reservations_api import channel
from tests.api.test_subscriptions_api import AVAILABILITY
from tests.api.test_subscriptions_protocol import key

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CAP = 2
MESSAGE_CAP = 1_024
WEB_A = {"channel": "web", "skus": ["A"]}


@pytest.fixture
async def app_settings(app_settings: Settings) -> Settings:
    """Small caps, and the test client (127.0.0.1) as a trusted proxy so that each test can
    come from several addresses through X-Forwarded-For."""
    return replace(
        app_settings,
        websocket_max_connections_per_key=CAP,
        websocket_max_connections_per_address=CAP,
        websocket_max_message_bytes=MESSAGE_CAP,
        trusted_proxies=("127.0.0.1/32",),
    )


@pytest.fixture
async def storefront(live_server) -> str:
    """A storefront key of channel web, which lists SKU A."""
    async with http(live_server) as gql:
        for mutation in (
            'createLocation(input: {code: "WH", name: "WH"})',
            'createSku(input: {code: "A", name: "A"})',
        ):
            await gql(f"mutation {{ {mutation} {{ userErrors {{ code }} }} }}")
        await channel(gql, "web")
        await gql(
            'mutation { upsertListing(input: {channel: "web", sku: "A", externalSku: "A"}) '
            "{ userErrors { code } } }"
        )
        return await key(gql, "STOREFRONT", "web")


def from_address(address: str) -> dict[str, object]:
    return {"additional_headers": {"X-Forwarded-For": address}}


async def refused_at_init(live_server, token: str, protocol: str = TRANSPORT_WS, **options):
    """The close code and reason of a connection whose connection_init is refused, after the
    refusal message graphql-ws sends first."""
    async with opened(live_server, protocol, **options) as client:
        await client.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        if protocol == LEGACY_WS:
            assert await client.receive() == {
                "type": "connection_error",
                "payload": {"message": "Too many connections for this key"},
            }
        return await client.closed_with()


# ---- connections per key ---------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_key_over_its_connection_cap_is_refused_at_connection_init_with_4429(
    live_server, protocol
):
    async with connected(live_server, protocol), connected(live_server, protocol):
        closed = await refused_at_init(live_server, "test-admin-token", protocol)
        assert closed == (4429, "Too many connections for this key")


async def test_an_admin_or_partner_key_is_counted_as_a_whole_whatever_the_address(live_server):
    async with (
        connected(live_server, **from_address("198.51.100.1")),
        connected(live_server, **from_address("198.51.100.2")),
    ):
        closed = await refused_at_init(
            live_server, "test-admin-token", **from_address("198.51.100.3")
        )
        assert closed[0] == 4429


async def test_a_storefront_key_is_counted_per_client_address(live_server, storefront):
    shopper, neighbour = from_address("198.51.100.7"), from_address("203.0.113.9")
    async with (
        connected(live_server, token=storefront, **shopper),
        connected(live_server, token=storefront, **shopper),
    ):
        assert (await refused_at_init(live_server, storefront, **shopper))[0] == 4429
        async with connected(live_server, token=storefront, **neighbour) as other:
            await other.subscribe("1", AVAILABILITY, WEB_A)
            assert (await other.receive())["type"] == "next"


async def test_a_dropped_connection_gives_its_place_back_whether_closed_or_cut(live_server):
    admission = hub_of(live_server).admission
    async with connected(live_server) as first, connected(live_server) as second:
        await first.socket.close()
        await eventually(lambda: len(hub_of(live_server).connections) == 1)
        async with connected(live_server):
            second.socket.transport.abort()  # no close frame: the TCP connection is gone
            await eventually(lambda: len(hub_of(live_server).connections) == 1)
            async with connected(live_server):
                assert admission.connections == CAP
    await eventually(lambda: len(admission) == 0)


async def test_a_refused_connection_takes_no_place(live_server):
    admission = hub_of(live_server).admission
    async with connected(live_server), connected(live_server):
        for _ in range(3):
            assert (await refused_at_init(live_server, "test-admin-token"))[0] == 4429
        assert admission.connections == CAP
    await eventually(lambda: len(admission) == 0)


# ---- operations per connection ---------------------------------------------------------------


async def test_a_storefront_connection_runs_at_most_ten_subscriptions(live_server, storefront):
    hub = hub_of(live_server)
    assert hub.limits.max_storefront_operations == 10 < hub.limits.max_operations
    async with connected(live_server, token=storefront) as client:
        for n in range(10):
            await client.subscribe(str(n), AVAILABILITY, WEB_A)
            assert (await client.receive())["id"] == str(n)
        await client.subscribe("10", AVAILABILITY, WEB_A)
        refused = await client.receive()
        assert refused["type"] == "error" and refused["id"] == "10"
        assert refused["payload"][0]["message"] == "Subscription limit reached"
        await client.send({"id": "0", "type": "complete"})
        await client.subscribe("11", AVAILABILITY, WEB_A)
        assert (await client.receive())["id"] == "11"


# ---- message size ----------------------------------------------------------------------------


async def test_a_message_at_the_size_cap_is_read(live_server):
    async with connected(live_server) as client:
        ping = '{"type":"ping","payload":{"pad":"%s"}}'
        padding = MESSAGE_CAP - len(ping % "")
        await client.socket.send(ping % ("x" * padding))
        assert await client.receive() == {"type": "pong"}


@pytest.mark.parametrize(
    "message",
    [
        '{"type":"ping","payload":{"pad":"%s"}}' % ("x" * MESSAGE_CAP),
        # Fewer characters than the cap, more bytes: the cap counts bytes.
        '{"type":"ping","payload":{"pad":"%s"}}' % ("é" * (MESSAGE_CAP * 2 // 3)),
        b"\x00" * (MESSAGE_CAP + 1),
    ],
    ids=["ascii", "multibyte", "binary"],
)
async def test_a_message_over_the_size_cap_closes_the_connection_with_1009(live_server, message):
    async with connected(live_server) as client:
        await client.socket.send(message)
        assert await client.closed_with() == (1009, "Message too big")

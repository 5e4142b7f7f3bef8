"""GraphQL over WebSocket (graphql-transport-ws) on a real uvicorn server: auth in connection_init."""

from __future__ import annotations

import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import ADMIN_TOKEN

PROTOCOL = "graphql-transport-ws"


async def _connect(live_server, payload):
    socket = await websockets.connect(live_server.ws_url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def test_a_valid_key_in_connection_init_is_acknowledged_and_can_query(live_server):
    socket = await _connect(live_server, {"authorization": f"Bearer {ADMIN_TOKEN}"})
    try:
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        await socket.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { role } }"}}
            )
        )
        message = json.loads(await socket.recv())
        assert message == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {"viewer": {"role": "ADMIN"}},
                "extensions": {
                    "cost": {"requestedQueryCost": 1, "actualQueryCost": 1, "throttleStatus": None}
                },
            },
        }
    finally:
        await socket.close()


@pytest.mark.parametrize("payload", [{}, {"authorization": "Bearer wrong"}, {"authorization": 42}])
async def test_a_missing_or_bad_key_closes_the_connection_with_4403(live_server, payload):
    socket = await _connect(live_server, payload)
    with pytest.raises(ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd.code == 4403


async def test_a_page_on_another_origin_may_connect_because_keys_never_ride_on_cookies(
    live_server,
):
    socket = await websockets.connect(
        live_server.ws_url, subprotocols=[PROTOCOL], origin="https://shop.example.com"
    )
    try:
        await socket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {ADMIN_TOKEN}"}}
            )
        )
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    finally:
        await socket.close()

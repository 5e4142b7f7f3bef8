"""Malformed requests (tests/hostile/requests.py) over HTTP and WebSocket, on SQLite and
PostgreSQL: a 4xx or a GraphQL error, never a 5xx or an internal error, and nothing changed."""

from __future__ import annotations

import asyncio
import json

import websockets

from tests.hostile.harness import AUTH, App
from tests.hostile.requests import HTTP_REQUESTS, WEBSOCKET_FRAMES, BadFrame


async def test_malformed_http_requests_get_a_4xx_or_an_error_never_a_500(app: App):
    findings = []
    for bad in HTTP_REQUESTS:
        headers = {**(AUTH if bad.authorized else {}), **bad.headers}
        if bad.content_type:
            headers["content-type"] = bad.content_type
        response = await app.http.request(bad.method, bad.path, content=bad.body, headers=headers)
        text = response.text
        if response.status_code >= 500 or "internal error" in text.lower():
            findings.append(f"{bad.name}: HTTP {response.status_code} {text[:200]}")
        elif response.status_code == 200 and '"errors"' not in text:
            findings.append(f"{bad.name}: answered as if it were fine: {text[:200]}")
    assert not await app.changed(), "a malformed request changed the database"
    assert not findings, "\n".join(findings)


async def _answer(bad: BadFrame, url: str) -> str | None:
    """What went wrong with the server's answer to one bad frame, if anything."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        if bad.init:
            await socket.send(json.dumps({"type": "connection_init", "payload": dict(AUTH)}))
            await asyncio.wait_for(socket.recv(), 5)
        await socket.send(bad.frame)
        try:
            while True:
                message = await asyncio.wait_for(socket.recv(), 1)
                if "internal error" in str(message).lower():
                    return f"internal error: {str(message)[:200]}"
        except TimeoutError:
            return None  # quiet: the frame was ignored or answered
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            if code is None or code == 1011 or not (1000 <= code < 5000):
                return f"closed with {code}"
            return None


async def test_malformed_websocket_frames_are_refused_or_close_the_socket_never_a_crash(app: App):
    findings = []
    for bad in WEBSOCKET_FRAMES:
        problem = await _answer(bad, app.ws_url)
        if problem:
            findings.append(f"{bad.name}: {problem}")
    response = await app.http.post("/graphql", json={"query": "{ viewer { name } }"}, headers=AUTH)
    assert response.status_code == 200, "the server still answers"
    assert not await app.changed(), "a bad frame changed the database"
    assert not findings, "\n".join(findings)

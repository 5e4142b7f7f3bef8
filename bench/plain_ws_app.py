"""The bare-socket control of the idle-subscriber row: a WebSocket endpoint that accepts the
graphql-transport-ws subprotocol, acknowledges `connection_init`, answers `subscribe` with one
fixed result and then only waits, served by uvicorn with the same WebSocket settings as
`stockpool serve` (see api/cli.py). What a stockpool subscriber costs beyond this is ours."""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

ACK = '{"type":"connection_ack"}'
RESULT = '{"type":"next","id":"1","payload":{"data":{"availabilityChanged":{"version":1}}}}'


async def subscriptions(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="graphql-transport-ws")
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(ACK if "connection_init" in text else RESULT)
    except WebSocketDisconnect:
        pass


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    return Starlette(routes=[WebSocketRoute("/graphql", subscriptions), Route("/healthz", healthz)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.plain_ws_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--ws", default="auto")
    args = parser.parse_args()
    uvicorn.run(
        "bench.plain_ws_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        ws=args.ws,
        ws_per_message_deflate=False,
        ws_max_size=65_536,
    )


if __name__ == "__main__":
    main()

"""The floor under every framework: a minimal Starlette app that answers JSON, served by
uvicorn with the same settings as `stockpool serve` (see api/cli.py)."""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def answer(request: Request) -> JSONResponse:
    # Read the body like any real endpoint would, then answer a fixed document.
    await request.body()
    return JSONResponse({"data": {"__typename": "Query"}})


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    return Starlette(
        routes=[Route("/json", answer, methods=["GET", "POST"]), Route("/healthz", healthz)]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.plain_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    # The same call as `stockpool serve`, only the application differs.
    uvicorn.run(
        "bench.plain_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()

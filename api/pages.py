"""The pages the app serves itself: the ops dashboard, the demo store and their static files
(frontend_stub/, no build step)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.services.container import Services
from domain.access import CreateApiKey, Principal, Role

FRONTEND = Path(__file__).resolve().parent.parent / "frontend_stub"
DEMO_CHANNEL = "web"
DEMO_KEY_NAME = "demo-store"
_DEMO_CONFIG_MARKER = "__STOCKPOOL_BADGE_CONFIG__"

DASHBOARD_HEADERS = {
    # The dashboard holds an admin key: nothing but its own scripts, styles and endpoint.
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class PublicStaticFiles(StaticFiles):
    """Static files any site may load: merchants embed badge.js, a module script, on their own
    pages, and a browser runs a cross-origin module script only when CORS allows it."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


class DemoStorefrontKey:
    """The key the demo store embeds. It is a storefront key (it reads what the demo channel
    publishes, nothing else), the only kind safe in a public page. Keys are stored hashed,
    so each server process mints one on first use and keeps the secret in memory; keys are
    not revoked at shutdown, so a page left open keeps working across a restart."""

    def __init__(self) -> None:
        self._secret: str | None = None
        self._lock = asyncio.Lock()

    async def secret(self, services: Services) -> str:
        async with self._lock:
            if self._secret is None:
                _, secret = await services.dispatch(
                    CreateApiKey(DEMO_KEY_NAME, Role.STOREFRONT, DEMO_CHANNEL),
                    Principal("demo-store", Role.ADMIN),
                )
                self._secret = secret
            return self._secret


def routes() -> list[BaseRoute]:
    demo_key = DemoStorefrontKey()

    async def dashboard(request: Request) -> Response:
        return FileResponse(FRONTEND / "dashboard.html", headers=DASHBOARD_HEADERS)

    async def demo_store(request: Request) -> Response:
        services: Services = request.app.state.services
        if await services.channels.get(DEMO_CHANNEL, Principal("demo-store", Role.ADMIN)) is None:
            return PlainTextResponse(
                f"The demo store needs the {DEMO_CHANNEL!r} channel of the demo catalogue: "
                "run `stockpool demo`.",
                status_code=404,
            )
        secret = await demo_key.secret(services)
        # Escaped for a <script> element: the key is URL-safe, but never trust that here.
        config = json.dumps({"key": secret}).replace("<", "\\u003c").replace(">", "\\u003e")
        page = (FRONTEND / "demo-store.html").read_text(encoding="utf-8")
        return HTMLResponse(
            page.replace(_DEMO_CONFIG_MARKER, config), headers={"Cache-Control": "no-store"}
        )

    return [
        Route("/dashboard", dashboard),
        Route("/demo/store", demo_store),
        Mount(
            "/static",
            PublicStaticFiles(directory=FRONTEND / "static", check_dir=False),
            name="static",
        ),
    ]

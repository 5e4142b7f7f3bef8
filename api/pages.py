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

from api.clock import utc_now
from api.demo_key import DEMO_ADMIN, DEMO_CHANNEL, demo_store_secret
from api.services.container import Services

FRONTEND = Path(__file__).resolve().parent.parent / "frontend_stub"
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
    """The key the demo store embeds: a storefront key (it reads what the demo channel
    publishes, nothing else), the only kind safe in a public page. One key serves every
    worker and every restart (api/demo_key.py); this process remembers its secret while the
    key still authenticates, and looks again once it does not (revoked, say)."""

    def __init__(self) -> None:
        self._secret: str | None = None
        self._lock = asyncio.Lock()

    async def secret(self, services: Services) -> str:
        async with self._lock:
            if self._secret is None or await services.api_keys.authenticate(self._secret) is None:
                self._secret = await demo_store_secret(services, utc_now())
            return self._secret


def routes() -> list[BaseRoute]:
    demo_key = DemoStorefrontKey()

    async def dashboard(request: Request) -> Response:
        return FileResponse(FRONTEND / "dashboard.html", headers=DASHBOARD_HEADERS)

    async def demo_store(request: Request) -> Response:
        services: Services = request.app.state.services
        if await services.channels.get(DEMO_CHANNEL, DEMO_ADMIN) is None:
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

"""The GraphQL endpoint: Strawberry's ASGI view with stockpool's auth and context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.auth import parse_bearer
from api.services.container import Services
from schema.context import Context

GRAPHQL_RESPONSE = "application/graphql-response+json"
_REQUEST_ERROR = "stockpool.request_error"


class Unauthorized(Exception):
    pass


class StockpoolGraphQL(GraphQL[Context, None]):
    """HTTP requests carry `Authorization: Bearer <key>` (401 without a valid one); WebSocket
    clients send it in `connection_init` (closed with 4403 without a valid one)."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Unauthorized as refusal:
            response = JSONResponse(
                {"errors": [{"message": str(refusal), "extensions": {"code": "UNAUTHENTICATED"}}]},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="stockpool"'},
            )
            await response(scope, receive, send)

    async def run(
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Any:
        response = await super().run(request, context, root_value)
        if (
            isinstance(request, Request)
            and isinstance(response, Response)
            and GRAPHQL_RESPONSE in request.headers.get("accept", "")
        ):
            # GraphQL over HTTP: with this media type a request that could not be executed
            # (unparsable, invalid, wrong variable types) is a 400.
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if request.scope.get(_REQUEST_ERROR):
                response.status_code = 400
        return response

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            request.scope[_REQUEST_ERROR] = True
        return await super().process_result(request, result)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(services=self.services, request=request, response=response)
        if isinstance(request, WebSocket) or self._is_ide_page(request):
            return context
        secret = parse_bearer(request.headers.get("authorization"))
        if secret is None:
            raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
        context.principal = await self.services.api_keys.authenticate(secret)
        if context.principal is None:
            raise Unauthorized("unknown or revoked API key")
        return context

    def _is_ide_page(self, request: Request) -> bool:
        return self.should_render_graphql_ide(self.request_adapter_class(request))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        secret = parse_bearer(header) if isinstance(header, str) else None
        context.principal = await self.services.api_keys.authenticate(secret)
        if context.principal is None:
            raise ConnectionRejectionError()
        return await super().on_ws_connect(context)

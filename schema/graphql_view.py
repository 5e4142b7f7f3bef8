"""The GraphQL endpoint: Strawberry's ASGI view with stockpool's auth and context."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from api.auth import parse_bearer
from api.observability.metrics import REQUESTS
from api.observability.request_log import note_caller
from api.services.container import Services
from schema import persisted_queries
from schema.bounds.http_body import (
    BAD_REQUEST,
    RefusedBody,
    bad_request,
    capped,
    check_operation_name,
    request_object,
)
from schema.bounds.limits import RequestBounds
from schema.context import Context
from schema.graphql_ide import GRAPHIQL_PAGE
from schema.realtime.handlers import LegacyWSHandler, TransportWSHandler
from schema.realtime.hub import Hub
from schema.stockpool_schema import StockpoolSchema

GRAPHQL_RESPONSE = "application/graphql-response+json"
_REQUEST_ERROR = "stockpool.request_error"


class Unauthorized(Exception):
    pass


class StockpoolGraphQL(GraphQL[Context, None]):
    """HTTP requests carry `Authorization: Bearer <key>` (401 without a valid one); WebSocket
    clients send it in `connection_init` (closed with 4403 without a valid one), and their
    conversation, subscriptions included, is served by schema.realtime through `hub`."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, services: Services, hub: Hub, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(self.schema, StockpoolSchema):
            raise TypeError("the view serves the schema build_schema() makes")
        self.bounds: RequestBounds = self.schema.bounds
        self.services = services
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                capped_receive = capped(scope, receive, self.bounds.max_body_bytes)
                await super().__call__(scope, capped_receive, send)
            else:
                await super().__call__(scope, receive, send)
        except RefusedBody as refusal:
            REQUESTS.labels("none", "bad_request").inc()
            await refusal.response()(scope, receive, send)
        except Unauthorized as refusal:
            REQUESTS.labels("none", "unauthenticated").inc()
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
            if request.scope.get(_REQUEST_ERROR) and response.status_code == 200:
                response.status_code = 400  # a 429 (THROTTLED, schema/throttling.py) stays
        return response

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        registry = self.services.persisted_queries
        persisted = persisted_queries.applies(registry, request_data.extensions, context.principal)
        if persisted:  # APQ, or a key held to it (schema/persisted_queries.py)
            request_data = await persisted_queries.http_request(
                registry, request_data, context.principal
            )
        if self._is_subscription(request_data):
            raise HTTPException(400, "subscriptions are served over WebSocket at this URL")
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if persisted and request_adapter.method == "GET":
            persisted_queries.set_cache_headers(registry, sub_response, context.principal, result)
        return result

    def _is_subscription(self, request_data: GraphQLRequestData) -> bool:
        if not request_data.query or "subscription" not in request_data.query:
            return False  # the common case, without parsing
        try:
            document = self.hub.documents.get(request_data.query)
        except GraphQLError:
            return False  # unparsable: Strawberry answers that
        if isinstance(document, list):
            return False
        operation = get_operation_ast(document, request_data.operation_name)
        return operation is not None and operation.operation is OperationType.SUBSCRIPTION

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
        note_caller(context.principal, secret)  # role and key prefix in the request's log line
        if context.principal is None:
            raise Unauthorized("unknown, revoked or expired API key")
        await self.services.connectors.seen(context.principal)  # a partner's sign of life
        return context

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's reading of the body, its refusals answered as JSON like every other."""
        try:
            data = await super().parse_http_body(request)
        except HTTPException as refusal:
            raise RefusedBody(refusal.status_code, BAD_REQUEST, refusal.reason) from None
        if isinstance(data, GraphQLRequestData):
            check_operation_name(data.operation_name)
        return data

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """The body, or GET's `variables` or `extensions`: a JSON object, else a 400."""
        try:
            decoded = self.decode_json(data)
        except ValueError:  # orjson's JSONDecodeError, also for bytes that are not UTF-8
            raise bad_request("expected JSON in UTF-8, got text that does not parse") from None
        return request_object(decoded)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError is json's: still a 400

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET of a persisted query (no `query`, an `extensions`) is never the IDE page."""
        return (
            super().should_render_graphql_ide(request) and "extensions" not in request.query_params
        )

    def _is_ide_page(self, request: Request) -> bool:
        return self.should_render_graphql_ide(self.request_adapter_class(request))

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL that keeps pasted keys out of localStorage (schema/graphql_ide.py)."""
        if GRAPHIQL_PAGE is None:
            return PlainTextResponse("GraphiQL is not available on this server", 404)
        return HTMLResponse(GRAPHIQL_PAGE, headers={"Cache-Control": "no-store"})

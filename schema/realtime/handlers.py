"""Strawberry's WebSocket entry points, handing each connection to schema.realtime.

Strawberry still accepts the socket (origin check, subprotocol) and builds the context; the
conversation is ours, so that subscribers share one execution per change."""

from __future__ import annotations

from typing import Any, Protocol, cast

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from api.auth import parse_bearer
from api.observability.request_log import note_caller
from domain.access import Principal
from schema.context import Context
from schema.realtime.connection import Connection
from schema.realtime.hub import Hub
from schema.realtime.protocols import LEGACY_WS, TRANSPORT_WS, Dialect


class ServesRealtime(Protocol):
    hub: Hub


async def _serve(view: Any, context: Context, dialect: Dialect) -> None:
    hub = cast(ServesRealtime, view).hub

    async def authenticate(params: dict[str, Any]) -> Principal | None:
        header = params.get("authorization") or params.get("Authorization")
        secret = parse_bearer(header) if isinstance(header, str) else None
        principal = await hub.services.api_keys.authenticate(secret)
        note_caller(principal, secret)  # the connection's log line names its role and key
        await hub.services.connectors.seen(principal)  # a partner's sign of life
        return principal

    await Connection(context.request, dialect, hub, context, authenticate).serve()


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle(self) -> None:
        await _serve(self.view, self.context, TRANSPORT_WS)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle(self) -> None:
        await _serve(self.view, self.context, LEGACY_WS)

"""The two GraphQL-over-WebSocket protocols: their message names, framing and close codes.

graphql-transport-ws: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
graphql-ws (legacy, Apollo's subscriptions-transport-ws): connection_init/ack/error, start,
data, error, complete, stop, connection_terminate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

BAD_MESSAGE = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
INIT_TIMEOUT = 4408
DUPLICATE_ID = 4409
TOO_MANY_INITS = 4429
TOO_MANY_CONNECTIONS = 4429
"""connection_init refused: the key (a storefront key: from this address) holds as many
connections as it may. The code of the protocol's other "too many"; the reason tells which."""
TOO_SLOW = 1013
"""Try again later: the client did not read fast enough; on reconnect it gets a snapshot."""
MESSAGE_TOO_BIG = 1009
"""A client message over `RealtimeLimits.max_message_bytes` (RFC 6455's "message too big")."""


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    start: str
    """What the client sends to start an operation."""
    stop: str
    """What the client sends to stop one."""
    result: str
    """What carries one result to the client."""
    errors_as_list: bool
    """graphql-transport-ws sends every error of a refused operation; graphql-ws the first."""
    confirms_stop: bool
    """graphql-ws answers a stop with complete; in graphql-transport-ws complete is final."""
    ping: str | None
    """What a client sends to be answered with pong."""
    terminate: str | None
    """What a client sends to end the connection."""
    init_refusal: str | None
    """Sent before closing with 4403 when connection_init carries no valid key."""
    closes_on_syntax_error: bool
    """graphql-transport-ws closes with 4400 on an unparsable document; graphql-ws answers
    the operation with an error."""

    def frame(self, type_: str, operation: str | None = None, payload: Any = None) -> str:
        message: dict[str, Any] = {"type": type_}
        if operation is not None:
            message["id"] = operation
        if payload is not None:
            message["payload"] = payload
        return orjson.dumps(message).decode()

    def result_head(self, operation: str) -> str:
        """A result frame is this, the JSON of the result, and "}": the result is serialized
        once for every subscriber of a group, the head once per subscriber."""
        return f'{{"type":"{self.result}","id":{orjson.dumps(operation).decode()},"payload":'

    def error_payload(self, errors: list[dict[str, Any]]) -> Any:
        return errors if self.errors_as_list else errors[0]


TRANSPORT_WS = Dialect(
    name=GRAPHQL_TRANSPORT_WS_PROTOCOL,
    start="subscribe",
    stop="complete",
    result="next",
    errors_as_list=True,
    confirms_stop=False,
    ping="ping",
    terminate=None,
    init_refusal=None,
    closes_on_syntax_error=True,
)
LEGACY_WS = Dialect(
    name=GRAPHQL_WS_PROTOCOL,
    start="start",
    stop="stop",
    result="data",
    errors_as_list=False,
    confirms_stop=True,
    ping=None,
    terminate="connection_terminate",
    init_refusal="connection_error",
    closes_on_syntax_error=False,
)

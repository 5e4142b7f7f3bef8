"""An HTTP request's body before GraphQL sees it: no larger than the bound (413), and a JSON
object whose fields have the types GraphQL over HTTP gives them (400 `BAD_REQUEST`)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope

from schema.bounds.limits import QUERY_TOO_COMPLEX

BAD_REQUEST = "BAD_REQUEST"


class RefusedBody(Exception):
    """A request refused before GraphQL: answered as one GraphQL error with a code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def response(self) -> JSONResponse:
        error = {"message": str(self), "extensions": {"code": self.code}}
        return JSONResponse({"errors": [error]}, status_code=self.status)


def too_large(limit: int) -> RefusedBody:
    return RefusedBody(
        413, QUERY_TOO_COMPLEX, f"the body is over {limit} bytes; the limit is {limit}"
    )


def bad_request(message: str) -> RefusedBody:
    return RefusedBody(400, BAD_REQUEST, message)


def capped(scope: Scope, receive: Receive, limit: int) -> Receive:
    """`receive` for a request whose body may not pass `limit` bytes: refused at once by its
    Content-Length, and while it is read when it is sent in chunks."""
    declared = Headers(scope=scope).get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    read = 0

    async def receive_capped() -> Message:
        nonlocal read
        message = await receive()
        read += len(message.get("body", b""))
        if read > limit:
            raise too_large(limit)
        return message

    return receive_capped


def request_object(data: Any) -> dict[str, Any]:
    """A decoded JSON body (or GET `variables`/`extensions`): an object, or refused."""
    if not isinstance(data, dict):
        raise bad_request(f"expected a JSON object, got {_kind(data)}")
    return data


def check_operation_name(name: object) -> None:
    if name is not None and not isinstance(name, str):
        raise bad_request(f"`operationName` must be a string or null, got {_kind(name)}")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")

"""What the server log says about a request's GraphQL errors: a line per request, not per
error, and never the query text.

A client's mistake (a syntax or validation error, a refused field, a request over a
bound) is one short INFO line naming the first error's code; the client already has the
details. An unexpected exception is one ERROR with its traceback, once per request
however many fields it broke."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from schema.errors import PublicError

log = logging.getLogger("stockpool.graphql")

SHOWN_CHARACTERS = 120


def is_internal(error: GraphQLError) -> bool:
    """An unexpected exception, hidden from clients; GraphQL's own errors and ours are not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | PublicError)


def log_errors(errors: list[GraphQLError], operation_name: object) -> None:
    if not errors:
        return
    operation = _short(str(operation_name)) if operation_name else "an anonymous operation"
    internal = [error for error in errors if is_internal(error)]
    if internal:
        first = internal[0]
        log.error(
            "unexpected error in %s at %s%s",
            operation,
            ".".join(map(str, first.path or ())) or "the top",
            f" (and {len(internal) - 1} more)" if len(internal) > 1 else "",
            exc_info=first.original_error,
        )
        return
    first = errors[0]
    log.info(
        "refused %s: %s %s%s",
        operation,
        (first.extensions or {}).get("code", "INVALID"),
        _short(first.message),
        f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else "",
    )


def _short(message: str) -> str:
    line = " ".join(message.split())
    if len(line) > SHOWN_CHARACTERS:
        return line[: SHOWN_CHARACTERS - 1] + "…"
    return line

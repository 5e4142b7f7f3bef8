"""Persisted queries: Apollo's APQ protocol over HTTP (POST and GET) and WebSocket, the
storefront persisted-only mode, and the cache headers of GET answers a CDN may keep
(docs/persisted-queries.md). Strawberry has none of it; the view calls in here only for a
request whose `extensions` hold `persistedQuery`, or from a storefront key in persisted-only
mode.

    hash only      known: the stored document runs; unknown: 200 PERSISTED_QUERY_NOT_FOUND
                   (the client sends it again with the query)
    hash + query   sha256(query) must be the hash (400 PERSISTED_QUERY_HASH_MISMATCH); the
                   document is remembered in this worker (a bounded LRU) and runs
    persisted-only a storefront key runs registered documents only: a query, or a hash no
                   admin registered, is 403 PERSISTED_QUERY_REQUIRED / 200 ..._NOT_FOUND

A document run by hash goes through every bound, cost and rate limit like any other."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse, Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from api.persisted_manifest import SHA256_HEX, sha256_hex
from api.services.persisted_queries import PersistedQueries
from domain.access import Principal, Role
from schema.bounds.http_body import RefusedBody

PERSISTED_QUERY = "persistedQuery"
SUPPORTED_VERSION = 1

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
VERSION_NOT_SUPPORTED = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
INVALID = "PERSISTED_QUERY_INVALID"
REQUIRED = "PERSISTED_QUERY_REQUIRED"

NOT_CACHEABLE = "private, no-store"


class PersistedQueryRefused(RefusedBody):
    """A persisted query refused before GraphQL runs: one GraphQL error with a code, never
    kept by a cache (a client that registers the document must not get the refusal again)."""

    def response(self) -> JSONResponse:
        response = super().response()
        response.headers["Cache-Control"] = NOT_CACHEABLE
        return response

    def graphql_error(self) -> GraphQLError:
        return GraphQLError(str(self), extensions={"code": self.code})


def _not_found() -> PersistedQueryRefused:
    # Apollo clients recognise this message and code, and send the query along.
    return PersistedQueryRefused(200, NOT_FOUND, "PersistedQueryNotFound")


def _required() -> PersistedQueryRefused:
    return PersistedQueryRefused(
        403, REQUIRED, "this storefront key may only run registered documents, sent by hash"
    )


def applies(
    registry: PersistedQueries, extensions: dict[str, Any] | None, principal: Principal | None
) -> bool:
    """Whether a request needs this module: it sent a hash, or its key is held to it."""
    return bool(extensions and PERSISTED_QUERY in extensions) or (
        registry.storefront_only and principal is not None and principal.role is Role.STOREFRONT
    )


async def document(
    registry: PersistedQueries,
    query: object,
    extensions: dict[str, Any] | None,
    principal: Principal | None,
) -> str:
    """The document to run for a request's `query` and `extensions`, or PersistedQueryRefused."""
    held = registry.storefront_only and principal is not None and principal.role is Role.STOREFRONT
    persisted = extensions.get(PERSISTED_QUERY) if extensions else None
    if persisted is None:
        if held:
            raise _required()
        if not isinstance(query, str):
            raise PersistedQueryRefused(400, INVALID, "send a `query`, or its hash")
        return query
    sha256 = _requested_hash(persisted)
    if query is None:
        found = await (registry.registered(sha256) if held else registry.find(sha256))
        if found is None:
            raise _not_found()
        return found
    if not isinstance(query, str):
        raise PersistedQueryRefused(400, INVALID, "`query` must be a string")
    if sha256_hex(query) != sha256:
        raise PersistedQueryRefused(400, HASH_MISMATCH, "provided sha does not match query")
    if held:
        if await registry.registered(sha256) is None:
            raise _required()
        return query
    registry.remember(sha256, query)
    return query


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict):
        raise PersistedQueryRefused(400, INVALID, "`extensions.persistedQuery` must be an object")
    version = persisted.get("version")
    if version != SUPPORTED_VERSION or isinstance(version, bool):
        raise PersistedQueryRefused(
            400, VERSION_NOT_SUPPORTED, "Unsupported persisted query version (1 is)"
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise PersistedQueryRefused(
            400, INVALID, "`sha256Hash` must be 64 lowercase hexadecimal characters"
        )
    return sha256


# ---- HTTP -------------------------------------------------------------------------------------


async def http_request(
    registry: PersistedQueries, request_data: GraphQLRequestData, principal: Principal | None
) -> GraphQLRequestData:
    """The request with the document it runs as its `query` (refusals raise, see above)."""
    query = await document(registry, request_data.query, request_data.extensions, principal)
    return replace(request_data, query=query)


def set_cache_headers(
    registry: PersistedQueries,
    response: Response,
    principal: Principal | None,
    result: ExecutionResult,
) -> None:
    """For the answer to a GET of a persisted query. A shared cache (CDN) may keep a storefront
    key's successful answer for `max_age` seconds: `public` lets it store an answer to a
    request with Authorization (RFC 9111 §3.5), `Vary: Authorization` keeps each key's answers
    apart. Other keys' answers, and errors, are never stored."""
    cacheable = (
        registry.max_age > 0
        and principal is not None
        and principal.role is Role.STOREFRONT
        and not result.errors
        and response.status_code in (None, 200)
    )
    if cacheable:
        response.headers["Cache-Control"] = f"public, max-age={registry.max_age}"
        response.headers["Vary"] = "Authorization"
    else:
        response.headers["Cache-Control"] = NOT_CACHEABLE


# ---- WebSocket --------------------------------------------------------------------------------


async def subscribe_query(
    registry: PersistedQueries, payload: dict[str, Any], principal: Principal | None
) -> str | GraphQLError:
    """The document a graphql-transport-ws `subscribe` (or legacy `start`) payload runs: its
    `query`, or the one its `extensions.persistedQuery` names; a refusal as the operation's
    error (the connection stays open)."""
    extensions = payload.get("extensions")
    query = payload.get("query")
    if extensions is None and isinstance(query, str) and not registry.storefront_only:
        return query  # the common case
    if extensions is not None and not isinstance(extensions, dict):
        return GraphQLError("`extensions` must be an object", extensions={"code": INVALID})
    try:
        return await document(registry, query, extensions, principal)
    except PersistedQueryRefused as refusal:
        return refusal.graphql_error()

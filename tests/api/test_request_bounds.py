"""Request bounds: a request over a static bound (body size, tokens, aliases, depth,
definitions) is refused before it runs, over HTTP and WebSocket alike, with one
QUERY_TOO_COMPLEX error; a body that is not a GraphQL request object is a 400; the
document cache stays within its memory budget; a request's errors log one short line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from schema.bounds.limits import RequestBounds
from tests.api.subscription_client import LEGACY_WS, TRANSPORT_WS, connected
from tests.api.test_auth_api import CREATE_KEY
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DEFAULTS = RequestBounds.from_settings(Settings())
TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            yield GraphQLClient(http)


def refused_listings(count: int) -> str:
    """The query of the incident: one line, `count` aliases of a field a storefront key
    may not read."""
    return (
        "{"
        + " ".join(f'a{n}: listing(channel:"amazon", sku:"X"){{sku}}' for n in range(count))
        + "}"
    )


def only_error(body: dict) -> dict:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body["errors"][:3]
    error: dict = body["errors"][0]
    return error


def server_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the server logged at INFO and above about the errors: not the test's HTTP client
    (it logs each request), nor the request's own summary line (test_request_logs.py)."""
    ignored = ("httpx", "httpcore", "stockpool.request")
    return [r for r in caplog.records if not r.name.startswith(ignored)]


async def storefront(gql: GraphQLClient) -> GraphQLClient:
    created = await gql(
        CREATE_KEY, {"input": {"name": "shop", "role": "STOREFRONT", "channel": "amazon"}}
    )
    return gql.as_key(created["createApiKey"]["secret"])


# ---- the incident: 5,000 refused aliases on one line ------------------------------------------


@pytest.mark.parametrize(
    ("max_tokens", "aliases", "bound"),
    # At the default bounds the tokens run out first. With room for the tokens (which makes
    # parsing them take seconds), the aliases are counted and refused before validation.
    [(DEFAULTS.max_tokens, 5_000, "tokens"), (100_000, 1_000, "aliases")],
    ids=["by-the-token-bound", "by-the-alias-bound"],
)
async def test_thousands_of_refused_aliases_are_refused_whole_in_one_log_line(
    app_settings, caplog, max_tokens, aliases, bound
):
    async with serving(replace(app_settings, max_tokens=max_tokens)) as gql:
        shop = await storefront(gql)
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = await shop.post(refused_listings(aliases))
        lines = server_lines(caplog)
    error = only_error(response.json())
    assert error["extensions"]["code"] == TOO_COMPLEX
    assert bound in error["message"]
    assert len(lines) <= 1, [r.getMessage()[:200] for r in lines]
    assert all(r.exc_info is None and "listing(" not in r.getMessage() for r in lines)


async def test_a_refused_field_costs_one_short_log_line_however_many_times_it_is_asked(gql, caplog):
    shop = await storefront(gql)
    with caplog.at_level(logging.INFO):
        response = await shop.post(refused_listings(50))
    body = response.json()
    assert len(body["errors"]) == 50
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    lines = server_lines(caplog)
    assert len(lines) == 1 and lines[0].exc_info is None
    assert len(lines[0].getMessage()) < 300 and "FORBIDDEN" in lines[0].getMessage()


async def test_an_unexpected_failure_logs_one_traceback_and_answers_internal_error(
    gql, caplog, monkeypatch
):
    from api.services.queries import StockQueries

    async def explode(*args, **kwargs):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(StockQueries, "locations", explode)
    with caplog.at_level(logging.INFO):
        response = await gql.post("{ locations { code } }")
    assert [e["message"] for e in response.json()["errors"]] == ["internal error"]
    lines = server_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.ERROR and lines[0].exc_info is not None
    assert "the database is on fire" in str(lines[0].exc_info[1])


# ---- each bound, over HTTP ------------------------------------------------------------------------


def nested(depth: int) -> str:
    """`depth` fields nested, by way of a recursive-looking selection of real fields."""
    inner = "code"
    for _ in range(depth - 1):
        inner = f"__typename x: locations {{ {inner} }}"
    return "{ " + inner.replace("__typename x: ", "", 1) + " }"


OVER_EACH_BOUND = {
    "tokens": "{ " + "viewer { name } " * 2_000 + "}",
    "aliases": "{ "
    + " ".join(f"v{n}: viewer {{ name }}" for n in range(DEFAULTS.max_aliases + 1))
    + " }",
    "aliases, fragments expanded": (
        "{ ...F0 } "
        + " ".join(
            f"fragment F{n} on Query {{ a: viewer {{ name }} ...F{n + 1} ...F{n + 1} }}"
            for n in range(20)
        )
        + " fragment F20 on Query { viewer { name } }"
    ),
    "depth": "{ " + 'sku(code: "A") { stockLevels { location { ' * 5 + "code" + " } } }" * 5 + " }",
    "definitions": " ".join(
        f"query Q{n} {{ viewer {{ name }} }}" for n in range(DEFAULTS.max_definitions + 1)
    ),
}
NAMED = {
    "tokens": "tokens",
    "aliases": "aliases",
    "aliases, fragments expanded": "aliases",
    "depth": "deep",
    "definitions": "operations and fragments",
}


@pytest.mark.parametrize("bound", list(OVER_EACH_BOUND))
async def test_a_document_over_a_bound_is_refused_with_the_bound_it_hit(gql, bound):
    response = await gql.http.post(
        "/graphql",
        json={"query": OVER_EACH_BOUND[bound]},
        headers={"authorization": f"Bearer {gql.token}"},
    )
    error = only_error(response.json())
    assert error["extensions"]["code"] == TOO_COMPLEX
    assert NAMED[bound] in error["message"] and "the limit is" in error["message"]


async def test_documents_within_every_bound_run(gql):
    at_the_bounds = (
        "{ " + " ".join(f"v{n}: viewer {{ name }}" for n in range(DEFAULTS.max_aliases)) + " }"
    )
    data = await gql(at_the_bounds)
    assert len(data) == DEFAULTS.max_aliases
    # GraphiQL's introspection query is deeper than the depth bound: introspection's own
    # fields are bounded by graphql-core's MaxIntrospectionDepthRule instead.
    from graphql import get_introspection_query

    assert "__schema" in await gql(get_introspection_query(descriptions=True))


async def test_a_recursive_introspection_query_is_refused(gql):
    recursive = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
    response = await gql.post(recursive)
    assert "introspection" in only_error(response.json())["message"].lower()


async def test_bounds_come_from_the_settings(app_settings):
    async with serving(replace(app_settings, max_aliases=1)) as gql:
        response = await gql.post("{ a: viewer { name } b: viewer { name } }")
    error = only_error(response.json())
    assert error["extensions"]["code"] == TOO_COMPLEX
    assert error["message"] == "the document has 2 aliases; the limit is 1"


# ---- the body -----------------------------------------------------------------------------------


async def test_a_body_over_the_bound_is_a_413_by_its_length(gql):
    big = b'{"query": "{ viewer { name } }", "pad": "' + b"x" * DEFAULTS.max_body_bytes + b'"}'
    response = await gql.http.post(
        "/graphql",
        content=big,
        headers={"authorization": f"Bearer {gql.token}", "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert only_error(response.json())["extensions"]["code"] == TOO_COMPLEX


async def test_a_chunked_body_over_the_bound_is_a_413_once_it_passes_it(gql):
    chunks_sent = 0

    async def chunks():
        nonlocal chunks_sent
        yield b'{"query": "{ viewer { name } }", "pad": "'
        for _ in range(64):  # 4 MiB, in pieces that declare no length
            chunks_sent += 1
            yield b"x" * 65_536

    response = await gql.http.post(
        "/graphql",
        content=chunks(),
        headers={"authorization": f"Bearer {gql.token}", "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert only_error(response.json())["extensions"]["code"] == TOO_COMPLEX


@pytest.mark.parametrize(
    "body",
    [
        b'"x"',
        b"null",
        b"[1]",
        b'[{"query": "{ viewer { name } }"}]',
        b"42",
        b"true",
        b'{"query": "{ viewer { name } }", "variables": [1]}',
        b'{"query": "{ viewer { name } }", "variables": "x"}',
        b'{"query": "{ viewer { name } }", "operationName": 5}',
        b'{"query": 5}',
        b'{"query": "{ viewer { \xff } }"}',
        b"",
    ],
    ids=[
        "string",
        "null",
        "array",
        "batch",
        "number",
        "boolean",
        "variables-array",
        "variables-string",
        "operation-name-number",
        "query-number",
        "not-utf8",
        "empty",
    ],
)
async def test_a_body_that_is_not_a_graphql_request_object_is_a_400_with_a_code(gql, body):
    response = await gql.http.post(
        "/graphql",
        content=body,
        headers={"authorization": f"Bearer {gql.token}", "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert only_error(response.json())["extensions"]["code"] == "BAD_REQUEST"


async def test_a_mutation_over_get_is_refused(gql):
    response = await gql.http.get(
        "/graphql",
        params={
            "query": 'mutation { createLocation(input: {code: "X", name: "X"}) { userErrors { code } } }'
        },
        headers={"authorization": f"Bearer {gql.token}"},
    )
    assert response.status_code == 400, response.text
    assert (await gql("{ locations { code } }"))["locations"] == []


# ---- WebSocket: the same bounds, by the same definition ----------------------------------------

WIDE_SUBSCRIPTION = (
    "subscription { stockLevelChanged { "
    + " ".join(f"s{n}: sku" for n in range(DEFAULTS.max_aliases + 1))
    + " } }"
)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
@pytest.mark.parametrize(
    "query",
    [WIDE_SUBSCRIPTION, OVER_EACH_BOUND["aliases, fragments expanded"], OVER_EACH_BOUND["depth"]],
    ids=["subscription", "query-with-fragments", "deep-query"],
)
async def test_a_websocket_operation_over_a_bound_is_refused_and_the_connection_stays(
    live_server, protocol, query
):
    async with connected(live_server, protocol) as client:
        await client.subscribe("1", query)
        message = await client.receive()
        assert (message["type"], message["id"]) == ("error", "1"), message
        errors = (
            message["payload"] if isinstance(message["payload"], list) else [message["payload"]]
        )
        assert errors[0]["extensions"]["code"] == TOO_COMPLEX
        await client.subscribe("2", "{ viewer { name } }")
        assert (await client.results(1)) == [{"viewer": {"name": "admin-token"}}]

"""Persisted queries: Apollo's APQ protocol over POST, GET and WebSocket, the CDN cache headers
of GET answers, the storefront persisted-only mode and the admin's manifest import
(schema/persisted_queries.py, docs/persisted-queries.md)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.cli import main
from api.persisted_manifest import MANIFEST_FORMAT, ManifestOperation, sha256_hex
from api.services.persisted_queries import MAX_RECENT_CHARS, MAX_RECENT_DOCUMENTS, RecentDocuments
from api.settings import Settings
from tests.api.subscription_client import connected, http, services_of
from tests.api.test_reservations_api import RESERVE, lines
from tests.api.test_storefront_reads import storefront_key
from tests.conftest import ADMIN_TOKEN, serving

SHELF = 'query Shelf($skus: [String!]!) { availability(channel: "web", skus: $skus) { sku } }'
VIEWER = "query Who { viewer { name role } }"
FEED = 'subscription Shelf { availabilityChanged(channel: "web") { sku published } }'


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}


class Api:
    """The app over HTTP, with the keys a test sends as."""

    def __init__(self, http: httpx.AsyncClient, app: Any) -> None:
        self.http = http
        self.app = app

    @property
    def registry(self) -> Any:
        return self.app.state.services.persisted_queries

    async def post(self, body: Any, token: str = ADMIN_TOKEN) -> httpx.Response:
        return await self.http.post("/graphql", json=body, headers=_auth(token))

    async def get(self, params: dict[str, Any], token: str = ADMIN_TOKEN) -> httpx.Response:
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        headers = {**_auth(token), "accept": "*/*"}  # as Apollo Client sends it
        return await self.http.get("/graphql", params=encoded, headers=headers)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of an admin's plain request that must succeed."""
        response = await self.post({"query": query, "variables": variables or {}})
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _api(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as client:
            yield Api(client, app)


@pytest.fixture
async def api(app_settings: Settings) -> AsyncIterator[Api]:
    async for served in _api(app_settings):
        yield served


@pytest.fixture
async def strict_api(app_settings: Settings) -> AsyncIterator[Api]:
    """The app with STOCKPOOL_STOREFRONT_PERSISTED_ONLY=true."""
    async for served in _api(replace(app_settings, storefront_persisted_only=True)):
        yield served


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


# ---- the APQ protocol -------------------------------------------------------------------------


async def test_a_hash_never_sent_with_its_query_is_persisted_query_not_found(api):
    response = await api.post({"extensions": persisted(VIEWER)})
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_query_sent_with_its_hash_runs_and_then_the_hash_alone_runs_it(api):
    first = await api.post({"query": VIEWER, "extensions": persisted(VIEWER)})
    assert first.status_code == 200
    assert first.json()["data"]["viewer"]["role"] == "ADMIN"
    again = await api.post({"extensions": persisted(VIEWER), "operationName": "Who"})
    assert again.status_code == 200
    assert again.json()["data"] == first.json()["data"]


async def test_a_get_by_hash_runs_the_query_with_its_variables(api):
    await seed_web(api)
    await api.post({"query": SHELF, "variables": {"skus": []}, "extensions": persisted(SHELF)})
    response = await api.get(
        {"extensions": persisted(SHELF), "variables": {"skus": []}, "operationName": "Shelf"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"availability": []}


async def test_a_mutation_by_hash_over_get_is_refused_and_changes_nothing(api):
    await _stock(api)
    variables = {"input": {"channel": "web", "orderRef": "o-1", "lines": lines(("TEE", 1))}}
    await api.post({"query": RESERVE, "variables": variables, "extensions": persisted(RESERVE)})
    variables["input"]["orderRef"] = "o-2"
    response = await api.get({"extensions": persisted(RESERVE), "variables": variables})
    assert response.status_code in (400, 405), response.text
    levels = await api('{ stockLevels(sku: "TEE") { reserved } }')
    assert levels["stockLevels"] == [{"reserved": 1}]


async def test_a_query_whose_hash_is_another_documents_is_refused_and_not_registered(api):
    response = await api.post({"query": VIEWER, "extensions": persisted("{ __typename }")})
    assert response.status_code == 400
    assert code_of(response) == "PERSISTED_QUERY_HASH_MISMATCH"
    response = await api.post({"extensions": persisted("{ __typename }")})
    assert code_of(response) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("version", [2, 0, "1", None, True, 1.5])
async def test_an_unsupported_version_is_refused_with_a_stable_code(api, version):
    extension = {"persistedQuery": {"version": version, "sha256Hash": sha256_hex(VIEWER)}}
    response = await api.post({"query": VIEWER, "extensions": extension})
    assert response.status_code == 400
    assert code_of(response) == "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": "abc"},
        {"persistedQuery": []},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": {"version": 1, "sha256Hash": 12}},
        {"persistedQuery": {"version": 1, "sha256Hash": "zz" * 32}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(VIEWER).upper()}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(VIEWER) + "0"}},
        {"persistedQuery": {"version": 1, "sha256Hash": "a" * 100_000}},
        {"persistedQuery": {"version": 1, "sha256Hash": "../../etc/passwd"}},
    ],
    ids=[
        "string",
        "array",
        "no-hash",
        "number",
        "not-hex",
        "uppercase",
        "too-long",
        "huge",
        "path",
    ],
)
async def test_a_malformed_persisted_query_extension_is_a_400_never_a_500(api, extensions):
    for body in ({"query": VIEWER, "extensions": extensions}, {"extensions": extensions}):
        response = await api.post(body)
        assert response.status_code == 400, response.text
        assert code_of(response) == "PERSISTED_QUERY_INVALID"


@pytest.mark.parametrize(
    "params",
    [
        {"extensions": "not json"},
        {"extensions": "[1, 2]"},
        {"extensions": json.dumps({"persistedQuery": None})},
        {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": None}})},
        {"extensions": json.dumps(persisted(VIEWER)), "variables": "{"},
    ],
    ids=["not-json", "array", "null", "null-hash", "bad-variables"],
)
async def test_garbage_extensions_over_get_are_answered_with_a_4xx(api, params):
    response = await api.get(params)
    assert 400 <= response.status_code < 500, response.text
    assert "errors" in response.json()


async def test_extensions_without_a_persisted_query_change_nothing(api):
    response = await api.post({"query": VIEWER, "extensions": {"tracing": True}})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "ADMIN"


async def test_a_document_run_by_hash_still_meets_the_bounds(api):
    wide = "query Wide { " + " ".join(f"a{i}: viewer {{ name }}" for i in range(150)) + " }"
    api.registry.remember(sha256_hex(wide), wide)  # as if registered before the bound shrank
    response = await api.post({"extensions": persisted(wide)})
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


# ---- CDN cache headers ------------------------------------------------------------------------


async def test_a_storefront_get_by_hash_may_be_kept_by_a_shared_cache(api):
    secret = await storefront_key(api)
    await api.post({"query": SHELF, "extensions": persisted(SHELF)}, token=secret)
    params = {"extensions": persisted(SHELF), "variables": {"skus": ["TEE"]}}
    response = await api.get(params, token=secret)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=10"
    assert "authorization" in response.headers["vary"].lower()


async def test_admin_answers_errors_and_posts_are_never_kept_by_a_shared_cache(api):
    secret = await storefront_key(api)
    await api.post({"query": SHELF, "extensions": persisted(SHELF)})
    admin_get = await api.get({"extensions": persisted(SHELF), "variables": {"skus": []}})
    assert admin_get.headers["cache-control"] == "private, no-store"
    failing = await api.get({"extensions": persisted(SHELF)}, token=secret)  # no $skus
    assert failing.headers["cache-control"] == "private, no-store"
    post = await api.post({"extensions": persisted(SHELF), "variables": {"skus": []}}, secret)
    assert "public" not in post.headers.get("cache-control", "")


async def test_no_shared_caching_when_the_max_age_is_zero(app_settings):
    async for api in _api(replace(app_settings, persisted_query_max_age=0)):
        secret = await storefront_key(api)
        await api.post({"query": SHELF, "extensions": persisted(SHELF)}, token=secret)
        params = {"extensions": persisted(SHELF), "variables": {"skus": []}}
        response = await api.get(params, token=secret)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"


# ---- persisted-only storefront keys -----------------------------------------------------------


async def test_a_persisted_only_storefront_key_cannot_send_a_query(strict_api):
    secret = await storefront_key(strict_api)
    plain = await strict_api.post({"query": SHELF, "variables": {"skus": []}}, token=secret)
    assert plain.status_code == 403
    assert code_of(plain) == "PERSISTED_QUERY_REQUIRED"
    with_hash = await strict_api.post(
        {"query": SHELF, "variables": {"skus": []}, "extensions": persisted(SHELF)}, secret
    )
    assert with_hash.status_code == 403
    assert code_of(with_hash) == "PERSISTED_QUERY_REQUIRED"


async def test_a_persisted_only_storefront_key_cannot_run_what_another_key_auto_registered(
    strict_api,
):
    secret = await storefront_key(strict_api)
    await strict_api.post({"query": SHELF, "extensions": persisted(SHELF)})  # admin's APQ
    response = await strict_api.post(
        {"extensions": persisted(SHELF), "variables": {"skus": []}}, secret
    )
    assert code_of(response) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_persisted_only_storefront_key_runs_registered_documents(strict_api):
    secret = await storefront_key(strict_api)
    await strict_api.registry.register([ManifestOperation(sha256_hex(SHELF), SHELF)])
    body = {"extensions": persisted(SHELF), "variables": {"skus": ["TEE"]}}
    response = await strict_api.post(body, token=secret)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    get = await strict_api.get(body, token=secret)
    assert get.status_code == 200 and get.headers["cache-control"] == "public, max-age=10"
    with_query = await strict_api.post({**body, "query": SHELF}, token=secret)
    assert with_query.status_code == 200, with_query.text


async def test_persisted_only_holds_storefront_keys_alone(strict_api):
    await _stock(strict_api)
    partner = await _key(strict_api, "PARTNER")
    variables = {"input": {"channel": "web", "orderRef": "o-1", "lines": lines(("TEE", 1))}}
    response = await strict_api.post({"query": RESERVE, "variables": variables}, token=partner)
    assert response.status_code == 200
    assert response.json()["data"]["reserveStock"]["userErrors"] == []
    assert (await strict_api(VIEWER))["viewer"]["role"] == "ADMIN"


async def test_a_registered_mutation_sent_by_a_storefront_key_is_still_forbidden(strict_api):
    await _stock(strict_api)
    secret = await _key(strict_api, "STOREFRONT")
    await strict_api.registry.register([ManifestOperation(sha256_hex(RESERVE), RESERVE)])
    variables = {"input": {"channel": "web", "orderRef": "o-1", "lines": lines(("TEE", 1))}}
    response = await strict_api.post(
        {"extensions": persisted(RESERVE), "variables": variables}, secret
    )
    assert "FORBIDDEN" in response.text
    levels = await strict_api('{ stockLevels(sku: "TEE") { reserved } }')
    assert levels["stockLevels"] == [{"reserved": 0}]


# ---- WebSocket --------------------------------------------------------------------------------


async def test_a_subscription_by_hash_over_websocket_gets_its_snapshot(live_server):
    async with http(live_server) as gql:
        await _stock(gql)
        await services_of(live_server).persisted_queries.register(
            [ManifestOperation(sha256_hex(FEED), FEED)]
        )
    async with connected(live_server) as client:
        payload = {"extensions": persisted(FEED), "operationName": "Shelf"}
        await client.send({"id": "1", "type": "subscribe", "payload": payload})
        message = await client.receive()
        assert message["type"] == "next", message
        assert "errors" not in message["payload"]


async def test_an_unknown_hash_over_websocket_is_that_operations_error(live_server):
    async with connected(live_server) as client:
        await client.send(
            {"id": "1", "type": "subscribe", "payload": {"extensions": persisted(FEED)}}
        )
        message = await client.receive()
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        await client.subscribe("2", VIEWER)  # the connection still serves
        assert (await client.receive())["type"] == "next"


async def test_a_persisted_only_storefront_key_cannot_subscribe_with_a_document(app_settings):
    settings = replace(app_settings, storefront_persisted_only=True)
    async with serving(create_app(settings), lifespan="on") as server:
        async with http(server) as gql:
            await seed_web(gql)
            secret = await _key(gql, "STOREFRONT")
        async with connected(server, token=secret) as client:
            await client.subscribe("1", FEED)
            message = await client.receive()
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
            await services_of(server).persisted_queries.register(
                [ManifestOperation(sha256_hex(FEED), FEED)]
            )
            payload = {"extensions": persisted(FEED)}
            await client.send({"id": "2", "type": "subscribe", "payload": payload})
            assert (await client.receive())["type"] == "next"


# ---- the registry -----------------------------------------------------------------------------


def test_ten_thousand_distinct_registrations_stay_within_the_bounds():
    recent = RecentDocuments()
    for i in range(10_000):
        query = f"query Q{i} {{ viewer {{ name }} }}"
        recent.put(sha256_hex(query), query)
    assert len(recent) == MAX_RECENT_DOCUMENTS
    last = "query Q9999 { viewer { name } }"
    assert recent.get(sha256_hex(last)) == last
    assert recent.get(sha256_hex("query Q0 { viewer { name } }")) is None


def test_big_registrations_stay_within_the_character_bound():
    recent = RecentDocuments()
    for i in range(100):
        query = f"query Q{i} {{ viewer {{ name }} }}" + " " * 200_000
        recent.put(sha256_hex(query), query)
    assert recent.chars <= MAX_RECENT_CHARS
    assert 0 < len(recent) < 100
    huge = " " * (MAX_RECENT_CHARS + 1)
    recent.put(sha256_hex(huge), huge)
    assert recent.get(sha256_hex(huge)) is None


async def test_a_worker_past_ten_thousand_registrations_keeps_the_newest_within_bounds(api):
    queries = [f"query Q{i} {{ __typename }}" for i in range(10_000)]
    for query in queries[:-1]:
        api.registry.remember(sha256_hex(query), query)
    response = await api.post({"query": queries[-1], "extensions": persisted(queries[-1])})
    assert response.status_code == 200 and "errors" not in response.json()
    assert len(api.registry.recent) == MAX_RECENT_DOCUMENTS
    newest = await api.post({"extensions": persisted(queries[-1])})
    assert newest.json()["data"] == {"__typename": "Query"}
    oldest = await api.post({"extensions": persisted(queries[0])})
    assert code_of(oldest) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_document_registered_while_two_workers_run_is_found_by_both(app_settings):
    async for one in _api(replace(app_settings, storefront_persisted_only=True)):
        async for other in _api(replace(app_settings, storefront_persisted_only=True)):
            secret = await storefront_key(one)
            body = {"extensions": persisted(SHELF), "variables": {"skus": ["TEE"]}}
            for worker in (one, other):  # each has looked the hash up, and not found it
                assert code_of(await worker.post(body, token=secret)) == "PERSISTED_QUERY_NOT_FOUND"
            await one.registry.register([ManifestOperation(sha256_hex(SHELF), SHELF)])
            for worker in (one, other):
                for _ in range(100):  # within a second or so: a guard, not a measurement
                    response = await worker.post(body, token=secret)
                    if "errors" not in response.json():
                        break
                    await asyncio.sleep(0.05)
                assert response.status_code == 200 and "errors" not in response.json()


# ---- the CLI import ---------------------------------------------------------------------------


def _manifest(*queries: str) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": [
            {"id": sha256_hex(q), "name": f"Op{i}", "type": "query", "body": q}
            for i, q in enumerate(queries)
        ],
    }


async def test_an_imported_manifest_lets_a_persisted_only_storefront_run_its_documents(
    app_settings, tmp_path, monkeypatch, capsys
):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(_manifest(SHELF, VIEWER)))
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", app_settings.database_url)
    await _in_thread(main, ["persisted-queries", "import", str(manifest)])
    assert "registered 2 new document(s)" in capsys.readouterr().out
    await _in_thread(main, ["persisted-queries", "import", str(manifest)])
    assert "registered 0 new document(s), 2 already registered" in capsys.readouterr().out
    async for api in _api(replace(app_settings, storefront_persisted_only=True)):
        secret = await storefront_key(api)
        body = {"extensions": persisted(SHELF), "variables": {"skus": ["TEE"]}}
        response = await api.post(body, token=secret)
        assert response.status_code == 200 and "errors" not in response.json(), response.text


@pytest.mark.parametrize(
    "manifest",
    [
        "not json",
        json.dumps({"format": "something-else"}),
        json.dumps({**_manifest(VIEWER), "version": 2}),
        json.dumps({**_manifest(VIEWER), "operations": {"a": 1}}),
        json.dumps(
            {"format": MANIFEST_FORMAT, "version": 1, "operations": [{"id": "x", "body": VIEWER}]}
        ),
        json.dumps(_manifest(VIEWER, "query { broken")),
        json.dumps(_manifest("fragment F on Query { viewer { name } }")),
    ],
    ids=["not-json", "format", "version", "operations", "bad-id", "unparsable", "no-operation"],
)
async def test_a_faulty_manifest_imports_nothing(app_settings, tmp_path, monkeypatch, manifest):
    path = tmp_path / "manifest.json"
    path.write_text(manifest)
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", app_settings.database_url)
    with pytest.raises(SystemExit) as exited:
        await _in_thread(main, ["persisted-queries", "import", str(path)])
    assert "nothing imported" in str(exited.value)
    async for api in _api(app_settings):
        assert await api.registry.registered(sha256_hex(VIEWER)) is None


# ---- helpers ----------------------------------------------------------------------------------


async def _in_thread(function: Any, *args: Any) -> Any:
    """The CLI runs its own event loop (asyncio.run): not inside this one."""
    return await asyncio.to_thread(function, *args)


async def seed_web(gql: Any) -> None:
    from tests.api.stock_operations import seed
    from tests.api.test_reservations_api import channel

    await seed(gql)
    await channel(gql, "web")
    await gql(
        'mutation { upsertListing(input: {channel: "web", sku: "TEE", externalSku: "tee"}) '
        "{ userErrors { code } } }"
    )


async def _stock(gql: Any) -> None:
    await seed_web(gql)
    from tests.api.stock_operations import RECEIVE

    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})


async def _key(gql: Any, role: str) -> str:
    from tests.api.test_auth_api import CREATE_KEY

    data = await gql(CREATE_KEY, {"input": {"name": role.lower(), "role": role, "channel": "web"}})
    secret: str = data["createApiKey"]["secret"]
    return secret


async def test_a_registry_whose_database_does_not_answer_finds_nothing_instead_of_failing(
    tmp_path,
):
    from api.database.engine import Database
    from api.services.persisted_queries import PersistedQueries

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    try:
        registry = PersistedQueries(database)
        assert await registry.registered(sha256_hex(VIEWER)) is None
    finally:
        await database.dispose()

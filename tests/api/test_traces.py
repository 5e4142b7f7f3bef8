"""Traces: a span per GraphQL operation with the database's spans inside it, captured with
the OpenTelemetry SDK's in-memory exporter; and a server without the otel extra."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from api.app import create_app
from api.observability import tracing
from tests.api.stock_operations import RECEIVE, seed
from tests.conftest import GraphQLClient
from tests.e2e.pages_server import REPO


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(None)
        provider.shutdown()


@pytest.fixture
async def traced(spans, app_settings) -> AsyncIterator[GraphQLClient]:
    """The app, built while tracing is on."""
    app = create_app(app_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stockpool") as http:
            yield GraphQLClient(http)


def children(parent: ReadableSpan, among: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    return [s for s in among if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_a_mutation_is_a_span_with_its_database_transaction_inside(traced, spans):
    await seed(traced)
    spans.clear()
    query = RECEIVE.replace("mutation(", "mutation Arrival(")
    data = await traced(query, {"input": {"sku": "TEE", "location": "WH", "quantity": 5}})
    assert data["receiveStock"]["userErrors"] == []
    finished = spans.get_finished_spans()
    [operation] = [s for s in finished if s.kind is SpanKind.SERVER]
    assert operation.name == "mutation receiveStock"
    assert operation.attributes["graphql.operation.type"] == "mutation"
    assert operation.attributes["graphql.operation.name"] == "Arrival"
    assert "query" not in operation.attributes and "TEE" not in str(operation.attributes)
    inside = children(operation, finished)
    transactions = [s for s in inside if s.name == "db transaction"]
    assert len(transactions) == 1
    assert transactions[0].kind is SpanKind.CLIENT
    assert transactions[0].attributes["db.system.name"] in ("sqlite", "postgresql")
    assert transactions[0].context.trace_id == operation.context.trace_id
    assert {s.name for s in inside} >= {"GraphQL Parsing", "GraphQL Validation"}
    assert operation.status.status_code is not StatusCode.ERROR


async def test_a_query_reads_inside_its_span_and_user_errors_are_on_it(traced, spans):
    await seed(traced)
    spans.clear()
    await traced("query Catalogue { skus(first: 5) { edges { node { code } } } }")
    refused = await traced(
        'mutation { createSku(input: {code: "TEE", name: "again"}) { userErrors { code } } }'
    )
    assert refused["createSku"]["userErrors"][0]["code"] == "DUPLICATE_CODE"
    finished = spans.get_finished_spans()
    query, mutation = sorted(
        (s for s in finished if s.kind is SpanKind.SERVER), key=lambda s: s.start_time
    )
    assert query.name == "query skus"
    assert any(s.name == "db read" for s in children(query, finished))
    assert mutation.attributes["stockpool.error_codes"] == ("DUPLICATE_CODE",)


async def test_background_work_outside_an_operation_is_not_traced(traced, spans):
    services = traced.http._transport.app.state.services
    async with services.database.read():
        pass
    async with services.database.transaction():
        pass
    assert spans.get_finished_spans() == ()


async def test_tracing_off_builds_no_span_extension(gql):
    from schema import build_schema
    from schema.operation_spans import OperationSpans

    assert not tracing.enabled()
    assert OperationSpans not in build_schema().extensions


def test_without_the_otel_extra_the_server_serves_and_says_why_nothing_is_traced(tmp_path):
    """OpenTelemetry made unimportable, with an OTLP endpoint set: every import works, the
    app serves, and one warning names the extra."""
    script = textwrap.dedent(
        f"""
        import asyncio, logging, sys
        for name in ("opentelemetry", "opentelemetry.trace", "opentelemetry.sdk"):
            sys.modules[name] = None  # import fails as if not installed
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        import httpx
        from api.app import create_app
        from api.database.engine import Database
        from api.database.migrate import upgrade
        from api.settings import Settings
        from api.observability import tracing

        async def main():
            url = "sqlite+aiosqlite:///{tmp_path}/t.db"
            database = Database(url)
            await upgrade(database)
            await database.dispose()
            app = create_app(Settings(database_url=url, admin_token="t0ken"))
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
                    answer = await http.post("/graphql", json={{"query": "{{ viewer {{ role }} }}"}},
                                             headers={{"authorization": "Bearer t0ken"}})
            print(answer.status_code, answer.json()["data"], tracing.enabled())

        asyncio.run(main())
        """
    )
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "200 {'viewer': {'role': 'ADMIN'}} False"
    assert "pip install 'stockpool[otel]'" in done.stderr


def test_an_otlp_endpoint_turns_on_exporting_once_with_the_service_name(monkeypatch):
    from opentelemetry import trace

    # The process-wide provider can be set once per process: the test keeps it to itself.
    installed = []
    monkeypatch.setattr(trace, "set_tracer_provider", installed.append)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    try:
        assert not tracing.configure()
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-stock")
        assert tracing.configure() and tracing.configure()
        [provider] = installed
        assert provider is tracing.provider()
        assert provider.resource.attributes["service.name"] == "shop-stock"
        monkeypatch.delenv("OTEL_SERVICE_NAME")
        tracing.use(None)
        assert tracing.configure()
        assert installed[1].resource.attributes["service.name"] == "stockpool"
    finally:
        tracing.use(None)
        for provider in installed:
            provider.shutdown()


async def test_an_operation_over_websocket_is_traced_too(spans, app_settings):
    from tests.api.subscription_client import connected
    from tests.conftest import serving

    app = create_app(app_settings)
    async with serving(app, lifespan="on") as server, connected(server) as client:
        await client.subscribe("q", "query Shelf { locations { code } }")
        assert (await client.receive())["type"] == "next"
    finished = spans.get_finished_spans()
    [operation] = [s for s in finished if s.kind is SpanKind.SERVER]
    assert operation.name == "query locations"
    assert operation.attributes["graphql.operation.name"] == "Shelf"
    assert [s.name for s in children(operation, finished) if s.kind is SpanKind.CLIENT] == [
        "db read"
    ]

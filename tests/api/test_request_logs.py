"""Request logs: one structured line per request, the request id on every line of it, and
nothing of the query text or a key beyond its prefix."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from api.observability.logs import logging_config, make_handler
from api.observability.request_log import RequestLog
from tests.api.stock_operations import seed
from tests.api.subscription_client import connected, http
from tests.conftest import ADMIN_TOKEN

CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret userErrors { code } } }"""
RESERVE_UNKNOWN = """mutation Checkout { reserveStock(input: {channel: "web",
  orderRef: "order-secret-77", lines: [{sku: "NO-SUCH-SKU", quantity: 1}]}) {
  reservation { id } userErrors { code } } }"""


@contextmanager
def _capture(log_format: str) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = make_handler(log_format, stream)
    logger = logging.getLogger("stockpool")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def json_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    with _capture("json") as stream:

        def lines() -> list[dict[str, Any]]:
            return [json.loads(line) for line in stream.getvalue().splitlines()]

        yield lines


@pytest.fixture
def text_log() -> Iterator[io.StringIO]:
    with _capture("text") as stream:
        yield stream


def request_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "stockpool.request"]


async def test_a_client_request_id_is_echoed_and_on_every_line_of_that_request(gql, json_lines):
    response = await gql.http.post(
        "/graphql",
        json={"query": "query Broken { noSuchField }"},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", "x-request-id": "shop-42.a"},
    )
    assert response.headers["x-request-id"] == "shop-42.a"
    lines = json_lines()
    refused = [line for line in lines if line["logger"] == "stockpool.graphql"]
    assert refused and refused[0]["message"].startswith("refused Broken")
    assert {line.get("request_id") for line in lines} == {"shop-42.a"}
    [line] = request_lines(lines)
    assert line["operation"] == "invalid" and line["operation_name"] == "Broken"
    assert line["outcome"] == "invalid" and line["error_codes"] == ["INVALID"]
    assert line["status"] == 200 and line["method"] == "POST" and line["path"] == "/graphql"


async def test_every_response_gets_a_request_id_a_new_one_per_request(gql):
    first, second = await gql.http.get("/livez"), await gql.http.get("/nowhere")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert second.status_code == 404
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("sent", ["has space", "x" * 129, "", "tab\there", "café"])
async def test_a_request_id_that_is_not_sane_is_replaced(gql, sent):
    response = await gql.http.get("/livez", headers={"x-request-id": sent.encode("utf-8")})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_the_request_line_names_operation_caller_outcome_and_codes_never_the_query_or_key(
    gql, json_lines
):
    await seed(gql)
    minted = await gql(
        CREATE_KEY, {"input": {"name": "web shop", "role": "PARTNER", "channel": "web"}}
    )
    secret = minted["createApiKey"]["secret"]
    response = await gql.as_key(secret).post(RESERVE_UNKNOWN)
    assert response.json()["data"]["reserveStock"]["userErrors"][0]["code"] == "CHANNEL_NOT_FOUND"
    request_id = response.headers["x-request-id"]
    lines = json_lines()
    line = next(line for line in request_lines(lines) if line["request_id"] == request_id)
    assert line["operation"] == "reserveStock" and line["operation_name"] == "Checkout"
    assert line["role"] == "partner" and line["key"] == secret[:10]
    assert line["outcome"] == "user_error" and line["error_codes"] == ["CHANNEL_NOT_FOUND"]
    assert isinstance(line["duration_ms"], float) and line["status"] == 200
    everything = json.dumps(lines)
    assert secret not in everything and secret[10:] not in everything
    assert "order-secret-77" not in everything and "NO-SUCH-SKU" not in everything
    created = next(line for line in request_lines(lines) if line["operation"] == "createApiKey")
    assert created["role"] == "admin" and created["key"] == "admin-token"
    assert created["outcome"] == "ok" and created["error_codes"] == []


async def test_a_refused_key_is_logged_unauthenticated_without_the_key(gql, json_lines):
    response = await gql.as_key("sp_a_not-a-real-key-at-all").post("{ viewer { name } }")
    assert response.status_code == 401
    [line] = request_lines(json_lines())
    assert line["outcome"] == "unauthenticated" and line["error_codes"] == ["UNAUTHENTICATED"]
    assert line["role"] is None and line["key"] is None
    assert "not-a-real-key" not in json.dumps(json_lines())


async def test_probes_log_at_debug_only(gql, json_lines):
    await gql.http.get("/livez")
    await gql.http.get("/readyz")
    assert request_lines(json_lines()) == []


async def test_text_lines_carry_the_id_and_the_fields(gql, text_log):
    response = await gql.http.post(
        "/graphql",
        json={"query": "query Catalogue { skus(first: 1) { edges { node { code } } } }"},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", "x-request-id": "abc-1"},
    )
    assert response.status_code == 200
    [line] = text_log.getvalue().splitlines()
    assert re.match(
        r"\d{4}-\d\d-\d\dT[\d:.]+Z INFO stockpool.request \[abc-1\] POST /graphql 200 ", line
    )
    for part in (
        "operation=skus",
        "operation_name=Catalogue",
        "role=admin",
        "key=admin-token",
        "outcome=ok",
        "error_codes=-",
    ):
        assert f" {part}" in line, line
    assert "edges" not in line


async def test_an_unexpected_exception_is_a_500_with_the_id_and_one_traceback_carrying_it(
    json_lines,
):
    async def broken(scope, receive, send):
        logging.getLogger("stockpool.broken").warning("about to fail")
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=RequestLog(broken))
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get("/anything", headers={"x-request-id": "req-500"})
    assert response.status_code == 500 and response.headers["x-request-id"] == "req-500"
    lines = json_lines()
    assert [line["request_id"] for line in lines] == ["req-500"] * 3
    [failure] = [line for line in lines if "exception" in line]
    assert "RuntimeError: boom" in failure["exception"]
    assert request_lines(lines)[-1]["outcome"] == "internal_error"


async def test_a_websocket_logs_its_opening_its_subscriptions_and_its_close(
    live_server, json_lines
):
    async with http(live_server) as gql:
        await seed(gql)
    headers = {"x-request-id": "socket-7"}
    async with connected(live_server, additional_headers=headers) as client:
        assert client.socket.response.headers["x-request-id"] == "socket-7"
        await client.send(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": 'subscription Badge { availabilityChanged(channel: "web") { sku } }',
                    "operationName": "Badge",
                },
            }
        )
        await client.receive()
    for _ in range(250):
        lines = [line for line in json_lines() if line.get("request_id") == "socket-7"]
        if any(line["message"] == "websocket closed" for line in lines):
            break
        await _tick()
    messages = [line["message"] for line in lines]
    assert messages == ["websocket opened", "subscription started", "websocket closed"]
    started, closed = lines[1], lines[2]
    assert started["operation"] == "availabilityChanged" and started["operation_name"] == "Badge"
    assert closed["role"] == "admin" and closed["subscriptions"] == 1
    assert closed["close_code"] is not None and closed["duration_ms"] > 0
    assert "availabilityChanged(channel" not in json.dumps(lines)


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0.02)


def test_the_server_logging_config_routes_every_logger_through_one_handler():
    config = logging_config("json", "trace")
    assert config["root"] == {"level": 5, "handlers": ["main"]}
    assert config["handlers"]["main"]["log_format"] == "json"
    uvicorn = [config["loggers"][name] for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    assert all(logger["handlers"] == [] and logger["propagate"] for logger in uvicorn)
    assert config["loggers"]["httpx"] == {"level": "WARNING"}  # it would log webhook URLs


async def test_a_get_query_is_logged_by_path_without_its_query_string(gql, json_lines):
    response = await gql.http.get(
        "/graphql",
        params={"query": "query Peek { viewer { role } }", "operationName": "Peek"},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", "accept": "application/json"},
    )
    assert response.status_code == 200
    [line] = request_lines(json_lines())
    assert line["method"] == "GET" and line["path"] == "/graphql"
    assert line["operation"] == "viewer" and line["operation_name"] == "Peek"
    logged = json.dumps(json_lines())
    assert "query=" not in logged and "{ viewer" not in logged and "role }" not in logged

"""Every kind of bad argument (tests/hostile/kinds.py) at every root field of the schema, over
HTTP (as variables and as literals) and WebSocket, on SQLite and PostgreSQL: never a 5xx or
an `internal error`, refused kinds always refused, and a refused mutation changes nothing."""

from __future__ import annotations

import time

from api.services.ledger_check import check_ledger
from tests.hostile.harness import (
    App,
    Findings,
    Socket,
    over_http,
    over_websocket,
    subscriptions_over_websocket,
)
from tests.hostile.kinds import ARGUMENT_KINDS
from tests.hostile.operations import root_fields

QUERIES = root_fields("query")
MUTATIONS = root_fields("mutation")
SUBSCRIPTIONS = root_fields("subscription")
WEBSOCKET_MESSAGE_BYTES = 60_000
"""Below the transport's 64 KiB: a bigger message is refused whole (test_hostile_requests)."""


async def _ledger_balances(app: App) -> None:
    report = await check_ledger(app.database)
    assert report.discrepancies == [], report


async def test_bad_arguments_over_http_are_refused_without_a_500_or_a_change(app: App):
    findings = Findings()
    started = time.monotonic()
    for rotation, kind in enumerate(ARGUMENT_KINDS):
        for fields in (QUERIES, MUTATIONS):
            await over_http(app, findings, kind, fields, rotation, literal=False)
    print(
        f"{findings.requests} requests in {time.monotonic() - started:.1f}s; slowest {findings.slowest}"
    )
    assert not findings.items, "\n".join(findings.items)
    await _ledger_balances(app)


async def test_bad_arguments_as_literals_are_refused_without_a_500_or_a_change(app: App):
    """Each kind written inline in the document, at a quarter of the root fields (turning, so
    the kinds share every field out between them)."""
    findings = Findings()
    started = time.monotonic()
    for rotation, kind in enumerate(ARGUMENT_KINDS):
        for fields in (QUERIES, MUTATIONS):
            await over_http(app, findings, kind, fields, rotation, literal=True, share=4)
    print(
        f"{findings.requests} requests in {time.monotonic() - started:.1f}s; slowest {findings.slowest}"
    )
    assert not findings.items, "\n".join(findings.items)
    await _ledger_balances(app)


async def test_bad_arguments_over_websocket_are_refused_without_an_internal_error(app: App):
    """Queries and mutations: each kind at a third of the root fields (turning); every
    subscription gets every kind."""
    findings = Findings()
    socket = await Socket.open(app.ws_url)
    started = time.monotonic()
    try:
        for rotation, kind in enumerate(ARGUMENT_KINDS):
            for fields in (QUERIES, MUTATIONS):
                await over_websocket(
                    app, socket, findings, kind, fields, rotation, WEBSOCKET_MESSAGE_BYTES, 3
                )
        await subscriptions_over_websocket(
            app, socket, findings, ARGUMENT_KINDS, SUBSCRIPTIONS, WEBSOCKET_MESSAGE_BYTES
        )
    finally:
        await socket.close()
    print(
        f"{findings.requests} operations in {time.monotonic() - started:.1f}s; slowest {findings.slowest}"
    )
    assert not findings.items, "\n".join(findings.items)
    await _ledger_balances(app)

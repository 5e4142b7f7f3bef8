"""The webhook outbox under the services: written in the transaction of the change (so a
committed change is never lost and a rolled-back one never sent), worked by relays that never
send one message twice at once, and endpoints that fail too long disabled with an alert."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from api.bus import EventBus
from api.database import alert_repository
from api.database.engine import Database
from api.database.movements import Movement, apply_movements, lock_levels
from api.database.tables import webhook_deliveries
from api.services.container import Services
from api.settings import Settings
from domain.alerts import AlertType
from domain.quantities import Quantities
from domain.reservations import RequestedLine, ReserveStock
from domain.stock import StockEventType, StockReason
from domain.webhooks import WebhookEvent
from tests import services as external
from tests.conftest import ADMIN, ADMIN_TOKEN, _empty
from tests.integration.helpers import make_catalogue, make_channel, stock
from tests.integration.test_hold_queries import HOLD_QUERIES, _listed_tee
from tests.query_count import assert_num_queries
from tests.webhook_receiver import receiving

FAST_RETRIES = (0.05, 0.05)


def _settings(url: str, **changes: object) -> Settings:
    return Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        webhook_allow_private=True,
        webhook_retry_seconds=FAST_RETRIES,
        **changes,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def worker(database: Database, clock=None, **changes: object) -> AsyncIterator[Services]:
    """Services as one worker has them, its relay's endpoint list loaded."""
    bus = EventBus("memory://", f"test-{external.RUN_ID}")
    await bus.connect()
    settings = _settings(database.url, **changes)
    services = (
        Services.build(settings, database, bus, clock)
        if clock
        else Services.build(settings, database, bus)
    )
    await services.webhook_relay.reload()
    try:
        yield services
    finally:
        await bus.disconnect()


@asynccontextmanager
async def relaying(services: Services) -> AsyncIterator[None]:
    task = asyncio.create_task(services.webhook_relay.run_forever())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def dead_url() -> str:
    """A loopback port nothing listens on: every attempt is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def shop(services: Services, units: int = 500) -> None:
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", units))


@dataclass
class Row:
    status: str
    attempts: int
    event: str
    data: dict


async def outbox(database: Database) -> list[Row]:
    async with database.read() as conn:
        rows = await conn.execute(select(webhook_deliveries).order_by(webhook_deliveries.c.id))
        return [Row(r.status, r.attempts, r.event, r.payload["data"]) for r in rows]


async def eventually(check, seconds: float = 20.0):
    """Polls `check` until it answers (a real receiver and relay run meanwhile)."""
    async with asyncio.timeout(seconds):
        while not (found := await check()):  # noqa: ASYNC110 - polls the database
            await asyncio.sleep(0.05)
    return found


async def test_a_dead_receiver_loses_nothing_while_200_holds_commit(database):
    async with worker(database) as services:
        await shop(services)
        await services.webhooks.create(
            ADMIN,
            dead_url(),
            [WebhookEvent.RESERVATION_CHANGED, WebhookEvent.AVAILABILITY_CHANGED],
            None,
        )
        async with relaying(services):
            held = await asyncio.gather(
                *(
                    services.dispatch(
                        ReserveStock("web", f"o-{i}", (RequestedLine("TEE", 1),)), ADMIN
                    )
                    for i in range(200)
                )
            )
            assert len({reservation.id for reservation in held}) == 200

            async def tried_again():
                rows = await outbox(database)
                return rows if any(r.attempts >= 2 for r in rows) else None

            rows = await eventually(tried_again)
        [endpoint] = await services.webhooks.endpoints(ADMIN)
    kept = [r for r in rows if r.event == "RESERVATION_CHANGED"]
    assert sorted(r.data["id"] for r in kept) == sorted(r.id for r in held)
    assert {r.status for r in kept} <= {"PENDING", "FAILED"}
    assert {r.status for r in rows} <= {"PENDING", "FAILED", "SUPERSEDED"}
    # A dead endpoint is probed, not flooded: most deliveries wait for it untried.
    assert sum(r.attempts for r in rows) < len(rows)
    assert endpoint.enabled


async def test_a_rolled_back_transaction_writes_no_delivery_and_a_committed_one_does(database):
    async with worker(database) as services:
        await shop(services)
        await services.webhooks.create(ADMIN, dead_url(), [WebhookEvent.STOCK_LEVEL_CHANGED], None)

        async def receive_one(fail: bool) -> None:
            async with database.transaction() as conn:
                [level] = await lock_levels(conn)
                move = Movement(
                    level.ref, Quantities(on_hand=1), StockEventType.RECEIVED, StockReason.RECEIVED
                )
                await apply_movements(conn, [move], "test", services.webhook_relay._clock())
                if fail:
                    raise RuntimeError("the caller gave up")

        with pytest.raises(RuntimeError):
            await receive_one(fail=True)
        assert await outbox(database) == []
        await receive_one(fail=False)
        [row] = await outbox(database)
        assert (row.event, row.data["onHand"]) == ("STOCK_LEVEL_CHANGED", 501)


async def test_no_endpoint_means_no_delivery_rows(database):
    async with worker(database) as services:
        await shop(services)
        await services.dispatch(ReserveStock("web", "o-1", (RequestedLine("TEE", 1),)), ADMIN)
    async with database.read() as conn:
        assert (
            await conn.execute(select(func.count()).select_from(webhook_deliveries))
        ).scalar() == 0


async def test_an_endpoint_failing_past_the_limit_is_disabled_with_an_alert(database, clock):
    async with worker(database, clock, webhook_disable_after_hours=1.0) as services:
        await shop(services)
        endpoint, _ = await services.webhooks.create(
            ADMIN, dead_url(), [WebhookEvent.STOCK_LEVEL_CHANGED], None
        )
        relay = services.webhook_relay
        await stock(services, ("TEE", "WH", 1))
        await relay.run_once()
        [row] = [r for r in await outbox(database) if r.attempts]
        assert row.status == "PENDING"
        clock.advance(3601)
        await relay.run_once()
        [found] = await services.webhooks.endpoints(ADMIN)
        assert not found.enabled and found.disabled_at == clock()
        async with database.read() as conn:
            raised = await alert_repository.list_alerts(conn, None)
        assert [(a.type, a.details["endpoint"]) for a in raised] == [
            (AlertType.WEBHOOK_DISABLED, str(endpoint.id))
        ]
        assert relay.subscribers.endpoints == ()


async def test_a_rotated_secret_signs_beside_the_previous_one(database):
    from domain.webhooks import signature

    async with receiving() as receiver, worker(database) as services:
        await shop(services)
        _, first = await services.webhooks.create(
            ADMIN, receiver.url, [WebhookEvent.STOCK_LEVEL_CHANGED], None
        )
        endpoint = (await services.webhooks.endpoints(ADMIN))[0]
        _, second = await services.webhooks.rotate_secret(ADMIN, str(endpoint.id))
        async with relaying(services):
            await stock(services, ("TEE", "WH", 1))
            await receiver.wait_for(lambda: receiver.received)
    [request] = receiver.received
    headers = request.headers
    timestamp = int(headers["webhook-timestamp"])
    assert headers["webhook-signature"].split(" ") == [
        signature(second, headers["webhook-id"], timestamp, request.body),
        signature(first, headers["webhook-id"], timestamp, request.body),
    ]


@pytest.mark.postgres
async def test_two_workers_on_postgres_deliver_each_message_once(postgres_url):
    one, two = Database(postgres_url), Database(postgres_url)
    await _empty(one)
    try:
        async with (
            receiving() as receiver,
            worker(one) as first,
            worker(two) as second,
        ):
            await shop(first)
            await first.webhooks.create(
                ADMIN, receiver.url, [WebhookEvent.RESERVATION_CHANGED], None
            )
            await second.webhook_relay.reload()
            async with relaying(first), relaying(second):
                await asyncio.gather(
                    *(
                        (first if i % 2 else second).dispatch(
                            ReserveStock("web", f"o-{i}", (RequestedLine("TEE", 1),)), ADMIN
                        )
                        for i in range(100)
                    )
                )
                await receiver.wait_for(lambda: len(receiver.received) >= 100, 30)
                # A moment for any second copy to arrive, were one on its way.
                await asyncio.sleep(0.5)
        ids = Counter(r.headers["webhook-id"] for r in receiver.received)
        assert len(ids) == 100 and set(ids.values()) == {1}
        assert len({r.json["data"]["orderRef"] for r in receiver.received}) == 100
    finally:
        await one.dispose()
        await two.dispose()


async def test_with_an_endpoint_a_batch_of_holds_sends_one_statement_more(database):
    """The outbox costs one INSERT per transaction, for every delivery of every hold in it."""
    async with worker(database) as services:
        await _listed_tee(services)
        await services.webhooks.create(ADMIN, dead_url(), list(WebhookEvent), None)
        with assert_num_queries(HOLD_QUERIES[database.dialect] + 1) as sent:
            await asyncio.gather(
                *(
                    services.dispatch(
                        ReserveStock("web", f"o-{n}", (RequestedLine("TEE", 1),)), ADMIN
                    )
                    for n in range(50)
                )
            )
    assert "webhook_deliveries" in sent[-1]
    rows = await outbox(database)
    assert Counter(r.event for r in rows) == {
        "RESERVATION_CHANGED": 50,
        "STOCK_LEVEL_CHANGED": 1,
        "AVAILABILITY_CHANGED": 1,
    }

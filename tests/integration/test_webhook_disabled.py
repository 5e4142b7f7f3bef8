"""A disabled endpoint's deliveries: FAILED, saying the endpoint was disabled, not left PENDING
for a relay that never claims them; enabled again, they are sent (coalesced)."""

from __future__ import annotations

from sqlalchemy import select

from api.database.engine import Database
from api.database.tables import webhook_deliveries
from api.database.webhook_disabled import NOTE
from domain.reservations import RequestedLine, ReserveStock
from domain.webhooks import WebhookEvent
from tests.conftest import ADMIN
from tests.integration.helpers import stock
from tests.integration.test_webhook_outbox import dead_url, eventually, relaying, shop, worker
from tests.webhook_receiver import receiving


async def _deliveries(database: Database) -> list[tuple[str, str | None, object]]:
    """(status, last_error, next_attempt_at) of each delivery, oldest first."""
    D = webhook_deliveries.c
    async with database.read() as conn:
        rows = await conn.execute(select(D.status, D.last_error, D.next_attempt_at).order_by(D.id))
        return [(r.status, r.last_error, r.next_attempt_at) for r in rows]


async def test_disabling_a_failing_endpoint_fails_its_pending_deliveries_saying_why(
    database, clock
):
    async with worker(database, clock, webhook_disable_after_hours=1.0) as services:
        await shop(services)
        await services.webhooks.create(ADMIN, dead_url(), [WebhookEvent.RESERVATION_CHANGED], None)
        relay = services.webhook_relay
        for n in range(3):
            await services.dispatch(
                ReserveStock("web", f"o-{n}", (RequestedLine("TEE", 1),)), ADMIN
            )
        await relay.run_once()
        [tried] = [row for row in await _deliveries(database) if row[1]]
        assert tried[0] == "PENDING"
        clock.advance(3601)
        await relay.run_once()
        [found] = await services.webhooks.endpoints(ADMIN)
        assert not found.enabled
        rows = await _deliveries(database)
        assert [(status, when) for status, _, when in rows] == [("FAILED", None)] * 3
        assert all(error and error.startswith(NOTE) for _, error, _ in rows)
        # The endpoint's own last error follows the note on the one that was tried.
        assert sum(error != NOTE for _, error, _ in rows) == 1


async def test_an_endpoint_disabled_by_hand_fails_its_pending_and_sends_them_once_enabled(
    database,
):
    async with receiving() as receiver, worker(database) as services:
        await shop(services)
        endpoint, _ = await services.webhooks.create(
            ADMIN, receiver.url, [WebhookEvent.STOCK_LEVEL_CHANGED], None
        )
        await stock(services, ("TEE", "WH", 1))  # pending: no relay runs yet
        await services.webhooks.update(ADMIN, str(endpoint.id), None, None, False)
        assert await _deliveries(database) == [("FAILED", NOTE, None)]
        async with relaying(services):
            await services.webhooks.update(ADMIN, str(endpoint.id), None, None, True)
            await receiver.wait_for(lambda: receiver.received)
            assert [(s, e) for s, e, _ in await eventually(lambda: _delivered(database))] == [
                ("DELIVERED", None)
            ]
    [request] = receiver.received
    assert request.json["data"]["onHand"] == 501


async def test_a_delivery_failed_by_its_retries_stays_failed_when_the_endpoint_is_enabled(
    database,
):
    async with worker(database) as services:
        await shop(services)
        endpoint, _ = await services.webhooks.create(
            ADMIN, dead_url(), [WebhookEvent.STOCK_LEVEL_CHANGED], None
        )
        await stock(services, ("TEE", "WH", 1))
        async with database.transaction() as conn:
            await conn.execute(
                webhook_deliveries.update().values(
                    status="FAILED", last_error="HTTP 500: no", next_attempt_at=None
                )
            )
        await services.webhooks.update(ADMIN, str(endpoint.id), None, None, False)
        await services.webhooks.update(ADMIN, str(endpoint.id), None, None, True)
        assert await _deliveries(database) == [("FAILED", "HTTP 500: no", None)]


async def _delivered(database: Database) -> list[tuple[str, str | None, object]] | None:
    rows = await _deliveries(database)
    return rows if rows and all(status == "DELIVERED" for status, _, _ in rows) else None

"""/metrics: every metric in Prometheus text format.

What the workers count (api/observability/metrics.py) is read from this process, or with
several workers from every worker's files; what the database knows (active alerts, the
webhook outbox) is read from it at scrape time, two small indexed queries. If the database
does not answer within a second, those two are left out and the rest is still served;
scrapes arriving together share one read.

The page shows counts, never keys, SKUs or order references. It is open unless
STOCKPOOL_METRICS_TOKEN is set; then it asks for `Authorization: Bearer <that token>`."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import parse_bearer
from api.database.engine import Database
from api.database.tables import alerts, webhook_deliveries
from api.observability.metrics import MULTIPROCESS
from domain.alerts import ACTIVE_STATUSES, AlertType
from domain.webhooks import DeliveryStatus

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 1.0
"""Seconds a scrape waits for the database's figures before leaving them out."""


async def metrics_page(request: Request) -> Response:
    token = request.app.state.services.settings.metrics_token
    if token is not None and not _bearer_is(request, token):
        return JSONResponse(
            {"error": "send the metrics token as `Authorization: Bearer <token>`"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="stockpool metrics"'},
        )
    read = await _shared_read(request.app.state, request.app.state.services.database)
    body = generate_latest(_counted()) + generate_latest(_Families(read))
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)


async def _shared_read(state: Any, database: Database) -> list[Metric]:
    """Scrapes that arrive while the database is being read share that read: however many
    come at once, a worker runs one pair of queries at a time."""
    running: asyncio.Task[list[Metric]] | None = getattr(state, "metrics_read", None)
    if running is None or running.done():
        running = state.metrics_read = asyncio.ensure_future(_database_figures(database))
    return await asyncio.shield(running)


def _bearer_is(request: Request, token: str) -> bool:
    sent = parse_bearer(request.headers.get("authorization"))
    return sent is not None and hmac.compare_digest(sent.encode(), token.encode())


def _counted() -> CollectorRegistry:
    """This process's metrics, or with several workers, every worker's added up."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class _Families:
    """Metric families read before the scrape, shaped as a registry for `generate_latest`."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def _database_figures(database: Database) -> list[Metric]:
    try:
        return await asyncio.wait_for(_read(database), DATABASE_TIMEOUT)
    except Exception as error:
        log.debug("metrics: the database's figures are left out: %r", error)
        return []


async def _read(database: Database) -> list[Metric]:
    active = [status.value for status in ACTIVE_STATUSES]
    async with database.read() as conn:
        counted = await conn.execute(
            select(alerts.c.type, alerts.c.status, func.count())
            .where(alerts.c.status.in_(active))
            .group_by(alerts.c.type, alerts.c.status)
        )
        by_kind = {(row[0], row[1]): int(row[2]) for row in counted}
        pending = await conn.scalar(
            select(func.count())
            .select_from(webhook_deliveries)
            .where(webhook_deliveries.c.status == DeliveryStatus.PENDING.value)
        )
    open_alerts = GaugeMetricFamily(
        "stockpool_alerts_active",
        "Alerts open or acknowledged (not yet resolved), by type and status.",
        labels=["type", "status"],
    )
    for kind in AlertType:
        for status in sorted(active):
            open_alerts.add_metric([kind.value, status], by_kind.get((kind.value, status), 0))
    outbox = GaugeMetricFamily(
        "stockpool_webhook_outbox_pending",
        "Webhook deliveries waiting in the outbox: due now, or waiting to be retried.",
        value=int(pending or 0),
    )
    return [open_alerts, outbox]

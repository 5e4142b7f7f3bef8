"""The relay's side of the outbox: claiming due deliveries, coalescing states, recording how
each attempt went, and disabling an endpoint that has failed too long.

A claim is one short transaction: it picks due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
after a transaction-level advisory lock that makes claims of several workers take turns, so
two never judge the same key at once; SQLite has one writer), marks them claimed for a lease
and commits; the requests are sent after it, with no transaction open. A worker that dies
mid-request leaves its rows claimed until the lease ends; another worker then sends them
again (at least once, the same `webhook-id`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository, webhook_disabled
from api.database.tables import webhook_deliveries, webhook_endpoints
from domain.alerts import Alert, AlertRaised, AlertType
from domain.webhooks import DeliveryStatus, RetrySchedule, coalesces

_CLAIM_LOCK = 0x5770_6F6F_6C57_4831  # "stpoolWH1": one advisory lock for every claim
PENDING, DELIVERED = DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERED.value
D, E = webhook_deliveries.c, webhook_endpoints.c


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    endpoint_id: int
    message_id: str
    payload: dict[str, Any]
    attempts: int
    url: str
    secrets: tuple[str, ...]
    """The secrets that sign it: the current one, and the previous during a rotation."""


@dataclass(frozen=True, slots=True)
class Outcome:
    claimed: Claimed
    status_code: int | None
    error: str | None
    tried: bool = True
    """False: not sent, because an earlier request to its endpoint failed this round."""

    @property
    def delivered(self) -> bool:
        return self.tried and self.error is None


def _claimable(now: datetime) -> tuple[Any, ...]:
    """Due, not being sent, of an enabled endpoint that is not paused."""
    return (
        D.status == PENDING,
        D.next_attempt_at <= now,
        or_(D.claimed_until.is_(None), D.claimed_until <= now),
        E.enabled,
        or_(E.paused_until.is_(None), E.paused_until <= now),
    )


async def due_exists(conn: AsyncConnection, now: datetime) -> bool:
    """A cheap look (on the reader) before a claim takes the writer: while the only due
    deliveries are a paused endpoint's, no claim is made."""
    found = await conn.execute(
        select(D.id).join(webhook_endpoints, E.id == D.endpoint_id).where(*_claimable(now)).limit(1)
    )
    return found.first() is not None


async def claim(conn: AsyncConnection, now: datetime, limit: int, lease: float) -> list[Claimed]:
    """Up to `limit` due deliveries of enabled endpoints, claimed until now + `lease`.
    Availability and stock levels are coalesced first: a pending state older than another
    pending state of the same key for the same endpoint is SUPERSEDED, and a key whose older
    state is still being sent waits, so a receiver never gets an older state after a newer
    one. (A state is claimed only as its key's newest pending one, so no older state can be
    pending once a newer one was sent; redeliverWebhook keeps it so.)"""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({_CLAIM_LOCK})"))
    rows = (
        await conn.execute(
            select(webhook_deliveries, E.url, E.secret, E.previous_secret, E.previous_secret_until)
            .join(webhook_endpoints, E.id == D.endpoint_id)
            .where(*_claimable(now))
            .order_by(D.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=webhook_deliveries)
        )
    ).all()
    superseded, waiting = await _coalesce(conn, rows, now)
    claimed = [r for r in rows if r.id not in superseded and r.id not in waiting]
    if superseded:
        await conn.execute(
            update(webhook_deliveries)
            .where(D.id.in_(sorted(superseded)))
            .values(status=DeliveryStatus.SUPERSEDED.value, next_attempt_at=None)
        )
    if claimed:
        await conn.execute(
            update(webhook_deliveries)
            .where(D.id.in_([r.id for r in claimed]))
            .values(claimed_until=now + timedelta(seconds=lease))
        )
    return [_claimed(row, now) for row in claimed]


async def _coalesce(
    conn: AsyncConnection, rows: Sequence[Any], now: datetime
) -> tuple[set[int], set[int]]:
    """(ids to supersede, ids of the batch to leave for later)."""
    keys = {(r.endpoint_id, r.coalescing_key) for r in rows if coalesces(r.coalescing_key)}
    if not keys:
        return set(), set()
    found = await conn.execute(
        select(D.id, D.endpoint_id, D.coalescing_key, D.version, D.status, D.claimed_until).where(
            D.coalescing_key.in_(sorted({key for _, key in keys})),
            D.endpoint_id.in_(sorted({endpoint for endpoint, _ in keys})),
            D.status == PENDING,
        )
    )
    by_key: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in found:
        if (row.endpoint_id, row.coalescing_key) in keys:
            by_key[row.endpoint_id, row.coalescing_key].append(row)
    superseded: set[int] = set()
    waiting: set[int] = set()
    for states in by_key.values():
        newest = max(state.version or 0 for state in states)
        sending = [s for s in states if s.status == PENDING and _in_flight(s, now)]
        for state in states:
            if state.status != PENDING or _in_flight(state, now):
                continue
            if (state.version or 0) < newest:
                superseded.add(state.id)
            elif sending:
                waiting.add(state.id)
    return superseded, waiting


def _in_flight(row: Any, now: datetime) -> bool:
    return row.claimed_until is not None and row.claimed_until > now


def _claimed(row: Any, now: datetime) -> Claimed:
    secrets = [row.secret]
    if row.previous_secret and row.previous_secret_until and row.previous_secret_until > now:
        secrets.append(row.previous_secret)
    return Claimed(
        id=int(row.id),
        endpoint_id=int(row.endpoint_id),
        message_id=row.message_id,
        payload=row.payload,
        attempts=int(row.attempts),
        url=row.url,
        secrets=tuple(secrets),
    )


async def record(
    conn: AsyncConnection,
    outcomes: list[Outcome],
    now: datetime,
    schedule: RetrySchedule,
    spread: float,
) -> None:
    """How each attempt went: DELIVERED; or PENDING again after the schedule's wait; or
    FAILED when the schedule has run out; not tried: claimable again. An endpoint that
    failed is paused for the schedule's first wait, and remembers since when it fails."""
    untried = [o.claimed.id for o in outcomes if not o.tried]
    if untried:
        await conn.execute(
            update(webhook_deliveries).where(D.id.in_(untried)).values(claimed_until=None)
        )
    tried = [o for o in outcomes if o.tried]
    for outcome in tried:
        attempts = outcome.claimed.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error[:500] if outcome.error else None,
            "claimed_until": None,
        }
        if outcome.delivered:
            values |= {"status": DELIVERED, "next_attempt_at": None}
        else:
            delay = schedule.next_delay(attempts, spread)
            values |= (
                {"status": DeliveryStatus.FAILED.value, "next_attempt_at": None}
                if delay is None
                else {"next_attempt_at": now + timedelta(seconds=delay)}
            )
        await conn.execute(
            update(webhook_deliveries).where(D.id == outcome.claimed.id).values(values)
        )
    await _remember_failing(conn, tried, now, schedule.next_delay(1, spread) or 0.0)


async def _remember_failing(
    conn: AsyncConnection, outcomes: list[Outcome], now: datetime, pause: float
) -> None:
    succeeded = sorted({o.claimed.endpoint_id for o in outcomes if o.delivered})
    failed = sorted({o.claimed.endpoint_id for o in outcomes if not o.delivered} - set(succeeded))
    if succeeded:
        await conn.execute(
            update(webhook_endpoints)
            .where(E.id.in_(succeeded))
            .values(failing_since=None, paused_until=None)
        )
    if failed:
        await conn.execute(
            update(webhook_endpoints)
            .where(E.id.in_(failed))
            .values(
                failing_since=func.coalesce(E.failing_since, now),
                paused_until=now + timedelta(seconds=pause),
            )
        )


async def disable_failing(
    conn: AsyncConnection, now: datetime, after: timedelta
) -> list[tuple[int, Alert]]:
    """Disables every enabled endpoint that has failed since `after` ago, each with its
    WEBHOOK_DISABLED alert; their pending deliveries are FAILED (webhook_disabled)."""
    disabled = await conn.execute(
        update(webhook_endpoints)
        .where(E.enabled, E.failing_since.is_not(None), E.failing_since <= now - after)
        .values(enabled=False, disabled_at=now, updated_at=now)
        .returning(E.id, E.url, E.failing_since)
    )
    raised = []
    for row in disabled.all():
        alert = await alert_repository.raise_alert(
            conn,
            AlertRaised(
                AlertType.WEBHOOK_DISABLED,
                f"WEBHOOK_DISABLED:{row.id}",
                f"webhook endpoint {row.id} ({row.url[:200]}) was disabled: every delivery "
                f"failed since {row.failing_since.isoformat()}",
                details={"endpoint": str(row.id), "failingSince": row.failing_since.isoformat()},
            ),
            now,
        )
        raised.append((int(row.id), alert))
    if raised:
        await webhook_disabled.fail_pending(conn, [endpoint_id for endpoint_id, _ in raised])
    return raised


async def purge(conn: AsyncConnection, before: datetime) -> int:
    """Drops finished deliveries (delivered, superseded, failed) created before `before`, and
    deliveries of endpoints that no longer exist."""
    done = await conn.execute(
        delete(webhook_deliveries).where(
            or_(
                and_(D.status != PENDING, D.created_at < before),
                D.endpoint_id.not_in(select(E.id).scalar_subquery()),
            )
        )
    )
    return done.rowcount or 0

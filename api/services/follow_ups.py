"""What a stock transaction's ledger rows move beyond their own stock levels, decided in the
same transaction: every channel listing's published availability, and LOW_STOCK alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.services.low_stock import check_low_stock
from api.services.publishing import republish_after
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.stock import LedgerEntry


@dataclass(frozen=True, slots=True)
class FollowUps:
    availability: list[ChannelAvailability]
    alerts: list[Alert]


async def follow_ups(conn: AsyncConnection, entries: list[LedgerEntry], now: datetime) -> FollowUps:
    return FollowUps(
        await republish_after(conn, entries, now), await check_low_stock(conn, entries, now)
    )

"""Connector health in a worker: signs of life kept in memory and written at most once a
second per channel, the monitor that looks at every monitored channel (`look`, at least once
a second) and takes silent connectors down, and the heartbeat.

A sign of life costs no database write: the latest per channel waits in memory for the next
look. Only a sign from a channel this worker knows to be down (or, for a heartbeat, still
holding exposure after an outage) is handled at once, in its own transaction, so the outage
ends the moment the connector is back. Transitions run through the dispatcher
(api/handlers/connectors.py): one worker wins each, and what they republish is published on
the bus after commit."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from api.clock import Clock, utc_now
from api.database import channel_repository as channels
from api.database import connector_repository as repository
from api.database import outage_flag
from api.database.engine import Database
from api.service_layer.dispatcher import Dispatcher
from domain.access import Principal, Role
from domain.channels import Channel
from domain.connectors import Connector, ConnectorBack, ExposureHold, MarkConnectorDown

log = logging.getLogger(__name__)

MONITOR = Principal("connector-monitor", Role.ADMIN)
LOOK_SECONDS = 0.5
"""How often each worker's monitor looks (the issue asks for at least once a second)."""
WRITE_SECONDS = 1.0
"""A channel's sign of life is written at most this often by one worker."""


class ConnectorService:
    def __init__(self, database: Database, dispatcher: Dispatcher, clock: Clock = utc_now) -> None:
        self._database = database
        self._dispatcher = dispatcher
        self._clock = clock
        self._seen: dict[str, datetime] = {}
        self._heartbeats: dict[str, datetime] = {}
        self._written: dict[str, float] = {}
        self._down: set[str] = set()
        self._holding: set[str] = set()

    async def seen(self, principal: Principal | None) -> None:
        """A request made with `principal`: a sign of life if it is a partner key."""
        if principal is not None and principal.role is Role.PARTNER and principal.channel:
            await self._sign(principal.channel, heartbeat=False)

    async def heartbeat(self, channel: str, principal: Principal) -> Channel:
        """reportChannelHeartbeat: the connector is alive and has reported its outage sales
        (admins, and partner keys of the channel)."""
        principal.require_channel(channel)
        await self._sign(channel, heartbeat=True)
        async with self._database.read() as conn:
            return (await channels.get_channel(conn, channel)).channel

    async def exposure_holds(self, channel: str) -> list[ExposureHold]:
        async with self._database.read() as conn:
            record = await channels.find_channel(conn, channel)
            return [] if record is None else await repository.exposure_of(conn, [record.id])

    async def _sign(self, channel: str, heartbeat: bool) -> None:
        now = self._clock()
        self._seen[channel] = max(now, self._seen.get(channel, now))
        if heartbeat:
            self._heartbeats[channel] = now
        if channel in self._down:
            self._down.discard(channel)
            if not heartbeat:
                self._holding.add(channel)  # until the next look says whether it holds any
            await self._run(ConnectorBack(channel, now, lift=heartbeat))
        elif heartbeat and channel in self._holding:
            self._holding.discard(channel)
            await self._run(ConnectorBack(channel, now, lift=True))

    async def _run(self, command: MarkConnectorDown | ConnectorBack) -> bool:
        try:
            return await self._dispatcher.dispatch(command, MONITOR)
        except Exception:
            log.exception("connector %s: %s failed", command.channel, type(command).__name__)
            return False

    async def look(self) -> None:
        """Writes the signs of life due, then takes down every monitored connector silent
        past its timeout, brings back those seen again (by any worker), and lifts exposure
        holds that are due; finally tells this process whether outages cover pools."""
        await self._write_signs()
        async with self._database.read() as conn:
            watched = await repository.watched(conn)
        now = self._clock()
        down: set[str] = set()
        holding: set[str] = set()
        # Conservative: an outage read here still covers pools until the next look, even if
        # this look ends it (a stale "may cover" costs a query, a stale "no" a wrong pool).
        covering = any(c.down_since or c.back_at for _, _, c in watched)
        for _, code, connector in watched:
            after = await self._decide(code, connector, now)
            if after is not None and after.down_since is not None:
                down.add(code)
            elif after is not None and after.back_at is not None:
                holding.add(code)
        self._down, self._holding = down, holding
        outage_flag.set_covering(self._database.url, covering or bool(down))

    async def _decide(self, code: str, connector: Connector, now: datetime) -> Connector | None:
        """What to do with one watched connector; returns its state as this worker now
        believes it (None: nothing to watch for)."""
        if connector.down_since is not None:
            if connector.is_seen_again or connector.timeout_seconds is None:
                heard = connector.heartbeat_at
                lift = heard is not None and heard > connector.down_since
                lift = lift or connector.timeout_seconds is None  # monitoring turned off
                seen_at = connector.last_seen_at or now
                await self._run(ConnectorBack(code, seen_at, lift=lift))
                return None if lift else Connector(back_at=seen_at)
            return connector
        if code not in self._seen and connector.is_silent_past_timeout(now):
            await self._run(MarkConnectorDown(code))
            return Connector(down_since=now)
        if connector.lift_is_due(now):
            await self._run(ConnectorBack(code, connector.back_at or now, lift=True))
            return None
        return connector

    async def _write_signs(self) -> None:
        """The signs of life (and heartbeats) of channels not written in the last second."""
        clock = time.monotonic()
        due = [c for c in self._seen if clock - self._written.get(c, 0.0) >= WRITE_SECONDS]
        if not due:
            return
        seen = {c: self._seen.pop(c) for c in due}
        beats = {c: self._heartbeats.pop(c) for c in due if c in self._heartbeats}
        async with self._database.transaction() as conn:
            await repository.note_signs(conn, seen, beats)
        for code in due:
            self._written[code] = clock
        if len(self._written) > 10_000:
            self._written = {c: t for c, t in self._written.items() if clock - t < WRITE_SECONDS}

    async def monitor_forever(self, interval_seconds: float = LOOK_SECONDS) -> None:
        while True:
            try:
                await self.look()
            except Exception:
                log.exception("connector monitor failed; looking again in %ss", interval_seconds)
            await asyncio.sleep(interval_seconds)

"""The model the reservation state machine keeps of the stock and the reservations, and
predicts every counter from: what each level holds, what each reservation holds, sells and
has shipped, which OVERSELL alerts are active."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.quantities import Quantities
from domain.reservations import ReservationKind, ReservationStatus

SKUS = ("TEE", "CAP", "MUG")
LOCATIONS = ("A", "B")
"""Every channel's locations, in its priority order."""
CHANNEL = "web"
"""Where carts hold units (and orders are sold)."""
MARKETPLACE = "amz"
"""Sells only, before carts: its sales preempt the web's live holds (salesPreemptHolds)."""

Key = tuple[str, str]
"""(SKU, location): a stock level."""


@dataclass
class ModelLine:
    sku: str
    location: str
    quantity: int
    reserved: int = 0
    committed: int = 0
    fulfilled: int = 0
    oversold: int = 0
    returned: int = 0


@dataclass
class ModelReservation:
    id: str
    kind: ReservationKind
    status: ReservationStatus
    """As stored by the last transition the model knows of; a HELD one may have expired."""
    expires_at: datetime
    lines: list[ModelLine]
    channel: str = CHANNEL

    def status_at(self, now: datetime) -> ReservationStatus:
        if self.status is ReservationStatus.HELD and self.expires_at <= now:
            return ReservationStatus.EXPIRED
        return self.status


@dataclass
class Model:
    on_hand: dict[Key, int] = field(default_factory=dict)
    damaged: dict[Key, int] = field(default_factory=dict)
    quarantined: dict[Key, int] = field(default_factory=dict)
    in_transit: dict[Key, int] = field(default_factory=dict)
    reservations: dict[str, ModelReservation] = field(default_factory=dict)
    received: int = 0
    counted: int = 0
    """Units a count added (+) or took off (-) on hand."""
    returned: int = 0
    written_off: int = 0
    shrunk: int = 0
    fulfilled: int = 0
    lost_in_transit: int = 0
    oversells: dict[tuple[str, str], int] = field(default_factory=dict)
    """Sales per (channel, SKU) that sold more than was available: the active OVERSELL alert
    counts them (once every short order's units are settled by arriving stock, it resolves)."""

    def add(self, counters: dict[Key, int], key: Key, units: int) -> None:
        counters[key] = counters.get(key, 0) + units

    def settle_oversold(self, key: Key, free: int) -> None:
        """Units free at a level after stock arrived go to the oversold units of committed
        sales there first, in the order the sales were recorded: each line's quantity and
        committed grow, its oversold shrinks. The OVERSELL alert of a channel's SKU settled
        resolves once no committed sale of the channel and SKU is short."""
        settled = set()
        for r in self.reservations.values():  # in creation order
            if r.status is not ReservationStatus.COMMITTED:
                continue
            for line in r.lines:
                if free <= 0:
                    break
                if (line.sku, line.location) != key or not line.oversold:
                    continue
                units = min(line.oversold, free)
                line.oversold -= units
                line.quantity += units
                line.committed += units
                free -= units
                settled.add(r.channel)
        sku = key[0]
        for channel in settled:
            if not any(
                line.oversold
                for r in self.reservations.values()
                if r.status is ReservationStatus.COMMITTED and r.channel == channel
                for line in r.lines
                if line.sku == sku
            ):
                self.oversells.pop((channel, sku), None)

    def preempt_for(self, channel: str, short: dict[str, int], now: datetime) -> list[str]:
        """A sale of `channel` short of units of some SKUs takes other channels' live holds
        reserving those SKUs at any of its locations, newest first, each whole, until each
        SKU's shortfall is covered or no hold is left. Returns the holds preempted."""
        short = {sku: units for sku, units in short.items() if units}
        if not short:
            return []
        holds = [
            r
            for r in self.reservations.values()
            if r.kind is ReservationKind.HOLD
            and r.channel != channel
            and r.status_at(now) is ReservationStatus.HELD
            and any(line.reserved and line.sku in short for line in r.lines)
        ]
        needed = dict(short)
        chosen = []
        for r in sorted(holds, key=lambda hold: hold.id, reverse=True):  # ids sort by time
            if all(units <= 0 for units in needed.values()):
                break
            lines = [(x.sku, x.reserved) for x in r.lines if x.sku in short]
            if any(needed[sku] > 0 and units for sku, units in lines):
                chosen.append(r.id)
                for sku, units in lines:
                    needed[sku] -= units
        for hold_id in chosen:
            preempted = self.reservations[hold_id]
            preempted.status = ReservationStatus.PREEMPTED
            for line in preempted.lines:
                line.reserved = 0
        return chosen

    def committed(self, key: Key) -> int:
        return sum(
            line.committed
            for r in self.reservations.values()
            for line in r.lines
            if (line.sku, line.location) == key
        )

    def live_reserved(self, key: Key, now: datetime) -> int:
        """Units held for live holds: what `reserved` is as of now, swept or not."""
        return sum(
            line.reserved
            for r in self.reservations.values()
            if r.status_at(now) is ReservationStatus.HELD
            for line in r.lines
            if (line.sku, line.location) == key
        )

    def level(self, key: Key, now: datetime) -> Quantities:
        return Quantities(
            on_hand=self.on_hand.get(key, 0),
            damaged=self.damaged.get(key, 0),
            quarantined=self.quarantined.get(key, 0),
            reserved=self.live_reserved(key, now),
            committed=self.committed(key),
            in_transit=self.in_transit.get(key, 0),
        )

    def available(self, sku: str, now: datetime) -> int:
        return sum(self.level((sku, location), now).available for location in LOCATIONS)

    def stocked(self) -> int:
        """Units on hand or on their way, by what moved them in and out."""
        out = self.written_off + self.shrunk + self.fulfilled + self.lost_in_transit
        return self.received + self.counted + self.returned - out

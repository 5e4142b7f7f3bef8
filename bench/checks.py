"""The no-oversell check after a run: the counters add up, the reserved counter equals the
units the reservation lines hold, and no buyer was told "held" without a hold behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from api.database.engine import Database
from api.database.tables import reservation_lines, skus, stock_levels
from api.services.ledger_check import check_ledger

PARTS = ("available", "reserved", "committed", "damaged", "quarantined")


@dataclass(frozen=True, slots=True)
class StockCheck:
    counters: dict[str, int]
    """onHand and PARTS, summed over the SKUs checked."""
    held_lines: int
    """Units the reservation lines of those SKUs hold, read from the database."""
    successes: int
    """Holds the clients were told succeeded."""
    in_flight: int = 0
    """Answers a client may have missed: load cut off at its deadline with these open."""
    ledger_ok: bool | None = None
    negative_available: int = 0
    """Units below zero summed over levels whose available went negative (CHECKs forbid it)."""

    @property
    def identity_gap(self) -> int:
        parts = sum(self.counters[name] for name in PARTS)
        return abs(self.counters["onHand"] - parts)

    @property
    def oversold(self) -> int:
        """Units promised beyond what exists or beyond what is recorded (0 when sound)."""
        return (
            self.negative_available
            + max(0, -self.counters["available"])
            + max(0, self.held_lines - self.counters["reserved"])
            + max(0, self.successes - self.held_lines)
            + self.identity_gap
        )

    @property
    def consistent(self) -> bool:
        """Also no units lost: the counter holds nothing the lines do not, and every recorded
        hold beyond the client's count is explained by answers cut off at the deadline."""
        return (
            self.oversold == 0
            and self.counters["reserved"] == self.held_lines
            and self.held_lines - self.successes <= self.in_flight
            and self.ledger_ok is not False
        )

    def short(self) -> str:
        """One clause when the check passed, every figure when it did not."""
        if not self.consistent:
            return "check FAILED: " + self.summary()
        cut = f" (≤ {self.in_flight} cut off)" if self.in_flight else ""
        ledger = ", ledger replay ok" if self.ledger_ok else ""
        return (
            f"oversold 0: onHand = available + reserved + committed + damaged + quarantined, "
            f"reserved {self.counters['reserved']:,} = Σ held lines = successful holds{cut}"
            f"{ledger}"
        )

    def summary(self) -> str:
        c = self.counters
        mark = {True: "✓", False: "✗"}
        parts = " + ".join(f"{name} {c[name]:,}" for name in PARTS)
        text = [
            f"onHand {c['onHand']:,} = {parts} {mark[self.identity_gap == 0]}",
            f"reserved {c['reserved']:,} = Σ held lines {self.held_lines:,} "
            f"{mark[c['reserved'] == self.held_lines]}",
        ]
        cut = f", ≤ {self.in_flight} answers cut off at the deadline" if self.in_flight else ""
        text.append(
            f"clients saw {self.successes:,} successful holds{cut} "
            f"{mark[0 <= self.held_lines - self.successes <= self.in_flight]}"
        )
        if self.ledger_ok is not None:
            text.append(f"ledger replay {'ok' if self.ledger_ok else 'MISMATCH'}")
        text.append(f"oversold {self.oversold}")
        return "; ".join(text)


async def held_units(database: Database, codes: Sequence[str]) -> int:
    query = (
        select(func.coalesce(func.sum(reservation_lines.c.reserved), 0))
        .select_from(reservation_lines.join(skus, skus.c.id == reservation_lines.c.sku_id))
        .where(skus.c.code.in_(list(codes)))
    )
    async with database.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def level_totals(database: Database, codes: Sequence[str]) -> tuple[dict[str, int], int]:
    """The counters summed over the SKUs' stock levels, and the units below zero of any
    level whose available is negative."""
    names = {"onHand": "on_hand", **{name: name for name in PARTS if name != "available"}}
    query = select(*(stock_levels.c[column] for column in names.values())).select_from(
        stock_levels.join(skus, skus.c.id == stock_levels.c.sku_id)
    )
    totals = dict.fromkeys(["onHand", *PARTS], 0)
    negative = 0
    async with database.read() as conn:
        rows = (await conn.execute(query.where(skus.c.code.in_(list(codes))))).all()
    for row in rows:
        values = {name: int(getattr(row, column)) for name, column in names.items()}
        available = values["onHand"] - sum(v for k, v in values.items() if k != "onHand")
        negative += max(0, -available)
        for name, value in values.items():
            totals[name] += value
        totals["available"] += available
    return totals, negative


async def check_database(
    database: Database, codes: Sequence[str], successes: int, in_flight: int = 0
) -> StockCheck:
    counters, negative = await level_totals(database, codes)
    report = await check_ledger(database)
    return StockCheck(
        counters=counters,
        held_lines=await held_units(database, codes),
        successes=successes,
        in_flight=in_flight,
        ledger_ok=report.ok,
        negative_available=negative,
    )

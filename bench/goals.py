"""The goals of issue 20 (performance, round two) and the long-term ones of issue 6, each
compared with what this run measured: met, not met, or not measured (a benchmark that was
skipped or failed)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.report import Row

RESERVE_OVER_FLOOR = 0.9
FLOOR_OVER_STARLETTE = 0.2
ENGINE_SQLITE_HOT = 100_000
ENGINE_POSTGRES_HOT = 20_000
FANOUT_GOALS = ((1_000, 100.0, None), (10_000, 1_000.0, 400.0))
"""(subscribers, p99 ms, server RSS MiB) from the real-time issue."""

ROUND_TWO_RESERVE_OVER_FLOOR = 0.6
ROUND_TWO_ENGINE_SQLITE_HOT = 30_000
ROUND_TWO_ENGINE_POSTGRES_HOT = 10_000
ROUND_TWO_SUBSCRIBERS = 10_000
ROUND_TWO_FANOUT_P99_MS = 500.0
ROUND_TWO_KIB_PER_IDLE_SUBSCRIBER = 16.0
"""Server memory per idle subscriber beyond the bare socket (bench/idle_subscribers.py)."""


def _rate(rows: Sequence[Row], key: str) -> float | None:
    for row in rows:
        if row.key == key and not row.failed and row.rate:
            return row.rate
    return None


def _verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def _ratio(rows: Sequence[Row], top: str, bottom: str, what: str, goal: float) -> str:
    numerator, denominator = _rate(rows, top), _rate(rows, bottom)
    if numerator is None or denominator is None:
        return f"{what} ≥ {goal:g}x: not measured"
    ratio = numerator / denominator
    return (
        f"{what} ≥ {goal:g}x: {numerator:,.0f} / {denominator:,.0f} req/s = "
        f"{ratio:.3f}x — {_verdict(ratio >= goal)}"
    )


def _floor(rows: Sequence[Row], key: str, what: str, goal: int) -> str:
    rate = _rate(rows, key)
    if rate is None:
        return f"{what} ≥ {goal:,}/s: not measured"
    share = rate / goal
    return f"{what} ≥ {goal:,}/s: {rate:,.0f}/s ({share:.3f}x the goal) — {_verdict(rate >= goal)}"


def _oversold(rows: Sequence[Row]) -> str:
    checked = [row for row in rows if row.oversold is not None]
    if not checked:
        return "zero oversold: not measured"
    total = sum(row.oversold or 0 for row in checked)
    return f"zero oversold: {total} oversold over {len(checked)} checks — {_verdict(total == 0)}"


def _fanout(
    rows: Sequence[Row],
    subscribers: int,
    p99_ms: float,
    rss_mib: float | None,
    kind: str = "fanout",
) -> str:
    what = f"fan-out to {subscribers:,} subscribers p99 ≤ {p99_ms:,.0f} ms" + (
        f" in ≤ {rss_mib:.0f} MB server RSS" if rss_mib else ""
    )
    if kind == "fanout_stream":
        what += " while the reservation stream runs"
    found = [r for r in rows if r.key == f"{kind}.{subscribers}" and r.p99_ms is not None]
    if not found:
        return f"{what}: not measured"
    row = found[0]
    measured = f"p99 {row.p99_ms:,.0f} ms"
    met = not row.failed and (row.p99_ms or 0) <= p99_ms
    if rss_mib is not None:
        rss = _rss_mib(row.result)
        measured += f", {rss:.0f} MiB" if rss is not None else ""
        met = met and rss is not None and rss <= rss_mib
    return f"{what}: {measured} — {_verdict(met)}"


def _rss_mib(result: str) -> float | None:
    marker = "server RSS "
    if marker not in result:
        return None
    return float(result.split(marker, 1)[1].split(" ", 1)[0])


def _idle_memory(rows: Sequence[Row], subscribers: int, goal_kib: float) -> str:
    what = f"≤ {goal_kib:g} KiB per idle subscriber beyond the bare socket at {subscribers:,}"
    marker = " KiB beyond it"
    found = [r for r in rows if r.key == f"idle.{subscribers}" and marker in r.result]
    if not found or found[0].failed:
        return f"{what}: not measured"
    beyond = float(found[0].result.split(marker, 1)[0].rsplit(" ", 1)[-1])
    return f"{what}: {beyond:.1f} KiB — {_verdict(beyond <= goal_kib)}"


def _throughput(rows: Sequence[Row], over_floor: float, sqlite: int, postgres: int) -> list[str]:
    """reserveStock against the floor, and the engine on one hot SKU on each database."""
    return [
        _ratio(
            rows,
            "http.reserve",
            "http.typename",
            "reserveStock vs the `{ __typename }` floor",
            over_floor,
        ),
        _floor(rows, "engine.sqlite.hot", "engine, one hot SKU on SQLite", sqlite),
        _floor(rows, "engine.postgres.hot", "engine, one hot SKU on PostgreSQL", postgres),
    ]


def round_two(rows: Sequence[Row]) -> str:
    """Issue 20's goals."""
    parts = [
        *_throughput(
            rows,
            ROUND_TWO_RESERVE_OVER_FLOOR,
            ROUND_TWO_ENGINE_SQLITE_HOT,
            ROUND_TWO_ENGINE_POSTGRES_HOT,
        ),
        _fanout(rows, ROUND_TWO_SUBSCRIBERS, ROUND_TWO_FANOUT_P99_MS, None, "fanout_stream"),
        _idle_memory(rows, ROUND_TWO_SUBSCRIBERS, ROUND_TWO_KIB_PER_IDLE_SUBSCRIBER),
        _oversold(rows),
    ]
    return "Round two (issue 20): " + "; ".join(parts) + "."


def goals_paragraph(rows: Sequence[Row]) -> str:
    """Issue 20's goals, then the long-term ones of issue 6."""
    return round_two(rows) + "\n\n" + long_term(rows)


def long_term(rows: Sequence[Row]) -> str:
    """Issue 6's goals."""
    parts = [
        *_throughput(rows, RESERVE_OVER_FLOOR, ENGINE_SQLITE_HOT, ENGINE_POSTGRES_HOT),
        _ratio(
            rows,
            "http.typename",
            "http.starlette",
            "the `{ __typename }` floor vs plain Starlette",
            FLOOR_OVER_STARLETTE,
        ),
        *(_fanout(rows, *goal) for goal in FANOUT_GOALS),
        _oversold(rows),
    ]
    return "Long term (issue 6): " + "; ".join(parts) + "."

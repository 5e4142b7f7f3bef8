"""Rows of the results table and the markdown document they are printed as."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS = ("benchmark", "setup", "throughput", "p50", "p99", "result")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table. `key` names the figure for the goals (e.g. `http.reserve`);
    `oversold` is set by every row that checked the no-oversell invariant."""

    key: str
    benchmark: str
    setup: str
    rate: float | None = None
    unit: str = "req/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    result: str = ""
    oversold: int | None = None
    failed: bool = False


def failed_row(key: str, benchmark: str, error: BaseException) -> Row:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return Row(
        key=key,
        benchmark=benchmark,
        setup="",
        result=f"FAILED: {type(error).__name__}" + (f": {message[:200]}" if message else ""),
        failed=True,
    )


def skipped_row(key: str, benchmark: str, reason: str) -> Row:
    return Row(key=key, benchmark=benchmark, setup="", result=f"skipped: {reason}")


def format_rate(rate: float | None, unit: str) -> str:
    if rate is None or math.isnan(rate):
        return "—"
    if rate >= 100:
        return f"{rate:,.0f} {unit}"
    return f"{rate:,.1f} {unit}"


def format_ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in rows:
        cells = (
            row.benchmark,
            row.setup,
            format_rate(row.rate, row.unit),
            format_ms(row.p50_ms),
            format_ms(row.p99_ms),
            row.result,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def document(
    rows: Sequence[Row], goals: str, machine: Sequence[tuple[str, str]], notes: Sequence[str]
) -> str:
    """docs/benchmarks.md: the machine, the table, the goals, how it was measured."""
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); every row comes from the same run.",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine),
        "",
        "## Results",
        "",
        table(rows),
        "",
        "## Goals (issues 20 and 6)",
        "",
        goals,
        "",
        "## How it was measured",
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(parts)

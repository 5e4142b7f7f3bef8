"""The bench's table and goals: formatting only, no server, no database."""

from __future__ import annotations

from bench.checks import StockCheck
from bench.goals import goals_paragraph
from bench.report import Row, document, failed_row, table


def rows(reserve: float = 1_800, floor: float = 2_000) -> list[Row]:
    return [
        Row("http.reserve", "reserveStock", "1 worker", reserve, "req/s", 31.25, 120.5, "ok"),
        Row("http.typename", "{ __typename }", "1 worker", floor, "req/s", 3.0, 9.0),
        Row("http.starlette", "Starlette", "1 worker", 10_000, "req/s", 1.0, 2.0),
        Row("engine.sqlite.hot", "engine", "64 tasks", 150_000, "reservations/s", oversold=0),
        Row("engine.postgres.hot", "engine", "64 tasks", 5_000, "reservations/s", oversold=0),
    ]


def test_the_table_has_one_line_per_row_with_figures_formatted():
    lines = table(rows()).splitlines()
    assert lines[0] == "| benchmark | setup | throughput | p50 | p99 | result |"
    assert len(lines) == 2 + 5
    assert lines[2] == "| reserveStock | 1 worker | 1,800 req/s | 31.2 ms | 120 ms | ok |"
    assert "| 5,000 reservations/s | — | — |" in lines[6]


def test_a_pipe_in_a_cell_does_not_break_the_table():
    line = table([Row("k", "a | b", "")]).splitlines()[2]
    assert "a \\| b" in line


def test_each_goal_says_met_or_not_met_with_its_measured_figure():
    text = goals_paragraph(rows())
    assert "1,800 / 2,000 req/s = 0.900x — **met**" in text
    assert "2,000 / 10,000 req/s = 0.200x — **met**" in text
    assert "SQLite ≥ 100,000/s: 150,000/s (1.500x the goal) — **met**" in text
    assert "PostgreSQL ≥ 20,000/s: 5,000/s (0.250x the goal) — **not met**" in text
    assert "0 oversold over 2 checks — **met**" in text


def test_a_missing_or_failed_benchmark_is_not_measured_rather_than_met():
    measured = [r for r in rows() if r.key != "http.typename"]
    measured.append(failed_row("http.typename", "{ __typename }", RuntimeError("boom")))
    text = goals_paragraph(measured)
    assert "floor ≥ 0.9x: not measured" in text
    assert "Starlette ≥ 0.2x: not measured" in text
    assert "zero oversold: 0 oversold" in text


def test_any_oversold_unit_fails_the_zero_oversold_goal():
    text = goals_paragraph([*rows(), Row("race", "race", "", oversold=3)])
    assert "3 oversold over 3 checks — **not met**" in text


def test_a_hold_the_client_was_told_of_but_the_database_lacks_counts_as_oversold():
    counters = {"onHand": 10, "available": 6, "reserved": 4, "committed": 0, "damaged": 0}
    check = StockCheck({**counters, "quarantined": 0}, held_lines=4, successes=5)
    assert check.oversold == 1
    assert not check.consistent
    sound = StockCheck({**counters, "quarantined": 0}, held_lines=4, successes=3, in_flight=1)
    assert (sound.oversold, sound.consistent) == (0, True)


def test_the_document_names_the_machine_before_the_table():
    text = document(rows(), "Goals: …", [("CPU", "Test CPU"), ("cores", "2")], ["a note"])
    assert text.index("- CPU: Test CPU") < text.index("| benchmark |") < text.index("Goals: …")
    assert text.endswith("- a note\n")


def test_round_two_reads_the_streamed_fan_out_and_the_memory_beyond_the_bare_socket():
    measured = [
        *rows(),
        Row("fanout_stream.10000", "fan-out", "", p50_ms=200.0, p99_ms=450.0, result="ok"),
        Row(
            "idle.10000",
            "memory per idle subscriber",
            "",
            result="30.0 KiB per subscriber, of which the bare socket 18.5 KiB and 11.5 KiB "
            "beyond it; server RSS 380 MiB",
        ),
    ]
    text = goals_paragraph(measured)
    assert "floor ≥ 0.6x: 1,800 / 2,000 req/s = 0.900x — **met**" in text
    assert "SQLite ≥ 30,000/s: 150,000/s (5.000x the goal) — **met**" in text
    assert "reservation stream runs: p99 450 ms — **met**" in text
    assert "bare socket at 10,000: 11.5 KiB — **met**" in text
    assert text.index("Round two (issue 20)") < text.index("Long term (issue 6)")


def test_round_two_without_its_rows_says_not_measured():
    text = goals_paragraph(rows())
    assert "10,000 subscribers p99 ≤ 500 ms while the reservation stream runs: not measured" in text
    assert "beyond the bare socket at 10,000: not measured" in text

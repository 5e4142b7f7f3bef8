"""Hostile requests against a served stockpool, and what they cost everyone else.

One server (one worker, SQLite, the in-memory bus) is seeded with 200 SKUs listed on channel
`web`. A probe, standing for every honest shopper, asks the storefront `availability` of 20
SKUs in a loop from its own address. Each attack is sent from its own client address (the
bench trusts 127.0.0.1 as a proxy and sets `X-Forwarded-For`, so per-address rate limits
apply to each attacker separately, as they would to thousands of attackers). A row reports
how the attack was answered (status, code, time), how much the server's RSS grew, and the
probe's latency while the attack ran, next to the probe's latency when nothing else runs."""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from bench.config import BenchConfig
from bench.graphql_client import GraphQL
from bench.report import Row
from bench.servers import Server, migrate, stockpool_env, stockpool_server

SKUS = 200
PROBE_SKUS = [f"SKU-{n:03d}" for n in range(20)]
AVAILABILITY = (
    f'availability(channel: "web", skus: {orjson.dumps(PROBE_SKUS).decode()}) {{ sku published }}'
)
PROBE = "{ " + AVAILABILITY + " }"
IDLE_PROBES = 200


@dataclass(frozen=True, slots=True)
class Attack:
    name: str
    body: Callable[[], bytes]
    key: str = "storefront"
    """Which key sends it: `storefront` (public), `partner`, or a minted (rate-limited)
    `admin` key for what only admins may read."""


def _query(text: str) -> Callable[[], bytes]:
    return lambda: orjson.dumps({"query": text})


def _aliases(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{n}: {selection}" for n in range(count)) + " }"


ATTACKS = [
    Attack(
        "5,000 aliases of a refused field",
        _query(_aliases(5_000, 'listing(channel: "amazon", sku: "X") { sku }')),
    ),
    Attack(
        "4,000 aliases of availability",
        _query(
            _aliases(
                4_000,
                AVAILABILITY,
            )
        ),
    ),
    Attack(
        "1,000 aliases of ledgerCheck", _query(_aliases(1_000, "ledgerCheck { ok }")), "partner"
    ),
    Attack(
        "200 aliases of skus(first: 100) with levels",
        _query(
            _aliases(
                200,
                "skus(first: 100) { edges { node { code stockLevels { onHand } totals { onHand } "
                "bundleStock { location } } } }",
            )
        ),
        "partner",
    ),
    Attack(
        "20,000 operations in one document",
        _query(" ".join(f"query q{n} {{ __typename }}" for n in range(20_000))),
    ),
    Attack(
        "a 50 MB document",
        lambda: orjson.dumps({"query": "{ __typename " + " " * 50_000_000 + "}"}),
    ),
    Attack("nesting 1,500 deep", _query("{" + "a {" * 1_500 + "b" + "}" * 1_501)),
    Attack("a JSON body that is a string", lambda: b'"x"'),
    Attack(
        "the costliest SKU page allowed (skus first: 100 with levels and totals)",
        _query(
            "{ skus(first: 100) { edges { node { code stockLevels { onHand available } "
            "totals { onHand available } } } } }"
        ),
        "admin",
    ),
    Attack(
        "availability of 500 SKUs, the most one read takes",
        lambda: orjson.dumps(
            {
                "query": 'query($s: [String!]!) { availability(channel: "web", skus: $s) '
                "{ sku published } }",
                "variables": {"s": [f"SKU-{n % SKUS:03d}" for n in range(500)]},
            }
        ),
    ),
    Attack(
        "a 50,000-character search",
        lambda: orjson.dumps(
            {
                "query": "query($s: String) { skus(search: $s) { edges { node { code } } } }",
                "variables": {"s": "x" * 50_000},
            }
        ),
        "admin",
    ),
]


@dataclass
class Probe:
    """Storefront availability in a loop; latencies (ms) with the moment each ended."""

    base_url: str
    key: str
    samples: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"authorization": f"Bearer {self.key}", "x-forwarded-for": "10.0.0.1"}
        body = orjson.dumps({"query": PROBE})
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=120) as http:
            while not self._stop.is_set():
                started = time.perf_counter()
                http.post("/graphql", content=body, headers={"content-type": "application/json"})
                ended = time.perf_counter()
                self.samples.append((ended, (ended - started) * 1000))
                time.sleep(0.02)

    def between(self, start: float, end: float) -> list[float]:
        return sorted(ms for moment, ms in self.samples if start <= moment <= end + 0.05)

    def stop(self) -> None:
        self._stop.set()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _p(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _seed(gql: GraphQL) -> dict[str, str]:
    gql.seed("SKU-000", 100)
    for n in range(1, SKUS):
        gql(
            f'mutation {{ createSku(input: {{code: "SKU-{n:03d}", name: "n{n}"}}) '
            "{ userErrors { code } } }"
        )
    keys = {}
    for role in ("storefront", "partner", "admin"):
        channel = "" if role == "admin" else ', channel: "web"'
        data = gql(
            f'mutation {{ createApiKey(input: {{name: "bench-{role}", role: {role.upper()}'
            f"{channel}}}) {{ secret userErrors {{ code }} }} }}"
        )
        keys[role] = data["createApiKey"]["secret"]
    return keys


def _outcome(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return f"HTTP {response.status_code} (not JSON)"
    errors = body.get("errors") if isinstance(body, dict) else None
    code = ""
    if errors:
        code = " " + str((errors[0].get("extensions") or {}).get("code", "no code"))
    return f"HTTP {response.status_code}{code}"


def _attack(server: Server, keys: dict[str, str], probe: Probe, attack: Attack, n: int) -> Row:
    body = attack.body()
    headers = {
        "authorization": f"Bearer {keys[attack.key]}",
        "content-type": "application/json",
        "x-forwarded-for": f"10.1.0.{n + 1}",
    }
    rss_before = _rss_mib(server.process.pid)
    started = time.perf_counter()
    with httpx.Client(base_url=server.base_url, timeout=300) as http:
        response = http.post("/graphql", content=body, headers=headers)
    ended = time.perf_counter()
    time.sleep(0.2)
    rss_after = _rss_mib(server.process.pid)
    during = probe.between(started, ended)
    probe_text = (
        f"probe p99 {_p(during, 0.99):.0f} ms over {len(during)} probes"
        if during
        else "no probe ended meanwhile"
    )
    return Row(
        key=f"abuse.{n}",
        benchmark=f"abuse: {attack.name}",
        setup=f"{attack.key} key, {len(body) / 1024:,.0f} KiB body",
        p50_ms=(ended - started) * 1000,
        result=f"{_outcome(response)}; RSS {rss_after - rss_before:+.1f} MiB; {probe_text}",
    )


FLOOD_ADDRESSES = 32
FLOOD_SECONDS = 5.0


def _flood(server: Server, keys: dict[str, str], probe: Probe) -> Row:
    """Storefront availability from many addresses at once, as fast as each is answered: a
    botnet, which per-address limits cannot stop; what it costs the probe."""
    body = orjson.dumps({"query": PROBE})
    answers: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + FLOOD_SECONDS

    def one_address(n: int) -> None:
        headers = {
            "authorization": f"Bearer {keys['storefront']}",
            "content-type": "application/json",
            "x-forwarded-for": f"10.2.{n // 250}.{n % 250 + 1}",
        }
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
            while time.perf_counter() < deadline:
                status = http.post("/graphql", content=body).status_code
                with lock:
                    answers[status] = answers.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=one_address, args=(n,)) for n in range(FLOOD_ADDRESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.perf_counter()
    during = probe.between(started, ended)
    statuses = ", ".join(
        f"{count:,} answered {status}" for status, count in sorted(answers.items())
    )
    return Row(
        key="abuse.flood",
        benchmark=f"abuse: {FLOOD_ADDRESSES} addresses asking storefront availability at once",
        setup=f"{FLOOD_SECONDS:g} s, closed loop, 20 SKUs per request",
        rate=sum(answers.values()) / (ended - started),
        p50_ms=statistics.median(during) if during else None,
        p99_ms=_p(during, 0.99) if during else None,
        result=f"{statuses}; p50/p99 are the probe's meanwhile",
    )


def abuse_rows(config: BenchConfig) -> list[Row]:
    admin = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        env = stockpool_env(f"sqlite+aiosqlite:///{Path(tmp) / 'abuse.db'}", admin)
        env["STOCKPOOL_TRUSTED_PROXIES"] = "127.0.0.1"
        migrate(env)
        with stockpool_server(env, Path(tmp) / "server.log") as server:
            with GraphQL(server.base_url, admin) as gql:
                keys = _seed(gql)
            probe = Probe(server.base_url, keys["storefront"])
            thread = threading.Thread(target=probe.run, daemon=True)
            thread.start()
            try:
                while len(probe.samples) < IDLE_PROBES:
                    time.sleep(0.05)
                idle = sorted(ms for _, ms in probe.samples)
                rows = [
                    Row(
                        key="abuse.probe",
                        benchmark="abuse: the storefront probe alone",
                        setup="availability of 20 SKUs, one at a time",
                        p50_ms=statistics.median(idle),
                        p99_ms=_p(idle, 0.99),
                        result=f"{len(idle)} probes; RSS {_rss_mib(server.process.pid):.0f} MiB",
                    )
                ]
                rows += [
                    _attack(server, keys, probe, attack, n) for n, attack in enumerate(ATTACKS)
                ]
                rows.append(_flood(server, keys, probe))
            finally:
                probe.stop()
                thread.join(5)
            log_bytes = os.path.getsize(server.log)
    rows.append(
        Row(
            key="abuse.log",
            benchmark="abuse: server log written by all attacks",
            setup="log level warning",
            result=f"{log_bytes / 1024:,.1f} KiB",
        )
    )
    return rows


if __name__ == "__main__":
    for row in abuse_rows(BenchConfig.from_env()):
        print(row, flush=True)

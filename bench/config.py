"""What a bench run measures and for how long, from `BENCH_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"


@dataclass(frozen=True, slots=True)
class BenchConfig:
    seconds: float = 10.0
    """Length of every measured load or engine run (BENCH_SECONDS)."""
    warmup_seconds: float = 1.0
    """Unmeasured load before each run (BENCH_WARMUP_SECONDS); its holds still count in the
    oversell checks."""
    connections: int = 64
    wrk_threads: int = 1
    engine_tasks: int = 64
    spread_skus: int = 1_000
    buyers: int = 1_000
    race_units: int = 100
    race_workers: int = 2
    hot_stock: int = 10_000_000
    fanout_sizes: tuple[int, ...] = (100, 1_000, 5_000, 10_000)
    """Subscriber counts of the fan-out rows (BENCH_FANOUT=100,1000)."""
    stream_rate: float = 200.0
    """reserveStock/s of the stream the biggest fan-out row runs once more during
    (BENCH_STREAM_RATE; 0: no such row)."""
    churn_connections: int = 2_000
    """Connections per round of the WebSocket churn row (BENCH_CHURN)."""
    log_level: str = "warning"
    postgres_admin_url: str = DEFAULT_POSTGRES_URL
    redis_url: str = DEFAULT_REDIS_URL
    only: frozenset[str] = frozenset()
    """Groups to run (BENCH_ONLY=http,engine,race); empty: all of them."""
    output: Path = ROOT / "docs" / "benchmarks.md"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> BenchConfig:
        env = dict(os.environ) if env is None else env
        d = cls()
        only = env.get("BENCH_ONLY", "")
        return cls(
            seconds=float(env.get("BENCH_SECONDS", d.seconds)),
            warmup_seconds=float(env.get("BENCH_WARMUP_SECONDS", d.warmup_seconds)),
            connections=int(env.get("BENCH_CONNECTIONS", d.connections)),
            wrk_threads=int(env.get("BENCH_WRK_THREADS", d.wrk_threads)),
            engine_tasks=int(env.get("BENCH_ENGINE_TASKS", d.engine_tasks)),
            spread_skus=int(env.get("BENCH_SPREAD_SKUS", d.spread_skus)),
            buyers=int(env.get("BENCH_BUYERS", d.buyers)),
            race_units=int(env.get("BENCH_RACE_UNITS", d.race_units)),
            race_workers=int(env.get("BENCH_RACE_WORKERS", d.race_workers)),
            log_level=env.get("BENCH_LOG_LEVEL", d.log_level),
            fanout_sizes=tuple(int(n) for n in env.get("BENCH_FANOUT", "").split(",") if n.strip())
            or d.fanout_sizes,
            stream_rate=float(env.get("BENCH_STREAM_RATE", d.stream_rate)),
            churn_connections=int(env.get("BENCH_CHURN", d.churn_connections)),
            postgres_admin_url=env.get(
                "BENCH_POSTGRES_URL", env.get("STOCKPOOL_TEST_POSTGRES_URL", d.postgres_admin_url)
            ),
            redis_url=env.get("BENCH_REDIS_URL", env.get("STOCKPOOL_TEST_REDIS_URL", d.redis_url)),
            only=frozenset(part.strip() for part in only.split(",") if part.strip()),
            output=Path(env.get("BENCH_OUTPUT", str(d.output))),
        )

    def wants(self, group: str) -> bool:
        return not self.only or group in self.only

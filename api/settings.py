"""Settings from `STOCKPOOL_*` environment variables, with defaults for a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Self

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./stockpool.db"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broadcast_url: str = "memory://"
    admin_token: str | None = None
    database_pool_size: int = 10
    log_level: str = "info"
    bus_prefix: str = "stockpool"
    sweep_seconds: float = 1.0
    group_commit_max_batch: int = 256
    """Concurrent reserveStock calls share one transaction, up to this many; 0 turns it off."""
    websocket_origins: tuple[str, ...] = ("*",)
    """Web pages allowed to open a WebSocket. Any, by default: the key travels in
    connection_init, never in a cookie, so another site's page cannot act as someone."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=normalise_database_url(
                env.get("STOCKPOOL_DATABASE_URL", defaults.database_url)
            ),
            broadcast_url=env.get("STOCKPOOL_BROADCAST_URL", defaults.broadcast_url),
            admin_token=env.get("STOCKPOOL_ADMIN_TOKEN") or None,
            database_pool_size=int(
                env.get("STOCKPOOL_DATABASE_POOL_SIZE", defaults.database_pool_size)
            ),
            log_level=env.get("STOCKPOOL_LOG_LEVEL", defaults.log_level),
            bus_prefix=env.get("STOCKPOOL_BUS_PREFIX", defaults.bus_prefix),
            sweep_seconds=float(env.get("STOCKPOOL_SWEEP_SECONDS", defaults.sweep_seconds)),
            group_commit_max_batch=int(
                env.get("STOCKPOOL_GROUP_COMMIT_MAX_BATCH", defaults.group_commit_max_batch)
            ),
            websocket_origins=tuple(
                origin.strip()
                for origin in env.get("STOCKPOOL_WEBSOCKET_ORIGINS", "*").split(",")
                if origin.strip()
            ),
        )


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `sqlite:///`) and pick the async driver."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url

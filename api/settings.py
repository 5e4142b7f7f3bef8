"""Settings from `STOCKPOOL_*` environment variables, with defaults for a laptop.

Every variable is read by one `_Variable` that knows its parser, so a bad value stops the
start-up with one line naming the variable (`SettingsError`), never a traceback."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from api.client_address import parse_networks

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./stockpool.db"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class SettingsError(ValueError):
    """A setting the environment got wrong: its message names the variable and the fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broadcast_url: str = "memory://"
    admin_token: str | None = None
    database_pool_size: int = 10
    log_level: str = "info"
    log_format: str = "text"
    """Log lines as `text` or `json` (one object a line), request ids in both (operations.md)."""
    bus_prefix: str = "stockpool"
    sweep_seconds: float = 1.0
    feed_retention_days: float = 7.0
    """How long the channel feeds keep each change (older cursors get CURSOR_EXPIRED)."""
    group_commit_max_batch: int = 256
    """Concurrent reserveStock calls share one transaction, up to this many; 0 turns it off."""
    websocket_origins: tuple[str, ...] = ("*",)
    """Web pages allowed to open a WebSocket. Any, by default: the key travels in
    connection_init, never in a cookie, so another site's page cannot act as someone."""
    cors_origins: tuple[str, ...] = ("*",)
    """Web pages allowed to call /graphql over HTTP from another origin (CORS). Any, by
    default: keys ride in the Authorization header, never in cookies; empty: none."""
    # ---- WebSocket limits (docs/limits.md#websocket-limits) ----
    websocket_max_connections_per_key: int = 1_000
    """Open WebSockets one admin or partner key may hold (more are refused with 4429)."""
    websocket_max_connections_per_address: int = 100
    """Open WebSockets one storefront key may hold per client address: its key is public."""
    websocket_max_message_bytes: int = 65_536
    """A bigger client message closes its WebSocket with 1009."""
    trusted_proxies: tuple[str, ...] = ()
    """Proxies whose `X-Forwarded-For` names the client (api/client_address.py)."""
    # ---- query cost and rate limits (docs/limits.md#query-cost, #rate-limits) ----
    query_cost_limit: int = 1_000
    """The most points one request may cost (QUERY_TOO_COMPLEX above it)."""
    rate_limit_admin: tuple[int, int] = (20_000, 1_000)
    """(bucket points, points restored a second) of each minted admin key, per worker."""
    rate_limit_partner: tuple[int, int] = (4_000, 200)
    """The same for each partner key."""
    rate_limit_storefront: tuple[int, int] = (1_000, 50)
    """The same for each client address of each storefront key."""

    # ---- request bounds (docs/limits.md#request-bounds) ----
    max_body_bytes: int = 1_048_576
    """The largest HTTP body (413 over it); also the longest document over WebSocket."""
    max_tokens: int = 5_000
    """Lexical tokens in one GraphQL document."""
    max_aliases: int = 100
    """Aliased fields in one document, fragments counted where they are spread."""
    max_depth: int = 12
    """Fields nested in fields (introspection's `__` fields not counted)."""
    max_definitions: int = 30
    """Operations and fragments in one document."""
    # ---- persisted queries (docs/persisted-queries.md) ----
    storefront_persisted_only: bool = False
    """Storefront keys may only run documents an admin registered, sent by hash."""
    persisted_query_max_age: int = 10
    """Seconds a CDN may keep a storefront key's answer to a GET by hash (0: never)."""
    # ---- outbound webhooks (docs/webhooks.md) ----
    webhook_retry_seconds: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    """Waits after each failed attempt (with jitter); then the delivery is FAILED."""
    webhook_disable_after_hours: float = 120.0
    """An endpoint whose every attempt failed for this long is disabled (WEBHOOK_DISABLED)."""
    webhook_allow_private: bool = False
    """Allows http:// and loopback, private and link-local targets (tests, private networks)."""
    # ---- metrics (docs/operations.md#metrics) ----
    metrics_token: str | None = None
    """When set, /metrics asks for `Authorization: Bearer <token>`; unset, it is open."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Raises `SettingsError` for the first variable that does not parse."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            variable = VARIABLES[field.name]
            raw = env.get(variable.name)
            if raw is None or (raw == "" and not variable.empty_allowed):
                continue
            values[field.name] = variable.parse(raw)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    convert: Callable[[str], Any]
    expected: str
    empty_allowed: bool = False
    secret: bool = False
    """Its value is never shown, not even in the message that refuses it."""

    def parse(self, raw: str) -> Any:
        try:
            return self.convert(raw.strip())
        except ValueError:
            shown = "<hidden>" if self.secret else _without_password(raw)
            shown = shown if len(shown) <= 40 else shown[:40] + "…"
            raise SettingsError(
                f"{self.name}={shown!r} is invalid: expected {self.expected}"
            ) from None


def _without_password(value: str) -> str:
    """A URL as it may be shown: `scheme://user:secret@host` loses its secret."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", value)


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `sqlite:///`) and pick the async driver."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError(url)
    return url


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not raw.startswith(tuple(f"{scheme}://" for scheme in schemes)):
            raise ValueError(raw)
        return raw

    return parse


def _number(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = kind(raw)
        if not low <= value <= high:  # also refuses nan
            raise ValueError(raw)
        return value

    return parse


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.lower() not in choices:
            raise ValueError(raw)
        return raw.lower()

    return parse


def _text(raw: str) -> str:
    if not raw or any(ord(c) < 32 for c in raw):
        raise ValueError(raw)
    return raw


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _origins(raw: str) -> tuple[str, ...]:
    """A browser's Origin is scheme://host[:port], never with a path or a trailing slash: an
    entry that cannot match one is a mistake to report, not an origin to ignore."""
    origins = _csv(raw)
    if any(o != "*" and not _ORIGIN.fullmatch(o) for o in origins):
        raise ValueError(raw)
    return origins


_ORIGIN = re.compile(r"https?://[^/\s,]+")


def _seconds_list(raw: str) -> tuple[float, ...]:
    parse = _number(float, 0, 604_800)
    return tuple(parse(item) for item in _csv(raw))


def _flag(raw: str) -> bool:
    return {"true": True, "1": True, "false": False, "0": False}[
        _choice("true", "false", "1", "0")(raw)
    ]


def _bucket(raw: str) -> tuple[int, int]:
    """`POINTS/PER_SECOND`: a rate-limit bucket's size and how fast it refills."""
    size, slash, rate = raw.partition("/")
    parse = _number(int, 1, 100_000_000)
    if not slash:
        raise ValueError(raw)
    return parse(size.strip()), parse(rate.strip())


VARIABLES: dict[str, _Variable] = {
    "database_url": _Variable(
        "STOCKPOOL_DATABASE_URL",
        normalise_database_url,
        "a postgresql:// or sqlite:/// URL",
    ),
    "broadcast_url": _Variable(
        "STOCKPOOL_BROADCAST_URL",
        _url("memory", "redis", "rediss", "postgres", "postgresql"),
        "memory://, a redis:// URL or a postgresql:// URL",
    ),
    "admin_token": _Variable(
        "STOCKPOOL_ADMIN_TOKEN", _text, "a token of printable characters", secret=True
    ),
    "database_pool_size": _Variable(
        "STOCKPOOL_DATABASE_POOL_SIZE", _number(int, 1, 1000), "a whole number from 1 to 1000"
    ),
    "log_level": _Variable("STOCKPOOL_LOG_LEVEL", _choice(*LOG_LEVELS), " or ".join(LOG_LEVELS)),
    "log_format": _Variable("STOCKPOOL_LOG_FORMAT", _choice("text", "json"), "text or json"),
    "bus_prefix": _Variable("STOCKPOOL_BUS_PREFIX", _text, "a prefix of printable characters"),
    "sweep_seconds": _Variable(
        "STOCKPOOL_SWEEP_SECONDS", _number(float, 0.05, 3600), "seconds from 0.05 to 3600"
    ),
    "feed_retention_days": _Variable(
        "STOCKPOOL_FEED_RETENTION_DAYS", _number(float, 0.001, 3650), "days from 0.001 to 3650"
    ),
    "group_commit_max_batch": _Variable(
        "STOCKPOOL_GROUP_COMMIT_MAX_BATCH",
        _number(int, 0, 10_000),
        "a whole number from 0 (off) to 10000",
    ),
    "websocket_origins": _Variable(
        "STOCKPOOL_WEBSOCKET_ORIGINS", _csv, "a comma-separated list of origins, or *"
    ),
    "cors_origins": _Variable(
        "STOCKPOOL_CORS_ORIGINS",
        _origins,
        "a comma-separated list of origins like https://shop.example, or *, or empty for none",
        empty_allowed=True,
    ),
    "websocket_max_connections_per_key": _Variable(
        "STOCKPOOL_WEBSOCKET_MAX_CONNECTIONS_PER_KEY",
        _number(int, 1, 1_000_000),
        "a whole number from 1 to 1000000",
    ),
    "websocket_max_connections_per_address": _Variable(
        "STOCKPOOL_WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS",
        _number(int, 1, 1_000_000),
        "a whole number from 1 to 1000000",
    ),
    "websocket_max_message_bytes": _Variable(
        "STOCKPOOL_WEBSOCKET_MAX_MESSAGE_BYTES",
        _number(int, 1_024, 16 * 1024 * 1024),
        "bytes from 1024 to 16777216",
    ),
    "trusted_proxies": _Variable(
        "STOCKPOOL_TRUSTED_PROXIES",
        lambda raw: parse_networks(raw.split(",")),
        "a comma-separated list of IP addresses or networks (10.0.0.0/8)",
    ),
    "query_cost_limit": _Variable(
        "STOCKPOOL_QUERY_COST_LIMIT",
        _number(int, 10, 10_000_000),
        "points from 10 to 10000000",
    ),
    "rate_limit_admin": _Variable(
        "STOCKPOOL_RATE_LIMIT_ADMIN", _bucket, "POINTS/PER_SECOND, e.g. 20000/1000"
    ),
    "rate_limit_partner": _Variable(
        "STOCKPOOL_RATE_LIMIT_PARTNER", _bucket, "POINTS/PER_SECOND, e.g. 4000/200"
    ),
    "rate_limit_storefront": _Variable(
        "STOCKPOOL_RATE_LIMIT_STOREFRONT", _bucket, "POINTS/PER_SECOND, e.g. 1000/50"
    ),
    "max_body_bytes": _Variable(
        "STOCKPOOL_MAX_BODY_BYTES", _number(int, 1_024, 1_073_741_824), "bytes from 1024 to 1 GiB"
    ),
    "max_tokens": _Variable(
        "STOCKPOOL_MAX_TOKENS", _number(int, 100, 10_000_000), "a whole number from 100 to 10000000"
    ),
    "max_aliases": _Variable(
        "STOCKPOOL_MAX_ALIASES", _number(int, 0, 100_000), "a whole number from 0 to 100000"
    ),
    "max_depth": _Variable(
        "STOCKPOOL_MAX_DEPTH", _number(int, 2, 1_000), "a whole number from 2 to 1000"
    ),
    "max_definitions": _Variable(
        "STOCKPOOL_MAX_DEFINITIONS", _number(int, 1, 100_000), "a whole number from 1 to 100000"
    ),
    "storefront_persisted_only": _Variable(
        "STOCKPOOL_STOREFRONT_PERSISTED_ONLY", _flag, "true or false"
    ),
    "persisted_query_max_age": _Variable(
        "STOCKPOOL_PERSISTED_QUERY_MAX_AGE", _number(int, 0, 86_400), "seconds from 0 to 86400"
    ),
    "webhook_retry_seconds": _Variable(
        "STOCKPOOL_WEBHOOK_RETRY_SECONDS",
        _seconds_list,
        "a comma-separated list of seconds from 0 to 604800, e.g. 5,300,1800",
    ),
    "webhook_disable_after_hours": _Variable(
        "STOCKPOOL_WEBHOOK_DISABLE_AFTER_HOURS",
        _number(float, 0.001, 100_000),
        "hours from 0.001 to 100000",
    ),
    "webhook_allow_private": _Variable("STOCKPOOL_WEBHOOK_ALLOW_PRIVATE", _flag, "true or false"),
    "metrics_token": _Variable(
        "STOCKPOOL_METRICS_TOKEN", _text, "a token of printable characters", secret=True
    ),
}
"""One entry per `Settings` field: a new setting adds its field and its variable here."""

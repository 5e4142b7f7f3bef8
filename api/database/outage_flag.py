"""Whether any connector outage may be covering pools, as this process last saw it: when none
is (the usual case), reading a pool costs no query for outages at all.

Kept per database (its URL), so every app of the process on the same database shares it. The
connector monitor of each worker (api/services/connectors.py) sets it at start, before the
app serves, and after every look (at least once a second); a worker that takes a connector
down marks it at once. Another worker may thus miss an outage for up to one look, the same
granularity as noticing a silent connector. A stale "may be covering" only costs one query."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

_covering: dict[str, bool] = {}


def _key(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def may_cover(conn: AsyncConnection) -> bool:
    """Whether pools read on `conn` must ask which outages cover them."""
    return _covering.get(_key(conn.engine.url), False)


def set_covering(database_url: str, covering: bool) -> None:
    _covering[_key(make_url(database_url))] = covering


def mark_covering(conn: AsyncConnection) -> None:
    """An outage starts in this transaction: pools read from now on ask."""
    _covering[_key(conn.engine.url)] = True

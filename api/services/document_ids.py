"""Ids of reservations and stock documents: a prefix naming the kind, the creation time in
microseconds and random bytes, so ids sort by creation time and lists page newest first."""

from __future__ import annotations

import secrets
from datetime import datetime


def sortable_id(prefix: str, now: datetime, random_bytes: int = 6) -> str:
    return f"{prefix}{int(now.timestamp() * 1_000_000):014x}{secrets.token_hex(random_bytes)}"

"""Opaque cursors: a kind and an integer key, base64url-encoded, accepted only exactly as issued."""

from __future__ import annotations

import base64
import binascii

MAX_CURSOR_LENGTH = 100
"""Longer than any cursor stockpool hands out; a longer one is refused before decoding."""
MAX_KEY = 2**63 - 1
"""The largest key a BIGINT holds: a cursor past it could only overflow the database."""


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int | None:
    """The key of a cursor that `encode_cursor(kind, key)` made, exactly; None for anything
    else (garbage, another kind, a sign, spaces, a key past MAX_KEY)."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        prefix, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    canonical = key.isascii() and key.isdigit() and int(key) <= MAX_KEY
    if prefix == kind and canonical and encode_cursor(kind, int(key)) == cursor:
        return int(key)
    return None

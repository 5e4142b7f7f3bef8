"""What is worked out from a parsed document alone, kept with the document.

The schema's `DocumentCache` (schema/bounds/cache.py) hands every request of the same text the
same `DocumentNode`; the facts the request path derives from it (its requested query cost,
the literals input hygiene refuses, ...) are then the same for every request, and are kept
here, in a dictionary per document, for as long as the document lives: when the cache drops a
document, its facts go with it (a weak finalizer), so they add nothing to the cache's memory
budget but their own few entries.

A user of the memo keys its entries so that they stay few per document: by the document's own
operations, never by something a client may vary freely."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from weakref import finalize

from graphql import DocumentNode

_MEMOS: dict[int, dict[Hashable, Any]] = {}
"""By the document's identity: graphql-core's nodes are frozen dataclasses, whose hash and
equality walk the whole tree (a WeakKeyDictionary would hash the document on every look)."""


def memo(document: DocumentNode) -> dict[Hashable, Any]:
    """The facts kept for `document` (an empty dictionary the first time)."""
    key = id(document)
    found = _MEMOS.get(key)
    if found is None:
        found = _MEMOS[key] = {}
        # Gone with the document (before its id can be reused: the callback runs as it dies).
        finalize(document, _MEMOS.pop, key, None)
    return found

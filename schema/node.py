"""Node ids: every object a client caches has one `id`, unique across the whole schema.

Two schemes, both defined here and nowhere else:

- objects named by codes (a SKU, a location, a channel, a stock level, a SKU's totals, a
  listing and what a channel shows of it) get an opaque id: unpadded URL-safe base64 of
  `Type:code[:code]`, e.g. `U3RvY2tMZXZlbDpURUU6V0g` for the stock level of TEE at WH.
  Codes never hold `:`.
- reservations and stock documents keep the ids they always had (additive only): those
  already name their kind by a prefix (`r`, `po`, `tr`, `rt`, `cc`, then hexadecimal digits,
  api/services/document_ids.py), so no two types share one, nor does any opaque id, which
  always starts with an upper-case letter.

`node_ref` reads either back; an id that is neither is INVALID_VALUE. Alerts and ledger rows
keep their numeric ids, unique within their type (what Apollo Client and urql key on, with
`__typename`) but not across types, so they are not Nodes (docs/api-guide.md)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import Enum

import strawberry

from domain.validation import CODE_PATTERN, MAX_CODE_LENGTH
from schema.errors import PublicError

ID_DESCRIPTION = "Unique across every type, stable, opaque: pass it to `node(id:)`."
MAX_ID_LENGTH = 300
"""Longer than any id this API hands out (three 64-character codes, base64): refused unread."""


@strawberry.interface(
    description="An object with a globally unique, stable `id`: the key client caches "
    "normalise on; `node(id:)` reads it again."
)
class Node:
    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        """Each type names itself: a resolver here, or the field of a document's own id."""
        raise NotImplementedError


class NodeKind(Enum):
    """Each type's name in its id (its GraphQL type name) and the codes that name one."""

    SKU = ("Sku", 1)
    LOCATION = ("Location", 1)
    CHANNEL = ("Channel", 1)
    STOCK_LEVEL = ("StockLevel", 2)  # sku, location
    SKU_TOTALS = ("SkuTotals", 1)
    LISTING = ("Listing", 2)  # channel, sku
    CHANNEL_AVAILABILITY = ("ChannelAvailability", 2)  # channel, sku
    RESERVATION = ("Reservation", 0)
    PURCHASE_ORDER = ("PurchaseOrder", 0)
    TRANSFER = ("Transfer", 0)
    CUSTOMER_RETURN = ("CustomerReturn", 0)
    CYCLE_COUNT = ("CycleCount", 0)

    @property
    def type_name(self) -> str:
        return self.value[0]

    @property
    def codes(self) -> int:
        """How many codes name one; 0: the id is the document's own."""
        return self.value[1]


_BY_TYPE_NAME = {kind.type_name: kind for kind in NodeKind if kind.codes}
_DOCUMENT_ID = re.compile(r"(?P<prefix>po|tr|rt|cc|r)[0-9a-f]{8,64}")
_BY_PREFIX = {
    "r": NodeKind.RESERVATION,
    "po": NodeKind.PURCHASE_ORDER,
    "tr": NodeKind.TRANSFER,
    "rt": NodeKind.CUSTOMER_RETURN,
    "cc": NodeKind.CYCLE_COUNT,
}


@dataclass(frozen=True, slots=True)
class NodeRef:
    """What a node id names: its kind and either its codes or the document's own id."""

    kind: NodeKind
    parts: tuple[str, ...]


def node_id(kind: NodeKind, *codes: str) -> strawberry.ID:
    """The opaque id of the object `codes` name."""
    if len(codes) != kind.codes:
        raise ValueError(f"{kind.type_name} is named by {kind.codes} codes, not {len(codes)}")
    text = ":".join((kind.type_name, *codes))
    return strawberry.ID(base64.urlsafe_b64encode(text.encode()).decode().rstrip("="))


def node_ref(id: str) -> NodeRef:
    """What `id` names, or INVALID_VALUE when this API never hands out such an id."""
    if len(id) <= MAX_ID_LENGTH:
        document = _DOCUMENT_ID.fullmatch(id)
        if document:
            return NodeRef(_BY_PREFIX[document["prefix"]], (id,))
        ref = _opaque(id)
        if ref is not None:
            return ref
    raise PublicError("not an id this API hands out", "INVALID_VALUE")


def _opaque(id: str) -> NodeRef | None:
    try:
        text = base64.urlsafe_b64decode(id + "=" * (-len(id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, *codes = text.split(":")
    kind = _BY_TYPE_NAME.get(type_name)
    if kind is None or len(codes) != kind.codes or not all(map(_is_code, codes)):
        return None
    if node_id(kind, *codes) != id:  # one spelling per object: no padding, no stray bits
        return None
    return NodeRef(kind, tuple(codes))


def _is_code(text: str) -> bool:
    return len(text) <= MAX_CODE_LENGTH and CODE_PATTERN.fullmatch(text) is not None

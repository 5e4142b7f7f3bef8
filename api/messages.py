"""What goes on the bus: each kind of message written as JSON and read back, side by side.

One field list per shape drives both directions, so what a worker writes and what every
worker reads cannot drift apart. A field that a worker of an earlier release did not write
names the default a reader takes in its place."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any, Generic, TypeVar

from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from domain.alerts import Alert, AlertStatus, AlertType
from domain.publishing import AvailabilityStatus, ChannelAvailability
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason

T = TypeVar("T")
Message = dict[str, Any]

REQUIRED: Any = object()
"""A field every message carries: one without it is unreadable."""


def _as_is(value: Any) -> Any:
    return value


def _time_text(moment: datetime) -> str:
    return moment.isoformat()


def _maybe_time_text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _maybe_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _enum_value(member: Any) -> Any:
    return member.value


def _quantities(counters: dict[str, int]) -> Quantities:
    return Quantities(**counters)


def _details(found: dict[str, Any] | None) -> dict[str, Any]:
    return found or {}


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    """The JSON key."""
    attribute: str
    """The domain value's attribute."""
    encode: Callable[[Any], Any] = _as_is
    decode: Callable[[Any], Any] = _as_is
    default: Any = REQUIRED

    def writer(self) -> Callable[[Any], Any]:
        """Value → what its JSON holds under `key`."""
        attribute, encode = self.attribute, self.encode
        if encode is _as_is:
            return attrgetter(attribute)
        return lambda value: encode(getattr(value, attribute))

    def reader(self) -> Callable[[Message], Any]:
        """Message → the attribute's value."""
        key, decode, default = self.key, self.decode, self.default
        if default is REQUIRED:
            if decode is _as_is:
                return itemgetter(key)
            return lambda message: decode(message[key])
        if decode is _as_is:
            return lambda message: message.get(key, default)
        return lambda message: decode(message.get(key, default))


def _time_field(key: str, attribute: str) -> Field:
    return Field(key, attribute, _time_text, datetime.fromisoformat)


def _maybe_time_field(key: str, attribute: str) -> Field:
    return Field(key, attribute, _maybe_time_text, _maybe_time, default=None)


def _enum_field(key: str, attribute: str, kind: Callable[[Any], Any]) -> Field:
    return Field(key, attribute, _enum_value, kind)


def _counters_field(key: str, attribute: str) -> Field:
    return Field(key, attribute, Quantities.as_dict, _quantities)


class Shape(Generic[T]):
    """How values of one kind (a dataclass) travel on their topic. The fields must cover
    every attribute of the dataclass; each is turned into a writer and a reader once, at
    import, so a message costs one call per field."""

    def __init__(self, topic: str, build: type[T], fields: tuple[Field, ...]) -> None:
        self.topic = topic
        self.build = build
        self.fields = fields
        self._writers = tuple((field.key, field.writer()) for field in fields)
        by_attribute = {field.attribute: field for field in fields}
        parameters = [parameter.name for parameter in dataclasses.fields(build)]  # type: ignore[arg-type]
        if sorted(parameters) != sorted(by_attribute):
            raise TypeError(f"the {topic} fields do not match {build.__name__}'s attributes")
        # In the order of the dataclass's parameters: a value is built positionally.
        self._readers = tuple(by_attribute[name].reader() for name in parameters)

    def encode(self, value: T) -> Message:
        return {key: write(value) for key, write in self._writers}

    def decode(self, message: Message) -> T:
        return self.build(*[read(message) for read in self._readers])


STOCK_LEVEL: Shape[StockLevel] = Shape(
    STOCK_LEVELS,
    StockLevel,
    (
        Field("sku", "sku"),
        Field("location", "location"),
        _counters_field("quantities", "quantities"),
        Field("version", "version"),
        _maybe_time_field("updatedAt", "updated_at"),
    ),
)


def stock_level_message(level: StockLevel) -> Message:
    return STOCK_LEVEL.encode(level)


def stock_level_from(message: Message) -> StockLevel:
    return STOCK_LEVEL.decode(message)


STOCK_EVENT: Shape[LedgerEntry] = Shape(
    STOCK_EVENTS,
    LedgerEntry,
    (
        Field("id", "id"),
        Field("sku", "sku"),
        Field("location", "location"),
        _enum_field("type", "type", StockEventType),
        _enum_field("reason", "reason", StockReason),
        _counters_field("before", "before"),
        _counters_field("after", "after"),
        Field("version", "version"),
        Field("actor", "actor"),
        Field("reference", "reference", default=None),
        Field("idempotencyKey", "idempotency_key", default=None),
        _time_field("createdAt", "created_at"),
    ),
)


def stock_event_message(entry: LedgerEntry) -> Message:
    return STOCK_EVENT.encode(entry)


def stock_event_from(message: Message) -> LedgerEntry:
    return STOCK_EVENT.decode(message)


ALERT: Shape[Alert] = Shape(
    ALERTS,
    Alert,
    (
        Field("id", "id"),
        _enum_field("type", "type", AlertType),
        _enum_field("status", "status", AlertStatus),
        Field("message", "message"),
        Field("sku", "sku", default=None),
        Field("channel", "channel", default=None),
        Field("details", "details", decode=_details, default=None),
        Field("occurrences", "occurrences"),
        _time_field("createdAt", "created_at"),
        _time_field("updatedAt", "updated_at"),
    ),
)


def alert_message(alert: Alert) -> Message:
    return ALERT.encode(alert)


def alert_from(message: Message) -> Alert:
    return ALERT.decode(message)


CHANNEL_AVAILABILITY: Shape[ChannelAvailability] = Shape(
    AVAILABILITY,
    ChannelAvailability,
    (
        Field("sku", "sku"),
        Field("channel", "channel"),
        Field("externalSku", "external_sku"),
        Field("published", "published"),
        _enum_field("status", "status", AvailabilityStatus),
        Field("version", "version"),
        _time_field("updatedAt", "updated_at"),
        Field("sellable", "sellable", default=0),
        Field("backorderable", "backorderable", default=0),
        _maybe_time_field("promisedAt", "promised_at"),
        Field("cursor", "cursor", default=None),
    ),
)


def availability_message(availability: ChannelAvailability) -> Message:
    return CHANNEL_AVAILABILITY.encode(availability)


def availability_from(message: Message) -> ChannelAvailability:
    return CHANNEL_AVAILABILITY.decode(message)


SHAPES: dict[str, Shape[Any]] = {
    shape.topic: shape for shape in (STOCK_LEVEL, STOCK_EVENT, ALERT, CHANNEL_AVAILABILITY)
}
"""Every bus topic whose messages carry a domain value, by topic."""


def ledger_messages(entries: list[LedgerEntry]) -> list[tuple[str, Message]]:
    """What a committed transaction's ledger rows tell the bus: each level's new state, in
    ledger order, and the rows themselves."""
    messages = []
    for entry in entries:
        messages.append((STOCK_LEVELS, stock_level_message(entry.stock_level())))
        messages.append((STOCK_EVENTS, stock_event_message(entry)))
    return messages


def availability_messages(changes: list[ChannelAvailability]) -> list[tuple[str, Message]]:
    return [(AVAILABILITY, availability_message(change)) for change in changes]


def committed_messages(
    entries: list[LedgerEntry],
    availability: list[ChannelAvailability],
    alerts: Sequence[Alert] = (),
) -> list[tuple[str, Message]]:
    """Everything a committed stock transaction tells the bus, in the order it happened."""
    return (
        ledger_messages(entries)
        + availability_messages(availability)
        + [(ALERTS, alert_message(alert)) for alert in alerts]
    )

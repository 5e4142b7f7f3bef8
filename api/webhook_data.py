"""The `data` of a webhook request: the fields of the GraphQL type of what changed
(ChannelAvailability, StockLevel, Reservation, Alert), camelCase, `version` included where
the type has one. Availability and alerts travel as their bus messages (api/messages.py),
which already are those fields; stock levels and reservations are written from their domain
values by one camelCase encoder."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from enum import Enum
from typing import Any

from api.messages import alert_message, availability_message
from domain.alerts import Alert
from domain.publishing import ChannelAvailability
from domain.reservations import Reservation
from domain.stock import StockLevel

Data = dict[str, Any]


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def camel_json(value: Any) -> Any:
    """A domain value as JSON: dataclasses as objects with camelCase keys, enums as their
    values, moments as ISO 8601, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _camel(field.name): camel_json(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [camel_json(item) for item in value]
    if isinstance(value, dict):
        return {key: camel_json(item) for key, item in value.items()}
    return value


def availability_data(value: ChannelAvailability) -> Data:
    return availability_message(value)


def stock_level_data(level: StockLevel) -> Data:
    counters = camel_json(level.quantities)
    return {
        "sku": level.sku,
        "location": level.location,
        **counters,
        "available": level.quantities.available,
        "version": level.version,
        "updatedAt": level.updated_at.isoformat() if level.updated_at else None,
    }


def reservation_data(reservation: Reservation) -> Data:
    """The reservation with its lines (a bundle's lines carry its lineNumber; the request's
    bundle lines themselves are read with the `reservation` query)."""
    data: Data = camel_json(reservation)
    return data


def alert_data(alert: Alert) -> Data:
    return {**alert_message(alert), "id": str(alert.id)}

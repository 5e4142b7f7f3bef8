"""Every kind of bus message reads back as the value that was written, through the JSON bytes
the bus carries."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from api import messages
from api.bus import ALERTS, AVAILABILITY, STOCK_EVENTS, STOCK_LEVELS
from domain.alerts import Alert, AlertStatus, AlertType
from domain.publishing import AvailabilityStatus, ChannelAvailability
from domain.quantities import Quantities
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason

NOW = datetime(2024, 11, 11, 0, 0, 1, 250_000, tzinfo=UTC)
LATER = datetime(2024, 11, 12, 9, 30, tzinfo=UTC)
COUNTERS = Quantities(
    on_hand=9,
    damaged=1,
    quarantined=2,
    reserved=3,
    committed=1,
    in_transit=4,
    on_order=5,
    backordered=2,
)


def through_the_bus(message: dict) -> dict:
    return orjson.loads(orjson.dumps(message))


LEVELS = [
    StockLevel("TEE", "WH", COUNTERS, 7, NOW),
    StockLevel("TEE", "WH", Quantities(), 0, None),
]
ENTRIES = [
    LedgerEntry(
        41,
        "TEE",
        "WH",
        StockEventType.RESERVED,
        StockReason.ORDER,
        Quantities(on_hand=9),
        COUNTERS,
        8,
        "web-checkout",
        NOW,
        "order-1",
        "key-1",
    ),
    LedgerEntry(
        42,
        "TEE",
        "WH",
        StockEventType.ADJUSTED,
        StockReason.FOUND,
        Quantities(),
        Quantities(on_hand=1),
        1,
        "admin",
        NOW,
    ),
]
ALERT_VALUES = [
    Alert(
        5,
        AlertType.OVERSELL,
        AlertStatus.OPEN,
        "web sold 2 of TEE",
        3,
        NOW,
        LATER,
        "TEE",
        "web",
        {"orderRef": "order-1", "requested": 2, "oversold": 1},
    ),
    Alert(6, AlertType.OVERSELL, AlertStatus.RESOLVED, "gone", 1, NOW, NOW),
]
AVAILABILITIES = [
    ChannelAvailability(
        "TEE", "web", "web-TEE", 12, AvailabilityStatus.BACKORDER, 3, NOW, 10, 2, LATER
    ),
    ChannelAvailability("TEE", "pos", "pos-TEE", 0, AvailabilityStatus.OUT_OF_STOCK, 1, NOW),
]


@pytest.mark.parametrize("level", LEVELS)
def test_a_stock_level_reads_back_as_written(level):
    assert messages.stock_level_from(through_the_bus(messages.stock_level_message(level))) == level


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_ledger_entry_reads_back_as_written(entry):
    assert messages.stock_event_from(through_the_bus(messages.stock_event_message(entry))) == entry


@pytest.mark.parametrize("alert", ALERT_VALUES)
def test_an_alert_reads_back_as_written(alert):
    assert messages.alert_from(through_the_bus(messages.alert_message(alert))) == alert


@pytest.mark.parametrize("availability", AVAILABILITIES)
def test_channel_availability_reads_back_as_written(availability):
    message = through_the_bus(messages.availability_message(availability))
    assert messages.availability_from(message) == availability


def test_every_topic_that_carries_a_value_has_a_shape():
    assert set(messages.SHAPES) == {STOCK_LEVELS, STOCK_EVENTS, ALERTS, AVAILABILITY}


def test_a_committed_transaction_tells_levels_and_rows_in_ledger_order_then_listings_and_alerts():
    told = messages.committed_messages(ENTRIES, AVAILABILITIES[:1], ALERT_VALUES[:1])
    assert [topic for topic, _ in told] == [
        STOCK_LEVELS,
        STOCK_EVENTS,
        STOCK_LEVELS,
        STOCK_EVENTS,
        AVAILABILITY,
        ALERTS,
    ]
    read = [messages.SHAPES[topic].decode(through_the_bus(body)) for topic, body in told]
    assert read[0] == ENTRIES[0].stock_level()
    assert read[1:4:2] == [ENTRIES[0], ENTRIES[1]]
    assert read[4:] == [AVAILABILITIES[0], ALERT_VALUES[0]]


def test_fields_an_earlier_release_did_not_write_read_as_their_defaults():
    written = messages.availability_message(AVAILABILITIES[0])
    for key in ("sellable", "backorderable", "promisedAt"):
        del written[key]
    read = messages.availability_from(through_the_bus(written))
    assert (read.sellable, read.backorderable, read.promised_at) == (0, 0, None)


def test_a_shape_must_name_every_attribute_of_its_value():
    with pytest.raises(TypeError, match="stock-levels"):
        messages.Shape(STOCK_LEVELS, StockLevel, messages.STOCK_LEVEL.fields[:-1])

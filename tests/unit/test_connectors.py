"""Connector health (domain/connectors.py) and what an outage takes from other channels' pools
(domain/channel_pools.py: OutageCover)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.channel_pools import NO_COVER, OutageCover, channel_pool, covered_availability
from domain.channels import Channel, ChannelKind, UpdateChannel
from domain.connectors import (
    KEEP,
    Connector,
    ConnectorStatus,
    OutageFallback,
    exposure_by_leaf,
    outage_covers,
)
from domain.error_codes import ErrorCode
from domain.errors import StockpoolError
from domain.publishing import ChannelPool
from domain.quantities import Quantities

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def codes_of(command: UpdateChannel) -> set[tuple[ErrorCode, tuple[str, ...]]]:
    with pytest.raises(StockpoolError) as refused:
        command.validate()
    problems = getattr(refused.value, "problems", [refused.value])
    return {(p.code, p.field) for p in problems}


def test_a_connector_not_monitored_or_never_heard_is_unknown():
    assert Connector().status is ConnectorStatus.UNKNOWN
    assert Connector(timeout_seconds=30, watched_since=NOW).status is ConnectorStatus.UNKNOWN
    heard = Connector(timeout_seconds=30, watched_since=NOW, last_seen_at=NOW)
    assert heard.status is ConnectorStatus.UP
    assert Connector(timeout_seconds=30, down_since=NOW).status is ConnectorStatus.DOWN


def test_silence_is_counted_from_the_last_sign_or_from_when_monitoring_began():
    watched = Connector(timeout_seconds=10, watched_since=NOW)
    assert not watched.is_silent_past_timeout(NOW + seconds(10))
    assert watched.is_silent_past_timeout(NOW + seconds(10.001))
    seen = Connector(timeout_seconds=10, watched_since=NOW, last_seen_at=NOW + seconds(8))
    assert not seen.is_silent_past_timeout(NOW + seconds(17))
    assert seen.is_silent_past_timeout(NOW + seconds(19))


def test_an_unmonitored_or_already_down_connector_is_never_taken_down_again():
    assert not Connector(last_seen_at=NOW).is_silent_past_timeout(NOW + seconds(10**6))
    down = Connector(timeout_seconds=5, last_seen_at=NOW, down_since=NOW + seconds(6))
    assert not down.is_silent_past_timeout(NOW + seconds(60))


def test_a_down_connector_heard_after_it_went_down_is_seen_again():
    down = Connector(timeout_seconds=5, last_seen_at=NOW, down_since=NOW + seconds(6))
    assert not down.is_seen_again
    heard = Connector(timeout_seconds=5, last_seen_at=NOW + seconds(7), down_since=NOW + seconds(6))
    assert heard.is_seen_again


def test_exposure_lifts_after_a_heartbeat_since_it_came_back_or_one_more_timeout():
    back = Connector(timeout_seconds=5, last_seen_at=NOW, back_at=NOW)
    assert not back.lift_is_due(NOW + seconds(4))
    assert back.lift_is_due(NOW + seconds(5))
    beat_before = Connector(timeout_seconds=5, heartbeat_at=NOW - seconds(1), back_at=NOW)
    assert not beat_before.lift_is_due(NOW + seconds(1))
    beat_after = Connector(timeout_seconds=5, heartbeat_at=NOW + seconds(1), back_at=NOW)
    assert beat_after.lift_is_due(NOW + seconds(1))
    assert not Connector(timeout_seconds=5).lift_is_due(NOW + seconds(100))


def test_turning_monitoring_on_starts_counting_and_null_turns_it_off():
    channel = Channel("mp", "Marketplace", ChannelKind.MARKETPLACE)
    on = UpdateChannel("mp", connector_timeout_seconds=30).apply(channel, NOW)
    assert on.connector.timeout_seconds == 30
    assert on.connector.watched_since == NOW
    kept = UpdateChannel("mp", name="Renamed").apply(on, NOW + seconds(60))
    assert kept.connector == on.connector
    assert (
        UpdateChannel("mp", connector_timeout_seconds=KEEP).apply(on, NOW).connector.timeout_seconds
        == 30
    )
    off = UpdateChannel("mp", connector_timeout_seconds=None).apply(on, NOW)
    assert off.connector.timeout_seconds is None
    assert off.connector.watched_since is None
    pausing = UpdateChannel(
        "mp",
        outage_fallback=OutageFallback.PAUSE_OTHER_LISTINGS_BELOW,
        outage_threshold=3,
    ).apply(on, NOW)
    assert (pausing.connector.fallback, pausing.connector.threshold) == (
        OutageFallback.PAUSE_OTHER_LISTINGS_BELOW,
        3,
    )


@pytest.mark.parametrize("timeout", [0, 4, -1, 86_401, 2**31 - 1])
def test_a_timeout_outside_five_seconds_to_a_day_is_refused(timeout):
    command = UpdateChannel("mp", connector_timeout_seconds=timeout)
    assert codes_of(command) == {(ErrorCode.INVALID_VALUE, ("connectorTimeoutSeconds",))}


@pytest.mark.parametrize("timeout", [5, 86_400, None])
def test_a_timeout_of_five_seconds_to_a_day_or_none_is_taken(timeout):
    UpdateChannel("mp", connector_timeout_seconds=timeout).validate()


def test_a_negative_threshold_or_one_without_the_pause_fallback_is_refused():
    negative = UpdateChannel(
        "mp", outage_fallback=OutageFallback.PAUSE_OTHER_LISTINGS_BELOW, outage_threshold=-1
    )
    assert codes_of(negative) == {(ErrorCode.INVALID_QUANTITY, ("fallbackThreshold",))}
    misplaced = UpdateChannel("mp", outage_fallback=OutageFallback.NONE, outage_threshold=2)
    assert codes_of(misplaced) == {(ErrorCode.INVALID_VALUE, ("fallbackThreshold",))}


def test_exposure_counts_a_bundles_units_as_its_leaves_and_leaves_out_nothing_shown():
    shown = {"TEE": 3, "CAP": 0, "KIT": 2}
    leaves_of = {"KIT": {"TEE": 1, "MUG": 2}}
    assert exposure_by_leaf(shown, leaves_of) == {"TEE": 5, "MUG": 4}


def test_an_outage_covers_other_channels_pools_never_its_own():
    web, mp, pos = 1, 2, 3
    tee, cap = 10, 11
    covers = outage_covers(
        [(web, tee), (mp, tee), (pos, tee), (web, cap)],
        exposure=[(mp, tee, 4), (pos, tee, 1)],
        pauses=[(mp, cap, 2)],
    )
    assert covers == {
        (web, tee): OutageCover(withheld=5),
        (mp, tee): OutageCover(withheld=1),
        (pos, tee): OutageCover(withheld=4),
        (web, cap): OutageCover(paused_at_or_below=2),
    }


def test_a_covered_pool_loses_the_withheld_units_never_below_zero():
    levels = [("A", Quantities(on_hand=10)), ("B", Quantities(on_hand=2))]
    assert channel_pool(levels, cover=OutageCover(withheld=5)).available == 7
    assert channel_pool(levels, cover=OutageCover(withheld=50)).available == 0
    assert channel_pool(levels, cover=NO_COVER).available == 12


def test_a_pool_at_or_below_the_pause_threshold_publishes_nothing():
    levels = [("A", Quantities(on_hand=3, on_order=5))]
    assert channel_pool(levels, backordered=1, cover=OutageCover(paused_at_or_below=3)) == (
        ChannelPool(0, backordered=1)
    )
    assert channel_pool(levels, cover=OutageCover(paused_at_or_below=2)).available == 3
    # The threshold is judged on what is left after exposure.
    assert channel_pool(levels, cover=OutageCover(1, paused_at_or_below=2)).available == 0


def test_a_sale_sees_the_cover_cut_from_its_channels_last_locations_first():
    available = {("TEE", "A"): 5, ("TEE", "B"): 3, ("CAP", "A"): 2}
    covers = {"TEE": OutageCover(withheld=4), "CAP": OutageCover(paused_at_or_below=2)}
    assert covered_availability(available, ["A", "B"], covers) == {
        ("TEE", "A"): 4,
        ("TEE", "B"): 0,
        ("CAP", "A"): 0,
    }
    assert covered_availability(available, ["A", "B"], {}) == available

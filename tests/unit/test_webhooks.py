"""The pure parts of webhooks: signatures (the Standard Webhooks test vector), secrets, the
retry schedule, event names, who may subscribe, and the settings that drive them."""

from __future__ import annotations

import base64

import pytest

from api.settings import Settings, SettingsError
from domain.access import Principal, Role
from domain.errors import Forbidden, InvalidValue
from domain.webhooks import (
    RetrySchedule,
    WebhookEvent,
    check_events,
    new_secret,
    require_may_subscribe,
    signature,
    signatures,
)


def test_the_signature_is_the_standard_webhooks_test_vector():
    assert (
        signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_during_a_rotation_both_secrets_sign_space_separated():
    first, second = new_secret(), new_secret()
    both = signatures([second, first], "msg_1", 1, b"{}")
    assert both.split(" ") == [
        signature(second, "msg_1", 1, b"{}"),
        signature(first, "msg_1", 1, b"{}"),
    ]


def test_a_new_secret_is_whsec_and_at_least_24_random_bytes():
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


def test_the_schedule_waits_within_its_jitter_then_gives_up():
    schedule = RetrySchedule((5.0, 300.0), jitter=0.1)
    assert schedule.next_delay(1, 0.0) == pytest.approx(4.5)
    assert schedule.next_delay(1, 0.5) == pytest.approx(5.0)
    assert 270.0 <= schedule.next_delay(2, 0.999) <= 330.0
    assert schedule.next_delay(3, 0.5) is None
    assert schedule.most_attempts == 3


def test_event_types_are_the_request_body_names():
    assert [event.type for event in WebhookEvent] == [
        "availability.changed",
        "stock_level.changed",
        "reservation.changed",
        "alert.raised",
    ]
    with pytest.raises(InvalidValue):
        check_events([])
    assert check_events([WebhookEvent.ALERT_RAISED, WebhookEvent.AVAILABILITY_CHANGED] * 2) == (
        WebhookEvent.AVAILABILITY_CHANGED,
        WebhookEvent.ALERT_RAISED,
    )


def test_partners_subscribe_their_own_channel_to_what_they_may_read():
    partner = Principal("p", Role.PARTNER, "web")
    require_may_subscribe(partner, [WebhookEvent.RESERVATION_CHANGED], "web")
    with pytest.raises(Forbidden):
        require_may_subscribe(partner, [WebhookEvent.RESERVATION_CHANGED], "pos")
    with pytest.raises(Forbidden):
        require_may_subscribe(partner, [WebhookEvent.STOCK_LEVEL_CHANGED], "web")
    with pytest.raises(Forbidden):
        require_may_subscribe(Principal("s", Role.STOREFRONT, "web"), [], "web")
    require_may_subscribe(Principal("a", Role.ADMIN), list(WebhookEvent), None)


def test_webhook_settings_parse_and_refuse_what_they_cannot_read():
    read = Settings.from_env(
        {
            "STOCKPOOL_WEBHOOK_RETRY_SECONDS": "1, 2.5,60",
            "STOCKPOOL_WEBHOOK_DISABLE_AFTER_HOURS": "24",
            "STOCKPOOL_WEBHOOK_ALLOW_PRIVATE": "TRUE",
        }
    )
    assert read.webhook_retry_seconds == (1.0, 2.5, 60.0)
    assert read.webhook_disable_after_hours == 24.0
    assert read.webhook_allow_private is True
    assert Settings().webhook_retry_seconds == (5, 300, 1800, 7200, 18000, 36000, 36000)
    for name, value in [
        ("STOCKPOOL_WEBHOOK_RETRY_SECONDS", "5,soon"),
        ("STOCKPOOL_WEBHOOK_RETRY_SECONDS", "-1"),
        ("STOCKPOOL_WEBHOOK_ALLOW_PRIVATE", "yes please"),
        ("STOCKPOOL_WEBHOOK_DISABLE_AFTER_HOURS", "0"),
    ]:
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})

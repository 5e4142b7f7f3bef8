"""Who limits per client address count against: the peer, or X-Forwarded-For from trusted
proxies only."""

from __future__ import annotations

import pytest

from api.client_address import UNKNOWN, address_group, client_address, parse_networks
from api.settings import Settings, SettingsError

PROXIES = parse_networks(["10.0.0.0/8"])


def scope(peer: str | None) -> dict[str, object]:
    return {"client": (peer, 51234) if peer else None}


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert client_address(scope("203.0.113.9"), "198.51.100.1") == "203.0.113.9"


def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored():
    assert client_address(scope("203.0.113.9"), "198.51.100.1", PROXIES) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client():
    assert client_address(scope("10.0.0.2"), "198.51.100.7", PROXIES) == "198.51.100.7"


def test_addresses_a_client_wrote_itself_left_of_the_proxies_are_not_believed():
    header = "1.2.3.4, 198.51.100.7, 10.0.0.5"
    assert client_address(scope("10.0.0.2"), header, PROXIES) == "198.51.100.7"


def test_garbage_in_the_header_ends_trust_at_the_last_proxy():
    assert client_address(scope("10.0.0.2"), "not-an-ip", PROXIES) == "10.0.0.2"


def test_a_connection_without_a_peer_has_the_unknown_address():
    assert client_address(scope(None), None, PROXIES) == UNKNOWN


def test_ipv6_addresses_of_one_subscriber_share_one_group_of_their_slash_64():
    assert address_group("2001:db8::1") == address_group("2001:db8::ffff:1") == "2001:db8::/64"
    assert address_group("2001:db8:0:1::1") != address_group("2001:db8::1")
    assert address_group("198.51.100.7") == "198.51.100.7"


def test_trusted_proxies_are_read_as_networks_and_a_bad_one_stops_the_start_up():
    settings = Settings.from_env({"STOCKPOOL_TRUSTED_PROXIES": "10.0.0.1, 172.16.0.0/12"})
    assert settings.trusted_proxies == ("10.0.0.1/32", "172.16.0.0/12")
    with pytest.raises(SettingsError, match="STOCKPOOL_TRUSTED_PROXIES"):
        Settings.from_env({"STOCKPOOL_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"})

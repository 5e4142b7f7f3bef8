import pytest

from domain.access import CreateApiKey, Principal, Role
from domain.catalogue import CreateLocation, CreateSku, Location, Sku, UpdateLocation, UpdateSku
from domain.errors import ErrorCode, Forbidden, StockpoolError


def refusal_codes(action) -> set[ErrorCode]:
    with pytest.raises(StockpoolError) as refused:
        action()
    return {problem.code for problem in refused.value.problems}


def test_a_sku_code_is_letters_digits_and_separators():
    CreateSku("TEE-BLK-M", "Tee").validate()
    CreateSku("a.b_c/d-1", "x").validate()
    assert refusal_codes(CreateSku("TEE BLK", "Tee").validate) == {ErrorCode.INVALID_VALUE}
    assert refusal_codes(CreateSku("-TEE", "Tee").validate) == {ErrorCode.INVALID_VALUE}
    assert refusal_codes(CreateSku("T" * 65, "Tee").validate) == {ErrorCode.TOO_LONG}


def test_blank_and_huge_names_are_refused():
    assert refusal_codes(CreateSku("A", "   ").validate) == {ErrorCode.BLANK}
    assert refusal_codes(CreateSku("A", "n" * 10_240).validate) == {ErrorCode.TOO_LONG}


def test_coordinates_must_be_on_earth():
    CreateLocation("W", "W", latitude=-90, longitude=180).validate()
    assert refusal_codes(CreateLocation("W", "W", latitude=91).validate) == {
        ErrorCode.INVALID_VALUE
    }
    assert refusal_codes(UpdateLocation("W", longitude=-181).validate) == {ErrorCode.INVALID_VALUE}


def test_negative_priority_is_refused():
    assert refusal_codes(CreateLocation("W", "W", priority=-1).validate) == {
        ErrorCode.INVALID_VALUE
    }


def test_an_update_changes_only_the_fields_given():
    sku = Sku("A", "Old", "123", {"size": "M"}, True)
    updated = UpdateSku("A", name="New", active=False).apply(sku)
    assert (updated.name, updated.barcode, updated.attributes, updated.active) == (
        "New",
        "123",
        {"size": "M"},
        False,
    )
    location = Location("W", "Warehouse", priority=3)
    assert UpdateLocation("W", priority=1).apply(location).name == "Warehouse"


def test_partner_and_storefront_keys_need_a_channel():
    assert refusal_codes(CreateApiKey("p", Role.PARTNER).validate) == {ErrorCode.CHANNEL_REQUIRED}
    assert refusal_codes(CreateApiKey("s", Role.STOREFRONT).validate) == {
        ErrorCode.CHANNEL_REQUIRED
    }
    CreateApiKey("p", Role.PARTNER, "amazon").validate()
    CreateApiKey("a", Role.ADMIN).validate()


def test_only_admins_pass_the_admin_check():
    Principal("a", Role.ADMIN).require_admin()
    with pytest.raises(Forbidden):
        Principal("p", Role.PARTNER, "web").require_admin()


def test_idempotency_keys_are_scoped_per_tenant():
    assert Principal("p1", Role.PARTNER, "web").idempotency_scope == "channel:web"
    assert Principal("p2", Role.PARTNER, "amazon").idempotency_scope == "channel:amazon"
    assert Principal("a", Role.ADMIN).idempotency_scope == "admin"


def test_websocket_origins_are_any_by_default_and_a_comma_separated_list_when_set():
    from api.settings import Settings

    assert Settings.from_env({}).websocket_origins == ("*",)
    chosen = Settings.from_env(
        {"STOCKPOOL_WEBSOCKET_ORIGINS": "https://shop.example.com, https://admin.example.com"}
    )
    assert chosen.websocket_origins == ("https://shop.example.com", "https://admin.example.com")

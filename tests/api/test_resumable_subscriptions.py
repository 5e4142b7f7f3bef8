"""availabilityChanged resumes from a cursor: every message carries one, a client that comes
back with the cursor of the last message it got is sent what changed meanwhile (the newest
change of each listing, in feed order) and then live changes; snapshot values carry the
cursor of the feed head read before them; a bad or expired cursor is that operation's error.

The hub delivers each channel's changes in feed order with no gap: a change the bus lost, or
one that overtook another, is read from the feed. A second app on the same database stands in
for a second worker whose bus messages never reach the live server (its bus is its own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.bus import AVAILABILITY as AVAILABILITY_TOPIC
from api.clock import utc_now
from api.messages import availability_message
from api.services.feeds import FeedService
from domain.access import Principal, Role
from domain.feeds import FeedPosition, FeedStream
from tests.api.stock_operations import seed
from tests.api.subscription_client import connected, http, hub_of, services_of
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_listings_api import listed, receive
from tests.api.test_reservations_api import channel

SKUS = ("A", "B", "C")
FOLLOW = """subscription($skus: [String!], $after: String) {
  availabilityChanged(channel: "web", skus: $skus, after: $after) {
    sku published version cursor } }"""
BOTH_STORES = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def shop(live_server):
    """Channel `web` sells from WH and lists A, B and C, 10 units each; `amazon` exists."""
    async with http(live_server) as gql:
        await seed(gql, skus=SKUS, locations=("WH",))
        await channel(gql, "web", ("WH",))
        await channel(gql, "amazon", ("WH",))
        for sku in SKUS:
            await listed(gql, sku, f"W-{sku}")
            await receive(gql, sku, "WH", 10)
        yield gql


def shown(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [result["availabilityChanged"] for result in results]


def position(cursor: str) -> int:
    found = FeedPosition.read(FeedStream.AVAILABILITY, cursor)
    assert found is not None, cursor
    return found.position


async def follow(client: Any, operation: str, after: str | None = None, **variables: Any) -> None:
    await client.subscribe(operation, FOLLOW, {"after": after, **variables})


@BOTH_STORES
async def test_a_client_that_comes_back_gets_what_changed_meanwhile_in_order_then_live(
    live_server, shop
):
    async with connected(live_server) as client:
        await follow(client, "1")
        assert len(await client.results(3)) == 3
        await receive(shop, "A", "WH", 1)
        [seen] = shown(await client.results(1))
    last = seen["cursor"]

    for sku in ("C", "A", "B"):  # made while the client is away
        await receive(shop, sku, "WH", 1)

    async with connected(live_server) as client:
        await follow(client, "1", last)
        caught_up = shown(await client.results(3))
        assert [(c["sku"], c["published"]) for c in caught_up] == [("C", 11), ("A", 12), ("B", 11)]
        positions = [position(c["cursor"]) for c in caught_up]
        assert positions == sorted(positions) and positions[0] > position(last)
        assert await client.silent()

        await receive(shop, "B", "WH", 1)
        [live] = shown(await client.results(1))
        assert (live["sku"], live["published"]) == ("B", 12)
        assert position(live["cursor"]) > positions[-1]


@SQLITE
async def test_a_listing_that_changed_several_times_meanwhile_comes_once_as_its_newest(
    live_server, shop
):
    head = (await shop('{ availabilityFeed(channel: "web", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    for sku in ("A", "B", "A", "A"):
        await receive(shop, sku, "WH", 1)

    async with connected(live_server) as client:
        await follow(client, "1", head)
        caught_up = shown(await client.results(2))
        assert [(c["sku"], c["published"]) for c in caught_up] == [("B", 11), ("A", 13)]
        assert await client.silent()


@SQLITE
async def test_the_catch_up_follows_only_the_skus_asked_for(live_server, shop):
    head = (await shop('{ availabilityFeed(channel: "web", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    for sku in ("A", "B", "C"):
        await receive(shop, sku, "WH", 1)

    async with connected(live_server) as client:
        await follow(client, "1", head, skus=["C"])
        [only] = shown(await client.results(1))
        assert (only["sku"], only["published"]) == ("C", 11)
        assert await client.silent()


@BOTH_STORES
async def test_snapshot_values_carry_a_cursor_that_resumes_without_loss(live_server, shop):
    async with connected(live_server) as client:
        await follow(client, "1")
        snapshot = shown(await client.results(3))
    cursors = {value["cursor"] for value in snapshot}
    assert len(cursors) == 1 and None not in cursors

    await receive(shop, "B", "WH", 2)

    async with connected(live_server) as client:
        await follow(client, "1", cursors.pop())
        [missed] = shown(await client.results(1))
        assert (missed["sku"], missed["published"]) == ("B", 12)
        assert await client.silent()


@SQLITE
async def test_a_bad_cursor_is_an_error_of_that_operation_and_the_socket_stays_open(
    live_server, shop
):
    amazon_head = (await shop('{ availabilityFeed(channel: "amazon", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    async with connected(live_server) as client:
        for operation, cursor in (("garbage", "not-a-cursor"), ("other-channel", amazon_head)):
            await follow(client, operation, cursor)
            error = await client.receive()
            assert (error["type"], error["id"]) == ("error", operation)
            assert error["payload"][0]["extensions"]["code"] == "INVALID_CURSOR"

        await follow(client, "fine")
        assert len(await client.results(3)) == 3


@SQLITE
async def test_a_cursor_past_the_retention_window_is_cursor_expired(live_server, shop):
    async with connected(live_server) as client:
        await follow(client, "1")
        old = shown(await client.results(3))[0]["cursor"]
    await receive(shop, "A", "WH", 1)
    services = services_of(live_server)
    assert await FeedService(services.database, utc_now, timedelta(0)).drop_expired() > 0

    async with connected(live_server) as client:
        await follow(client, "1", old)
        error = await client.receive()
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
        await follow(client, "2")  # the way back: a snapshot
        assert len(await client.results(3)) == 3


@SQLITE
async def test_a_storefront_key_resumes_its_own_channel_only(live_server, shop):
    created = await shop(
        CREATE_KEY, {"input": {"name": "badge", "role": "STOREFRONT", "channel": "web"}}
    )
    storefront = created["createApiKey"]["secret"]
    async with connected(live_server, token=storefront) as client:
        await follow(client, "1", skus=["A"])
        [value] = shown(await client.results(1))
        await receive(shop, "A", "WH", 1)
        await follow(client, "2", value["cursor"], skus=["A"])
        [resumed] = shown(await client.results(1))
        assert resumed["published"] == 11

        await client.subscribe(
            "amazon",
            'subscription($after: String) { availabilityChanged(channel: "amazon", '
            "after: $after) { sku cursor } }",
            {"after": value["cursor"]},
        )
        error = await client.receive()
        assert (error["type"], error["id"]) == ("error", "amazon")
        assert error["payload"][0]["extensions"]["code"] == "FORBIDDEN"


# ---- gapless order over a bus that loses and reorders ---------------------------------------


@BOTH_STORES
async def test_a_change_the_bus_lost_is_read_from_the_feed_before_the_next_one(
    live_server, shop, gql
):
    """`gql` is a second app on the same database with a bus of its own: what it changes never
    reaches the live server's bus."""
    async with connected(live_server) as client:
        await follow(client, "1")
        assert len(await client.results(3)) == 3

        await receive(gql, "A", "WH", 5)  # lost to the live server's subscribers
        assert await client.silent()
        await receive(shop, "B", "WH", 1)

        changes = shown(await client.results(2))
        assert [(c["sku"], c["published"]) for c in changes] == [("A", 15), ("B", 11)]
        assert position(changes[1]["cursor"]) == position(changes[0]["cursor"]) + 1
        assert hub_of(live_server).availability.order.filled == 1


@SQLITE
async def test_changes_that_arrive_out_of_order_are_sent_in_order_once(live_server, shop, gql):
    async with connected(live_server) as client:
        await follow(client, "1")
        assert len(await client.results(3)) == 3
        for sku in ("A", "C"):  # committed through the other worker: not on this bus
            await receive(gql, sku, "WH", 1)
        page = await services_of(live_server).feeds.availability(
            "web", None, 250, Principal("test", Role.ADMIN)
        )
        first, second = (value for _, value in page.changes[-2:])

        bus = services_of(live_server).bus
        await bus.publish(AVAILABILITY_TOPIC, availability_message(second))  # overtakes
        await bus.publish(AVAILABILITY_TOPIC, availability_message(first))

        changes = shown(await client.results(2))
        assert [c["sku"] for c in changes] == ["A", "C"]
        assert [c["cursor"] for c in changes] == [first.cursor, second.cursor]
        assert await client.silent()
        assert hub_of(live_server).availability.order.repeats == 1


@SQLITE
async def test_clients_resuming_from_different_cursors_share_a_group_and_each_catch_up(
    live_server, shop
):
    head = (await shop('{ availabilityFeed(channel: "web", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    await receive(shop, "A", "WH", 1)
    middle = (await shop('{ availabilityFeed(channel: "web", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    await receive(shop, "B", "WH", 1)

    async with connected(live_server) as early, connected(live_server) as late:
        await follow(early, "1", head)
        assert [c["sku"] for c in shown(await early.results(2))] == ["A", "B"]
        await follow(late, "1", middle)
        assert [c["sku"] for c in shown(await late.results(1))] == ["B"]
        assert hub_of(live_server).groups == 1

        await receive(shop, "C", "WH", 1)
        for client in (early, late):
            [live] = shown(await client.results(1))
            assert (live["sku"], live["published"]) == ("C", 11)


@SQLITE
async def test_a_client_too_far_behind_is_sent_a_snapshot_instead(live_server, shop):
    hub_of(live_server).availability.catch_up_limit = 2
    async with connected(live_server) as client:
        await follow(client, "1")
        old = shown(await client.results(3))[0]["cursor"]
    for sku in ("A", "A", "A"):
        await receive(shop, sku, "WH", 1)

    async with connected(live_server) as client:
        await follow(client, "1", old)
        snapshot = shown(await client.results(3))
        assert {(c["sku"], c["published"]) for c in snapshot} == {
            ("A", 13),
            ("B", 10),
            ("C", 10),
        }
        assert position(snapshot[0]["cursor"]) == position(old) + 3
        assert await client.silent()


@BOTH_STORES
async def test_after_a_bus_outage_what_changed_meanwhile_comes_in_feed_order(
    live_server, shop, gql
):
    """The changes made through `gql` never reach the live server's bus, as if it was down;
    then the hub hears the bus is back (what `Resumed` makes it do)."""
    async with connected(live_server) as client:
        await follow(client, "1")
        snapshot = shown(await client.results(3))
        for sku in ("C", "A"):
            await receive(gql, sku, "WH", 2)

        hub_of(live_server)._resnapshot_all()

        changes = shown(await client.results(2))
        assert [(c["sku"], c["published"]) for c in changes] == [("C", 12), ("A", 12)]
        positions = [position(c["cursor"]) for c in changes]
        assert positions == [position(snapshot[0]["cursor"]) + n for n in (1, 2)]
        assert await client.silent()

        await receive(shop, "B", "WH", 1)
        [live] = shown(await client.results(1))
        assert position(live["cursor"]) == positions[-1] + 1


@SQLITE
async def test_a_later_subscriber_takes_its_snapshot_cursor_from_what_the_process_delivered(
    live_server, shop, gql
):
    """No feed read for it: the last position delivered was committed before the snapshot is
    read. A change the bus lost (through `gql`) is past it, so resuming from it brings it."""
    async with connected(live_server) as first, connected(live_server) as later:
        await follow(first, "1", skus=["A"])
        await first.results(1)
        await receive(shop, "A", "WH", 1)
        [delivered] = shown(await first.results(1))
        await receive(gql, "B", "WH", 1)  # not on this bus: the feed's head moves on

        await follow(later, "1", skus=["A"])
        [value] = shown(await later.results(1))

        assert value["cursor"] == delivered["cursor"]
    async with connected(live_server) as client:
        await follow(client, "1", value["cursor"])
        [missed] = shown(await client.results(1))
        assert (missed["sku"], missed["published"]) == ("B", 11)


@SQLITE
async def test_a_partner_key_resumes_its_own_channel_and_no_other(live_server, shop):
    keys = {}
    for channel_code in ("web", "amazon"):
        created = await shop(
            CREATE_KEY,
            {"input": {"name": channel_code, "role": "PARTNER", "channel": channel_code}},
        )
        keys[channel_code] = created["createApiKey"]["secret"]
    head = (await shop('{ availabilityFeed(channel: "web", first: 0) { headCursor } }'))[
        "availabilityFeed"
    ]["headCursor"]
    await receive(shop, "C", "WH", 1)

    async with connected(live_server, token=keys["web"]) as own:
        await follow(own, "1", head)
        [caught_up] = shown(await own.results(1))
        assert (caught_up["sku"], caught_up["published"]) == ("C", 11)
    async with connected(live_server, token=keys["amazon"]) as other:
        await follow(other, "1", head)
        error = await other.receive()
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == "FORBIDDEN"

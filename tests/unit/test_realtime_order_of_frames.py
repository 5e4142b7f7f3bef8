"""What a connection is sent keeps the order changes happened in, so the cursor of the last
message a client received is safe to resume from: a newer value of a key moves behind what was
put since (Outbox), and a new subscriber's first state goes out before what it held, which
keeps its order too (Subscriber). No database, no socket."""

from __future__ import annotations

from schema.realtime.changes import Change
from schema.realtime.outbox import Outbox
from schema.realtime.subscriber import Subscriber


def drained(outbox: Outbox) -> list[str]:
    frames = []
    while (frame := outbox.pop()) is not None:
        frames.append(frame)
    return frames


def change(key: str, version: int) -> Change:
    return Change("availability", None, key, version)


def test_a_newer_value_of_a_key_replaces_the_waiting_one_and_goes_behind_what_came_since():
    outbox = Outbox(max_unkeyed=10)
    outbox.put("A@5", "1", "A")
    outbox.put("B@6", "1", "B")
    outbox.put("A@7", "1", "A")

    # Not A@7 first: a client cut off after it would resume past B@6 without having it.
    assert drained(outbox) == ["B@6", "A@7"]
    assert outbox.replaced == 1


def test_keys_of_different_operations_do_not_replace_each_other():
    outbox = Outbox(max_unkeyed=10)
    outbox.put("A@5 for 1", "1", "A")
    outbox.put("A@5 for 2", "2", "A")

    assert drained(outbox) == ["A@5 for 1", "A@5 for 2"]


def subscriber() -> tuple[Subscriber, Outbox]:
    outbox = Outbox(max_unkeyed=10)
    return Subscriber("1", "", lambda frame, operation, key: outbox.put(frame, operation, key)), (
        outbox
    )


def test_a_new_subscriber_sends_its_first_state_then_what_it_held_that_is_newer():
    member, outbox = subscriber()
    member.offer(change("A", 5), "A@5")  # live changes while its snapshot is read
    member.offer(change("B", 6), "B@6")
    member.offer(change("A", 7), "A@7")

    member.first(change("A", 6), "A@6 (snapshot)")  # older than what it holds: skipped
    member.first(change("B", 6), "B@6 (snapshot)")  # held already: comes with the held
    member.first(change("C", 3), "C@3 (snapshot)")
    member.go_live()
    assert drained(outbox) == ["C@3 (snapshot)}", "B@6}", "A@7}"]

    member.offer(change("C", 4), "C@4")
    assert drained(outbox) == ["C@4}"]


def test_what_a_subscriber_held_that_its_first_state_already_covers_is_not_sent():
    member, outbox = subscriber()
    member.offer(change("A", 5), "A@5")

    member.first(change("A", 6), "A@6 (catch-up)")
    member.go_live()

    assert drained(outbox) == ["A@6 (catch-up)}"]

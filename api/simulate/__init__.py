"""`stockpool demo --simulate`: realistic traffic through a running server's GraphQL API, so
the dashboard and the demo store move while a person watches.

Shoppers hold stock on the webstore and pay or abandon their carts, orders ship and some come
back, marketplaces and the till record sales, deliveries and transfers arrive, and now and
then a marketplace shows the wrong quantity (drift), a sale outruns the stock (oversell) or
names a SKU nobody mapped. Everything goes through the API, like any client, so the server
publishes every change to its subscribers.

To add a kind of traffic: write a function `(world) -> str | None` that does one thing and
says what (None when it had nothing to do), and give it a weight in ACTIONS, with the
mutations it needs (it is left out on a server without them)."""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from api.simulate import shoppers, warehouse
from api.simulate.client import Api, SimulationError
from api.simulate.world import World

__all__ = ["SimulationError", "simulate"]

REFRESH_EVERY = 15
"""Steps between two reads of what every channel publishes."""


@dataclass(frozen=True)
class Action:
    run: Callable[[World], str | None]
    weight: int
    needs: tuple[str, ...] = ()


ACTIONS = (
    Action(shoppers.hold, 30),
    Action(shoppers.settle, 25),
    Action(shoppers.sell, 20),
    Action(shoppers.ship, 10),
    Action(shoppers.return_order, 2, ("receiveReturn",)),
    Action(shoppers.inspect_return, 2, ("inspectReturn",)),
    Action(shoppers.oversell, 1),
    Action(shoppers.unmapped_sale, 1),
    Action(warehouse.restock, 6),
    Action(warehouse.transfer, 3, ("createTransfer", "shipTransfer")),
    Action(warehouse.receive_transfer, 3, ("receiveTransfer",)),
    Action(warehouse.report_drift, 3),
    Action(warehouse.resync, 3),
)


def simulate(
    url: str, key: str, duration: float | None, pace: float, seed: int | None = None
) -> Counter[str]:
    """Drives traffic until Ctrl-C or `duration` seconds, `pace` seconds apart on average;
    returns how many times each action ran."""
    world = World(Api(url, key), random.Random(seed))
    world.discover()
    actions = [action for action in ACTIONS if set(action.needs) <= world.mutations]
    channels = ", ".join(channel.code for channel in world.channels)
    print(f"simulating traffic on {channels} through {url} (Ctrl-C to stop)", flush=True)
    done: Counter[str] = Counter()
    steps = 0
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while deadline is None or time.monotonic() < deadline:
            if steps % REFRESH_EVERY == 0:
                world.refresh()
            steps += 1
            # A few tries, since some actions find nothing to do (no cart waiting to settle).
            for action in world.rng.choices(actions, [a.weight for a in actions], k=4):
                said = action.run(world)
                if said is not None:
                    done[action.run.__name__] += 1
                    print(f"{time.strftime('%H:%M:%S')}  {said}", flush=True)
                    break
            time.sleep(world.rng.uniform(0.4, 1.6) * pace)
    except KeyboardInterrupt:
        print(file=sys.stderr)
    summary = ", ".join(f"{count} {name}" for name, count in sorted(done.items()))
    print(f"simulated {steps} steps: {summary}", flush=True)
    return done

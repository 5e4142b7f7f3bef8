"""The reservation state machine's sale rules: orders of one or more SKUs sold on the web or
on a marketplace whose sales come before carts (its shortfall taken from the web's live holds,
newest first, before anything is oversold), till sales that ship at once, and resent orders.
Mixed into `ReservationMachine`, whose model they keep."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from domain.alerts import ACTIVE_STATUSES, AlertType
from domain.errors import DuplicateOrder
from domain.quantities import Quantities
from domain.reservations import (
    RecordChannelSale,
    Reservation,
    ReservationKind,
    ReservationStatus,
    SaleLine,
)
from tests.conftest import ADMIN
from tests.integration.state_machine_model import (
    CHANNEL,
    LOCATIONS,
    MARKETPLACE,
    SKUS,
    Key,
    ModelLine,
    ModelReservation,
)

SaleLines = list[tuple[str, int, str | None]]
"""(SKU, quantity, location or None for any of the channel's)."""


class SaleRules:
    """Rules over `self.model` and `self.orders`; `send`, `attempt`, `run`, `services`,
    `now`, `next_order`, `next_key` and `model_levels` are the machine's."""

    model: Any
    orders: list[tuple[str, str, tuple[SaleLine, ...], str]]
    """Channel orders recorded: (channel, orderRef, lines, the sale's id)."""

    send: Any
    attempt: Any
    run: Any
    services: Any
    now: Any
    next_order: Any
    next_key: Any
    model_levels: Any
    reserve: Any

    @rule(
        lines=st.lists(
            st.tuples(
                st.sampled_from(SKUS), st.integers(1, 4), st.none() | st.sampled_from(LOCATIONS)
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda line: line[0],
        ),
        fulfilled=st.booleans(),
        channel=st.sampled_from((CHANNEL, MARKETPLACE)),
    )
    def record_sale(self, lines: SaleLines, fulfilled: bool, channel: str) -> None:
        """An order of one or more SKUs sold on a channel (overselling too); a till sale
        (`fulfilled`) leaves with the customer at once. On the marketplace, what the stock
        lacks is first taken from the web's live holds."""
        self.sell(lines, fulfilled, channel)

    @precondition(lambda self: self.live_holds())
    @rule(
        index=st.integers(0, 100),
        beyond=st.integers(1, 3),
        location=st.none() | st.sampled_from(LOCATIONS),
        fulfilled=st.booleans(),
    )
    def sell_held_units_on_the_marketplace(
        self, index: int, beyond: int, location: str | None, fulfilled: bool
    ) -> None:
        """The marketplace sells `beyond` units more than are available of a SKU a web cart
        holds: its sale takes them from the web's live holds, newest first, before any unit
        is oversold."""
        holds = self.live_holds()
        sku = holds[index % len(holds)].lines[0].sku
        self.sell(
            [(sku, self.available_at(sku, location) + beyond, location)], fulfilled, MARKETPLACE
        )

    @rule(
        sku=st.sampled_from(SKUS),
        held=st.integers(1, 3),
        beyond=st.integers(1, 3),
        location=st.none() | st.sampled_from(LOCATIONS),
    )
    def cart_then_marketplace_sale(
        self, sku: str, held: int, beyond: int, location: str | None
    ) -> None:
        """A web cart holds units (if there are any), then the marketplace sells more than
        is available: the cart, the newest hold, is the first preempted."""
        self.reserve([(sku, held)])
        self.sell([(sku, self.available_at(sku, location) + beyond, location)], False, MARKETPLACE)

    def live_holds(self) -> list[ModelReservation]:
        return [
            r
            for r in self.model.reservations.values()
            if r.status_at(self.now) is ReservationStatus.HELD
        ]

    def sell(self, lines: SaleLines, fulfilled: bool, channel: str) -> Reservation:
        order_ref = self.next_order()
        sold = tuple(
            SaleLine(quantity, sku, location=location) for sku, quantity, location in lines
        )
        key = self.next_key()
        if len(sold) == 1:
            [line] = sold
            command = RecordChannelSale(
                channel, order_ref, line.quantity, sku=line.sku, location=line.location,
                idempotency_key=key, fulfilled=fulfilled,
            )  # fmt: skip
        else:
            command = RecordChannelSale(
                channel, order_ref, lines=sold, idempotency_key=key, fulfilled=fulfilled
            )
        preempted = []
        if channel == MARKETPLACE:
            preempted = self.model.preempt_for(channel, self.shortfall(lines), self.now)
            if preempted:
                event("a marketplace sale preempted holds")
        before = {key: self.model.level(key, self.now) for key in self.model_levels()}
        result = self.send(self.services.dispatch, command)
        assert isinstance(result, Reservation), result
        status = ReservationStatus.FULFILLED if fulfilled else ReservationStatus.COMMITTED
        assert result.status is status, (result, preempted)
        assert result.kind is ReservationKind.SALE
        for sku, quantity, location in lines:
            self.check_sale_of(result, before, sku, quantity, location)
        alerts = self.run(self.services.alerts.list(None, ADMIN))
        occurrences = {
            (alert.channel, alert.sku): alert.occurrences
            for alert in alerts
            if alert.type is AlertType.OVERSELL and alert.status in ACTIVE_STATUSES
        }
        assert occurrences == self.model.oversells, alerts
        for x in result.lines:
            self.model.add(self.model.on_hand, (x.sku, x.location), -x.fulfilled)
            self.model.fulfilled += x.fulfilled
        self.model.reservations[result.id] = ModelReservation(
            result.id,
            ReservationKind.SALE,
            status,
            result.expires_at,
            [
                ModelLine(
                    x.sku,
                    x.location,
                    x.quantity,
                    committed=x.committed,
                    fulfilled=x.fulfilled,
                    oversold=x.oversold,
                )
                for x in result.lines
            ],
            channel,
        )
        self.orders.append((channel, order_ref, command.sale_lines(), result.id))
        return result

    def shortfall(self, lines: SaleLines) -> dict[str, int]:
        """Units of each SKU the channel's locations (or the line's) lack as of now."""
        return {
            sku: max(quantity - self.available_at(sku, location), 0)
            for sku, quantity, location in lines
        }

    def available_at(self, sku: str, location: str | None) -> int:
        """Available as of now at `location`, or over the channel's locations."""
        where = [location] if location else list(LOCATIONS)
        return sum(self.model.level((sku, loc), self.now).available for loc in where)

    def check_sale_of(
        self,
        sale: Reservation,
        before: dict[Key, Quantities],
        sku: str,
        quantity: int,
        location: str | None,
    ) -> None:
        """One SKU of a sale: booked where the channel had it, up to what was available, the
        rest oversold (one OVERSELL occurrence); a till sale's booked units are fulfilled."""
        where = [location] if location else list(LOCATIONS)
        zero = Quantities()
        available = sum(before.get((sku, loc), zero).available for loc in where)
        lines = [line for line in sale.lines if line.sku == sku]
        till = sale.status is ReservationStatus.FULFILLED
        booked = sum(line.fulfilled if till else line.committed for line in lines)
        oversold = sum(line.oversold for line in lines)
        assert booked == min(quantity, available), (quantity, available, sale.lines)
        assert oversold == quantity - booked, sale.lines
        for line in lines:
            assert line.location in where, line
            assert line.reserved == 0, line
            assert (line.fulfilled if till else line.committed) == line.quantity, line
            assert (line.committed if till else line.fulfilled) == 0, line
            assert line.quantity <= before.get((sku, line.location), zero).available, line
        if oversold:
            cause = (sale.channel, sku)
            self.model.oversells[cause] = self.model.oversells.get(cause, 0) + 1

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 100), same=st.booleans(), keyed=st.booleans())
    def resend_order(self, index: int, same: bool, keyed: bool) -> None:
        """A channel sends an order again (with an idempotency key of its own or none): the
        same lines, in any order, answer the first sale and change nothing; other lines are
        DUPLICATE_ORDER."""
        channel, order_ref, lines, sale_id = self.orders[index % len(self.orders)]
        if same:
            sent = tuple(reversed(lines))
        else:
            last = lines[-1]
            sent = (*lines[:-1], replace(last, quantity=last.quantity + 1))
        key = self.next_key() if keyed else None
        command = RecordChannelSale(channel, order_ref, lines=sent, idempotency_key=key)
        result = self.attempt(self.services.dispatch(command, ADMIN))
        if not same:
            assert isinstance(result, DuplicateOrder), result
            return
        assert isinstance(result, Reservation), result
        r = self.model.reservations[sale_id]
        assert result.id == sale_id and result.status is r.status_at(self.now), result
        got = [(x.sku, x.location, x.quantity, x.committed, x.fulfilled) for x in result.lines]
        want = [(x.sku, x.location, x.quantity, x.committed, x.fulfilled) for x in r.lines]
        assert got == want, (got, want)

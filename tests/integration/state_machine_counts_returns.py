"""The reservation state machine's count and return rules: a cycle count of one level (the
shelf agrees with on hand, or finds more or fewer units), a customer return of units an order
shipped (back on hand in quarantine, then restocked, damaged or written off), and the finding
of issue 16 played whole: a till sale, then a count, then a return of the till sale. Mixed
into `ReservationMachine`, whose model they keep."""

from __future__ import annotations

from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from domain.cycle_counts import CompleteCount, CountedLine, CountStatus, RecordCount, StartCount
from domain.cycle_counts import settle as count_settles
from domain.errors import ReturnExceedsFulfilled, StockpoolError
from domain.returns import (
    CustomerReturn,
    InspectedLine,
    InspectionOutcome,
    InspectionReason,
    InspectReturn,
    ReceiveReturn,
    ReturnedLine,
    ReturnReason,
)
from tests.integration.state_machine_model import CHANNEL, LOCATIONS, SKUS, ModelReservation

OUTCOMES = tuple(InspectionOutcome)


class CountReturnRules:
    """Rules over `self.model`; `send`, `sell`, `now` and `next_key` are the machine's."""

    model: Any
    services: Any
    send: Any
    sell: Any
    now: Any
    next_key: Any

    @rule(
        sku=st.sampled_from(SKUS),
        location=st.sampled_from(LOCATIONS),
        difference=st.integers(-3, 3),
    )
    def cycle_count(self, sku: str, location: str, difference: int) -> None:
        """The shelf of one level counted: `difference` units from on hand."""
        on_hand = self.model.on_hand.get((sku, location), 0)
        self.count(sku, location, max(on_hand + difference, 0))

    def count(self, sku: str, location: str, counted: int) -> None:
        """A count started, recorded and completed: a difference moves on hand, a missing unit
        only out of what is available (the rest is left unresolved); units found settle
        oversold sales first."""
        key = (sku, location)
        started = self.send(
            self.services.dispatch, StartCount(location, (sku,), None, self.next_key())
        )
        assert not isinstance(started, StockpoolError), started
        recorded = self.send(
            self.services.dispatch,
            RecordCount(started.id, (CountedLine(sku, counted),), self.next_key()),
        )
        assert not isinstance(recorded, StockpoolError), recorded
        completed = self.send(self.services.dispatch, CompleteCount(started.id, self.next_key()))
        assert not isinstance(completed, StockpoolError), completed
        assert completed.status is CountStatus.COMPLETED
        available = self.model.level(key, self.now).available
        adjusted, unresolved = count_settles(counted - self.model.on_hand.get(key, 0), available)
        [line] = completed.lines
        assert (line.adjusted, line.unresolved) == (adjusted, unresolved), (line, available)
        self.model.add(self.model.on_hand, key, adjusted)
        self.model.counted += adjusted
        if adjusted > 0:
            self.model.settle_oversold(key, self.model.level(key, self.now).available)

    @precondition(
        lambda self: any(
            line.fulfilled for r in self.model.reservations.values() for line in r.lines
        )
    )
    @rule(
        index=st.integers(0, 100),
        units=st.integers(1, 3),
        outcome=st.sampled_from(OUTCOMES),
    )
    def return_shipped_units(self, index: int, units: int, outcome: InspectionOutcome) -> None:
        """Units of an order that shipped come back and are inspected; more than it shipped
        (less what came back already) is refused."""
        shipped = [
            r for r in self.model.reservations.values() if any(line.fulfilled for line in r.lines)
        ]
        self.give_back(shipped[index % len(shipped)], units, outcome)

    def give_back(self, r: ModelReservation, units: int, outcome: InspectionOutcome) -> None:
        line = next(x for x in r.lines if x.fulfilled)
        sku, location = line.sku, line.location
        returnable = sum(x.fulfilled - x.returned for x in r.lines if x.sku == sku)
        command = ReceiveReturn(
            location,
            (ReturnedLine(sku, units, ReturnReason.NO_LONGER_NEEDED),),
            reservation_id=r.id,
            idempotency_key=self.next_key(),
        )
        received = self.send(self.services.dispatch, command)
        if units > returnable:
            assert isinstance(received, StockpoolError), (units, returnable, received)
            assert all(isinstance(p, ReturnExceedsFulfilled) for p in received.problems)
            return
        assert isinstance(received, CustomerReturn), received
        key = (sku, location)
        left = units
        for x in r.lines:
            if x.sku == sku:
                taken = min(left, x.fulfilled - x.returned)
                x.returned += taken
                left -= taken
        self.model.add(self.model.on_hand, key, units)
        self.model.add(self.model.quarantined, key, units)
        self.model.returned += units
        inspected = self.send(
            self.services.dispatch,
            InspectReturn(
                received.id,
                (InspectedLine(sku, outcome, units, InspectionReason.OTHER),),
                self.next_key(),
            ),
        )
        assert isinstance(inspected, CustomerReturn), inspected
        self.model.add(self.model.quarantined, key, -units)
        if outcome is InspectionOutcome.DAMAGED:
            self.model.add(self.model.damaged, key, units)
        elif outcome is InspectionOutcome.WRITE_OFF:
            self.model.add(self.model.on_hand, key, -units)
            self.model.written_off += units
        else:
            self.model.settle_oversold(key, self.model.level(key, self.now).available)

    @rule(
        sku=st.sampled_from(SKUS),
        quantity=st.integers(1, 4),
        location=st.sampled_from(LOCATIONS),
        returned=st.integers(1, 4),
    )
    def till_sale_counted_then_returned(
        self, sku: str, quantity: int, location: str, returned: int
    ) -> None:
        """A till sale leaves the shop; the shelf is counted (it agrees with on hand: the
        sale already took its units off); then the customer brings some back."""
        sale = self.sell([(sku, quantity, location)], True, CHANNEL)
        self.count(sku, location, self.model.on_hand.get((sku, location), 0))
        if any(line.fulfilled for line in sale.lines):
            r = self.model.reservations[sale.id]
            self.give_back(r, returned, InspectionOutcome.RESTOCK)
            event("a till sale counted and returned")

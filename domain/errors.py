"""One exception hierarchy for every refusal the domain can give, each with a stable code."""

from __future__ import annotations

from domain.error_codes import ErrorCode as ErrorCode  # re-exported beside the errors
from domain.quantities import MAX_COUNTER

FieldPath = tuple[str, ...]


class StockpoolError(Exception):
    """A refusal with a stable code, the input field it concerns and a message for people."""

    code: ErrorCode = ErrorCode.INVALID_VALUE

    def __init__(self, message: str, field: FieldPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def problems(self) -> list[StockpoolError]:
        return [self]


class InvalidInput(StockpoolError):
    """Several validation problems found at once; each is reported on its own."""

    def __init__(self, problems: list[StockpoolError]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self._problems = problems

    @property
    def problems(self) -> list[StockpoolError]:
        return list(self._problems)


def refusal(problems: list[StockpoolError]) -> StockpoolError:
    """One problem as itself, several as one InvalidInput that reports each."""
    return problems[0] if len(problems) == 1 else InvalidInput(problems)


class InvalidValue(StockpoolError):
    code = ErrorCode.INVALID_VALUE


class Blank(StockpoolError):
    code = ErrorCode.BLANK


class TooLong(StockpoolError):
    code = ErrorCode.TOO_LONG


class InvalidQuantity(StockpoolError):
    code = ErrorCode.INVALID_QUANTITY


class QuantityTooLarge(StockpoolError):
    code = ErrorCode.QUANTITY_TOO_LARGE


class CounterTooLarge(QuantityTooLarge):
    """A change that would take a stored counter past the most it may hold (MAX_COUNTER)."""

    def __init__(
        self, sku: str, location: str, counter: str, value: int, field: FieldPath = ("quantity",)
    ) -> None:
        super().__init__(
            f"{sku} at {location}: {counter.replace('_', ' ')} would be {value}, more than the "
            f"{MAX_COUNTER} a counter may hold",
            field,
        )
        self.sku = sku
        self.location = location
        self.counter = counter


class InvalidReason(StockpoolError):
    code = ErrorCode.INVALID_REASON


class DuplicateCode(StockpoolError):
    code = ErrorCode.DUPLICATE_CODE

    def __init__(self, kind: str, value: str, field: FieldPath = ("code",)) -> None:
        super().__init__(f"a {kind} with code {value!r} already exists", field)
        self.kind = kind
        self.value = value


class SkuNotFound(StockpoolError):
    code = ErrorCode.SKU_NOT_FOUND

    def __init__(self, sku: str, field: FieldPath = ("sku",)) -> None:
        super().__init__(f"no SKU with code {sku!r}", field)
        self.sku = sku


class LocationNotFound(StockpoolError):
    code = ErrorCode.LOCATION_NOT_FOUND

    def __init__(self, location: str, field: FieldPath = ("location",)) -> None:
        super().__init__(f"no location with code {location!r}", field)
        self.location = location


class ApiKeyNotFound(StockpoolError):
    code = ErrorCode.API_KEY_NOT_FOUND

    def __init__(self, key_id: str, field: FieldPath = ("id",)) -> None:
        super().__init__(f"no API key with id {key_id!r}", field)
        self.key_id = key_id


class ChannelRequired(StockpoolError):
    code = ErrorCode.CHANNEL_REQUIRED


class InsufficientStock(StockpoolError):
    code = ErrorCode.INSUFFICIENT_STOCK

    def __init__(
        self,
        sku: str,
        location: str,
        requested: int,
        available: int,
        quantity_name: str = "available",
        field: FieldPath = ("quantity",),
    ) -> None:
        super().__init__(
            f"{sku} at {location}: {requested} requested but only {available} {quantity_name}",
            field,
        )
        self.sku = sku
        self.location = location
        self.requested = requested
        self.available = available


class StaleQuantity(StockpoolError):
    code = ErrorCode.STALE_QUANTITY

    def __init__(self, sku: str, location: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{sku} at {location}: on hand is {actual}, not {expected} as the change assumed",
            ("changeFromQuantity",),
        )
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(StockpoolError):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different request",
            ("idempotencyKey",),
        )
        self.key = key


class Forbidden(StockpoolError):
    code = ErrorCode.FORBIDDEN

    def __init__(self, message: str = "this API key may not do that") -> None:
        super().__init__(message, ())


class ChannelNotFound(StockpoolError):
    code = ErrorCode.CHANNEL_NOT_FOUND

    def __init__(self, channel: str, field: FieldPath = ("channel",)) -> None:
        super().__init__(f"no channel with code {channel!r}", field)
        self.channel = channel


class ChannelPaused(StockpoolError):
    code = ErrorCode.CHANNEL_PAUSED

    def __init__(self, channel: str) -> None:
        super().__init__(f"channel {channel!r} is paused and can hold nothing", ("channel",))


class LocationNotInChannel(StockpoolError):
    code = ErrorCode.LOCATION_NOT_IN_CHANNEL

    def __init__(self, location: str, channel: str, field: FieldPath) -> None:
        super().__init__(f"channel {channel!r} does not sell from location {location!r}", field)


class ReservationNotFound(StockpoolError):
    code = ErrorCode.RESERVATION_NOT_FOUND

    def __init__(self, reservation_id: str, field: FieldPath = ("id",)) -> None:
        super().__init__(f"no reservation with id {reservation_id!r}", field)


class ReservationExpired(StockpoolError):
    code = ErrorCode.RESERVATION_EXPIRED

    def __init__(self, reservation_id: str, action: str) -> None:
        super().__init__(f"cannot {action} reservation {reservation_id}: its hold expired", ("id",))


class InvalidTransition(StockpoolError):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(
        self, document_id: str, state: str, action: str, document: str = "reservation"
    ) -> None:
        super().__init__(f"cannot {action} {document} {document_id}: it is {state}", ("id",))
        self.state = state


class UnmappedSku(StockpoolError):
    code = ErrorCode.UNMAPPED_SKU

    def __init__(
        self, channel: str, external_sku: str, field: FieldPath = ("externalSku",)
    ) -> None:
        super().__init__(
            f"channel {channel!r} has no listing with external SKU {external_sku!r}", field
        )
        self.channel = channel
        self.external_sku = external_sku


class DuplicateOrder(StockpoolError):
    code = ErrorCode.DUPLICATE_ORDER

    def __init__(self, channel: str, order_ref: str) -> None:
        super().__init__(
            f"channel {channel!r} already recorded order {order_ref!r} with other lines",
            ("orderRef",),
        )
        self.channel = channel
        self.order_ref = order_ref


class AlertNotFound(StockpoolError):
    code = ErrorCode.ALERT_NOT_FOUND

    def __init__(self, alert_id: str) -> None:
        super().__init__(f"no alert with id {alert_id!r}", ("id",))


class ListingNotFound(StockpoolError):
    code = ErrorCode.LISTING_NOT_FOUND

    def __init__(self, channel: str, sku: str, field: FieldPath = ("sku",)) -> None:
        super().__init__(f"channel {channel!r} has no listing of SKU {sku!r}", field)


class ListingPaused(StockpoolError):
    code = ErrorCode.LISTING_PAUSED

    def __init__(self, channel: str, sku: str, field: FieldPath = ("sku",)) -> None:
        super().__init__(f"the listing of {sku} on channel {channel!r} is paused", field)


class ExternalSkuTaken(StockpoolError):
    code = ErrorCode.EXTERNAL_SKU_TAKEN

    def __init__(
        self, channel: str, external_sku: str, sku: str, field: FieldPath = ("externalSku",)
    ) -> None:
        super().__init__(
            f"external SKU {external_sku!r} on channel {channel!r} already maps SKU {sku}", field
        )


class InvalidCsv(StockpoolError):
    code = ErrorCode.INVALID_CSV


class PurchaseOrderNotFound(StockpoolError):
    code = ErrorCode.PURCHASE_ORDER_NOT_FOUND

    def __init__(self, purchase_order_id: str) -> None:
        super().__init__(f"no purchase order with id {purchase_order_id!r}", ("id",))


class OverReceipt(StockpoolError):
    """More units received than are still outstanding on the document's line."""

    code = ErrorCode.OVER_RECEIPT

    def __init__(self, sku: str, arriving: int, outstanding: int, field: FieldPath) -> None:
        super().__init__(f"{sku}: {arriving} received but only {outstanding} outstanding", field)


class TransferNotFound(StockpoolError):
    code = ErrorCode.TRANSFER_NOT_FOUND

    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"no transfer with id {transfer_id!r}", ("id",))


class SameLocation(StockpoolError):
    code = ErrorCode.SAME_LOCATION

    def __init__(self, location: str) -> None:
        super().__init__(f"a transfer needs two locations, not {location} twice", ("to",))


class ReturnNotFound(StockpoolError):
    code = ErrorCode.RETURN_NOT_FOUND

    def __init__(self, return_id: str) -> None:
        super().__init__(f"no return with id {return_id!r}", ("id",))


class OrderNotFound(StockpoolError):
    code = ErrorCode.ORDER_NOT_FOUND

    def __init__(self, channel: str, order_ref: str) -> None:
        super().__init__(f"channel {channel!r} has no order {order_ref!r}", ("orderRef",))


class ReturnExceedsFulfilled(StockpoolError):
    """More units returned than the order shipped, less what already came back."""

    code = ErrorCode.RETURN_EXCEEDS_FULFILLED

    def __init__(self, sku: str, returning: int, returnable: int, field: FieldPath) -> None:
        super().__init__(
            f"{sku}: {returning} returned but only {returnable} shipped and not yet returned",
            field,
        )


class OverInspection(StockpoolError):
    """More units inspected than were returned and are still waiting for inspection."""

    code = ErrorCode.OVER_INSPECTION

    def __init__(self, sku: str, inspecting: int, waiting: int, field: FieldPath) -> None:
        super().__init__(
            f"{sku}: {inspecting} inspected but only {waiting} are waiting for inspection", field
        )


class CountNotFound(StockpoolError):
    code = ErrorCode.COUNT_NOT_FOUND

    def __init__(self, count_id: str) -> None:
        super().__init__(f"no cycle count with id {count_id!r}", ("id",))


class CountInProgress(StockpoolError):
    """A SKU at a location is in at most one open count, so no difference is applied twice."""

    code = ErrorCode.COUNT_IN_PROGRESS

    def __init__(self, sku: str, location: str, count_id: str, field: FieldPath) -> None:
        super().__init__(f"{sku} at {location} is already being counted by {count_id}", field)


class CountIncomplete(StockpoolError):
    code = ErrorCode.COUNT_INCOMPLETE

    def __init__(self, count_id: str, uncounted: list[str]) -> None:
        super().__init__(
            f"cycle count {count_id} has no count yet for {', '.join(uncounted)}", ("id",)
        )


class SkuIsBundle(StockpoolError):
    """A bundle has no stock of its own: its components do."""

    code = ErrorCode.SKU_IS_BUNDLE

    def __init__(self, sku: str, action: str, field: FieldPath = ("sku",)) -> None:
        super().__init__(
            f"{sku} is a bundle, which has no stock of its own: cannot {action}", field
        )
        self.sku = sku


class SkuHasStock(StockpoolError):
    """Only a SKU without stock of its own can become a bundle."""

    code = ErrorCode.SKU_HAS_STOCK

    def __init__(self, sku: str) -> None:
        super().__init__(
            f"{sku} has stock of its own (or on order); book it out before making it a bundle",
            ("sku",),
        )


class BundleCycle(StockpoolError):
    code = ErrorCode.BUNDLE_CYCLE

    def __init__(self, path: list[str], field: FieldPath = ("components",)) -> None:
        super().__init__(f"{path[0]} would contain itself: {' contains '.join(path)}", field)
        self.path = path


class ReorderPolicyNotFound(StockpoolError):
    code = ErrorCode.REORDER_POLICY_NOT_FOUND

    def __init__(self, sku: str, location: str | None) -> None:
        where = f" at {location}" if location else " for all locations"
        super().__init__(f"{sku} has no reorder policy{where}", ("sku",))

"""A realistic small catalogue: apparel variants over a warehouse, two stores and a 3PL."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, timedelta

from api.services.container import Services
from domain.access import Principal, Role
from domain.catalogue import CreateLocation, CreateSku, LocationKind
from domain.channels import (
    ChannelKind,
    CreateChannel,
    RoutingPolicy,
    SetChannelLocations,
    SplitPolicy,
)
from domain.errors import DuplicateCode
from domain.listings import SafetyRules, UpsertListing
from domain.purchase_orders import CreatePurchaseOrder, OrderedLine
from domain.stock import StockReason
from domain.stock_commands import AdjustStock, ReceiveStock

DEMO_ACTOR = Principal("demo-loader", Role.ADMIN)

LOCATIONS = [
    CreateLocation("WH-MAIN", "Main warehouse", LocationKind.WAREHOUSE, 0, 52.37, 4.90),
    CreateLocation("STORE-CITY", "City centre store", LocationKind.STORE, 10, 52.36, 4.88),
    CreateLocation("STORE-MALL", "Mall store", LocationKind.STORE, 20, 52.31, 4.94),
    CreateLocation(
        "3PL-EAST", "East fulfilment partner", LocationKind.THIRD_PARTY_LOGISTICS, 30, 52.22, 6.89
    ),
]

CHANNELS = [
    (
        CreateChannel(
            "web",
            "Webstore",
            ChannelKind.WEBSTORE,
            routing=RoutingPolicy.PRIORITY,
            safety=SafetyRules(safety_units=1, low_stock_threshold=5),
        ),
        ("WH-MAIN", "STORE-CITY", "STORE-MALL"),
    ),
    (
        CreateChannel(
            "amazon",
            "Amazon marketplace",
            ChannelKind.MARKETPLACE,
            routing=RoutingPolicy.MOST_AVAILABLE,
            split=SplitPolicy.ALLOWED,
            safety=SafetyRules(safety_units=2, safety_basis_points=1000, low_stock_threshold=3),
        ),
        ("WH-MAIN", "3PL-EAST"),
    ),
    (CreateChannel("pos-city", "City store till", ChannelKind.POS), ("STORE-CITY",)),
]

PRODUCTS = [
    ("TEE", "Organic tee", ["BLK", "WHT", "NVY"], ["S", "M", "L", "XL"]),
    ("HOOD", "Heavyweight hoodie", ["GRY", "BLK"], ["S", "M", "L", "XL"]),
    ("SOCK", "Merino socks", ["BLK", "RED"], ["39-42", "43-46"]),
    ("CAP", "Six-panel cap", ["BLK", "OLV", "SND"], ["OS"]),
    ("MUG", "Enamel mug", ["WHT", "BLU"], ["OS"]),
]


def demo_skus() -> list[CreateSku]:
    skus: list[CreateSku] = []
    for index, (stem, name, colours, sizes) in enumerate(PRODUCTS):
        for colour in colours:
            for size in sizes:
                code = f"{stem}-{colour}" if size == "OS" else f"{stem}-{colour}-{size}"
                attributes = (
                    {"colour": colour} if size == "OS" else {"colour": colour, "size": size}
                )
                barcode = f"871{index:02d}{len(skus):07d}"
                skus.append(CreateSku(code, f"{name} {colour} {size}", barcode, attributes))
    return skus


def _external_sku(channel: str, sku: str) -> str:
    """Marketplaces have SKUs of their own; the webstore and the till use ours."""
    return f"AMZ-{sku.replace('-', '')}" if channel == "amazon" else sku


async def load_demo(services: Services, seed: int = 7) -> int:
    """Creates the demo locations, channels and catalogue with opening stock; returns how many
    SKUs it created."""
    rng = random.Random(seed)
    for location in LOCATIONS:
        with contextlib.suppress(DuplicateCode):
            await services.dispatch(location, DEMO_ACTOR)
    for channel, locations in CHANNELS:
        with contextlib.suppress(DuplicateCode):
            await services.dispatch(channel, DEMO_ACTOR)
            await services.dispatch(SetChannelLocations(channel.code, locations), DEMO_ACTOR)
    created = 0
    for sku in demo_skus():
        try:
            await services.dispatch(sku, DEMO_ACTOR)
        except DuplicateCode:
            continue
        created += 1
        for channel, _ in CHANNELS:
            await services.dispatch(
                UpsertListing(channel.code, sku.code, _external_sku(channel.code, sku.code)),
                DEMO_ACTOR,
            )
        for location in LOCATIONS:
            if rng.random() < 0.25:
                continue
            quantity = rng.randint(1, 40)
            await services.dispatch(
                ReceiveStock(
                    sku.code,
                    location.code,
                    quantity,
                    StockReason.OPENING_BALANCE,
                    "demo opening balance",
                    f"demo-open-{sku.code}-{location.code}",
                ),
                DEMO_ACTOR,
            )
            if rng.random() < 0.15:
                await services.dispatch(
                    AdjustStock(sku.code, location.code, 1, StockReason.DAMAGED, "demo"),
                    DEMO_ACTOR,
                )
    if created:
        await _expect_a_delivery(services)
        created += await _announce_a_pre_order(services)
    return created


BACKORDERED_ON_WEB = ("HOOD-BLK-M", "HOOD-BLK-L")


async def _expect_a_delivery(services: Services) -> None:
    """A purchase order due in ten days, which the webstore may pre-sell the hoodies of."""
    await services.dispatch(
        CreatePurchaseOrder(
            "Northwind Apparel",
            "WH-MAIN",
            datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
            + timedelta(days=10),
            tuple(OrderedLine(sku, 48) for sku in BACKORDERED_ON_WEB),
            reference="PO-DEMO-1",
            idempotency_key="demo-po-1",
        ),
        DEMO_ACTOR,
    )
    for sku in BACKORDERED_ON_WEB:
        await services.dispatch(
            UpsertListing("web", sku, sku, allow_backorder=True, backorder_limit=20), DEMO_ACTOR
        )


PRE_ORDER_SKU = CreateSku(
    "JKT-OLV-M", "Rain jacket OLV M", "871050000029", {"colour": "OLV", "size": "M"}
)


async def _announce_a_pre_order(services: Services) -> int:
    """A jacket with no stock yet, due in three weeks: the webstore sells it as a pre-order
    (so the demo store shows every state a badge has). Returns how many SKUs it created."""
    try:
        await services.dispatch(PRE_ORDER_SKU, DEMO_ACTOR)
    except DuplicateCode:
        return 0
    await services.dispatch(
        CreatePurchaseOrder(
            "Northwind Apparel",
            "WH-MAIN",
            datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
            + timedelta(days=21),
            (OrderedLine(PRE_ORDER_SKU.code, 30),),
            reference="PO-DEMO-2",
            idempotency_key="demo-po-2",
        ),
        DEMO_ACTOR,
    )
    await services.dispatch(
        UpsertListing(
            "web",
            PRE_ORDER_SKU.code,
            PRE_ORDER_SKU.code,
            allow_backorder=True,
            backorder_limit=25,
        ),
        DEMO_ACTOR,
    )
    return 1

"""The Mutation type, assembled from one module per area."""

from __future__ import annotations

import strawberry

from schema.mutations.access import AccessMutations
from schema.mutations.alerts import AlertMutations
from schema.mutations.bundles import BundleMutations
from schema.mutations.catalogue import CatalogueMutations
from schema.mutations.channels import ChannelMutations
from schema.mutations.cycle_counts import CycleCountMutations
from schema.mutations.listings import ListingMutations
from schema.mutations.purchase_orders import PurchaseOrderMutations
from schema.mutations.reorder import ReorderMutations
from schema.mutations.reservations import ReservationMutations
from schema.mutations.returns import ReturnMutations
from schema.mutations.stock import StockMutations
from schema.mutations.transfers import TransferMutations
from schema.mutations.webhooks import WebhookMutations


@strawberry.type
class Mutation(
    CatalogueMutations,
    StockMutations,
    ChannelMutations,
    ListingMutations,
    ReservationMutations,
    AlertMutations,
    PurchaseOrderMutations,
    TransferMutations,
    ReturnMutations,
    CycleCountMutations,
    BundleMutations,
    ReorderMutations,
    AccessMutations,
    WebhookMutations,
):
    pass

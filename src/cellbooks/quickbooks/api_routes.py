"""QuickBooks operations in the REST API: queue a sync of a purchase order or an invoice.

The registry imports this module by its dotted path when the API is built (``integration.py``),
after the document schemas exist; the inventory's API never imports it.
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from cellbooks.api.auth import company_of
from cellbooks.api.routers import Status
from cellbooks.api.routers.invoices import invoice_detail
from cellbooks.api.routers.purchase_orders import purchase_order_detail
from cellbooks.api.routers.returns import ReturnOut, VendorReturnOut, get_return, get_vendor_return
from cellbooks.api.schemas import InvoiceOut, PurchaseOrderOut, ok
from cellbooks.inventory.models import CustomerReturn, VendorReturn

from . import audit
from .models import SyncRequest
from .outbox import request_sync

router = Router(tags=["quickbooks"])


class SyncIn(Schema):
    action: Literal["push", "void", "move"] = Field(
        "push",
        description="push = create or update; void = void the QBO invoice or delete the QBO "
        "bill/PO (after voiding in Cellbooks); move = re-create a synced PO as the other QBO type "
        "after 'Sync POs to' changed",
    )


def _queue(request, kind: str, document, payload: SyncIn | None) -> None:
    action = payload.action if payload else SyncRequest.Action.PUSH
    request_sync(company=company_of(request), kind=kind, local_id=document.pk, action=action)
    audit.sync_requested(company=company_of(request), kind=kind, document=document, action=action)


@router.post("/invoices/{invoice_id}/sync", response=ok(InvoiceOut, status=202))
def sync_invoice(request, invoice_id: int, payload: SyncIn | None = None):
    """Queue this document for QuickBooks (202); its `quickbooks` status shows the outcome."""
    _queue(request, "invoice", invoice_detail(request, invoice_id), payload)
    return Status(202, invoice_detail(request, invoice_id))


@router.post("/purchase-orders/{purchase_order_id}/sync", response=ok(PurchaseOrderOut, status=202))
def sync_purchase_order(request, purchase_order_id: int, payload: SyncIn | None = None):
    """Queue this document for QuickBooks (202); its `quickbooks` status shows the outcome."""
    _queue(request, "purchase_order", purchase_order_detail(request, purchase_order_id), payload)
    return Status(202, purchase_order_detail(request, purchase_order_id))


@router.post("/returns/{return_id}/sync", response=ok(ReturnOut, status=202))
def sync_return(request, return_id: int, payload: SyncIn | None = None):
    """Queue this return for QuickBooks (202): a Credit Memo (applied to its invoice when its
    credit is), or a Refund Receipt. Its `quickbooks` status shows the outcome."""
    rma = CustomerReturn.objects.get_for_company_or_404(company_of(request), pk=return_id)
    _queue(request, "customer_return", rma, payload)
    return Status(202, get_return(request, return_id))


@router.post("/vendor-returns/{vendor_return_id}/sync", response=ok(VendorReturnOut, status=202))
def sync_vendor_return(request, vendor_return_id: int, payload: SyncIn | None = None):
    """Queue this vendor return for QuickBooks (202): a Vendor Credit (applied to its bill)."""
    rtv = VendorReturn.objects.get_for_company_or_404(company_of(request), pk=vendor_return_id)
    _queue(request, "vendor_return", rtv, payload)
    return Status(202, get_vendor_return(request, vendor_return_id))

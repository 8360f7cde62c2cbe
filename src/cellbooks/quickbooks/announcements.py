"""What QuickBooks tells the company's other systems (webhooks), through the core's event
catalogue: it never imports the events app, which listens to ``cellbooks.core.events``."""

from __future__ import annotations

from cellbooks.core.events import catalogue, publish
from cellbooks.core.money import CENT

from . import bindings, documents
from .links import qbo_record_url
from .models import SyncRequest

SOURCE = "QuickBooks"
SYNCED = {
    documents.INVOICE: "invoice.synced",
    documents.PURCHASE_ORDER: "purchase_order.synced",
    documents.CUSTOMER_RETURN: "return.synced",
    documents.VENDOR_RETURN: "vendor_return.synced",
}
FAILED = "sync.failed"


def register() -> None:
    catalogue.register(
        SYNCED[documents.INVOICE],
        "An invoice was sent to QuickBooks (created, updated, found there, or voided there).",
        source=SOURCE,
    )
    catalogue.register(
        SYNCED[documents.PURCHASE_ORDER],
        "A purchase order was sent to QuickBooks as a Bill or a Purchase Order.",
        source=SOURCE,
    )
    catalogue.register(
        SYNCED[documents.CUSTOMER_RETURN],
        "A customer return was sent to QuickBooks as a Credit Memo or a Refund Receipt.",
        source=SOURCE,
    )
    catalogue.register(
        SYNCED[documents.VENDOR_RETURN],
        "A vendor return was sent to QuickBooks as a Vendor Credit.",
        source=SOURCE,
    )
    catalogue.register(
        FAILED,
        "Sending a document to QuickBooks failed and needs a person: the error says why.",
        source=SOURCE,
    )


def _document(request: SyncRequest) -> dict:
    number = (
        documents.MODELS[request.kind]
        .objects.filter(company=request.company, pk=request.local_id)
        .values_list("number", flat=True)
        .first()
        if request.kind in documents.MODELS
        else None
    )
    return {"kind": request.kind, "id": request.local_id, "number": number}


def sync_settled(request: SyncRequest, *, outcome: str) -> None:
    """Announce a sync request that is done (``<kind>.synced``) or failed (``sync.failed``);
    called in the transaction that records it. What the event says is read only if someone
    subscribed to it (a bulk sync of thousands costs nothing more when nobody did)."""
    if request.kind not in SYNCED:
        return
    if request.status == SyncRequest.Status.DONE:
        publish(
            company=request.company,
            type=SYNCED[request.kind],
            data=lambda: _synced(request, outcome),
        )
    elif request.status == SyncRequest.Status.FAILED:
        publish(
            company=request.company,
            type=FAILED,
            data=lambda: {
                "document": _document(request),
                "action": request.action,
                "attempts": request.attempts,
                "error": request.last_error,
            },
        )


def _synced(request: SyncRequest, outcome: str) -> dict:
    binding = bindings.linked(company=request.company, kind=request.kind, local_id=request.local_id)
    quickbooks = None
    if binding is not None:
        quickbooks = {
            "entity": binding.qbo_entity,
            "id": binding.qbo_id,
            "doc_number": binding.qbo_doc_number or None,
            "total": str(binding.qbo_total.quantize(CENT))
            if binding.qbo_total is not None
            else None,
            "url": qbo_record_url(binding.qbo_entity, binding.qbo_id, binding.realm_id),
        }
    return {
        "document": _document(request),
        "action": request.action,
        "outcome": outcome,
        "quickbooks": quickbooks,
    }

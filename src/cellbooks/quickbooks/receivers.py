"""Inventory events that queue QuickBooks work (outbox rows written in the action's transaction).

- received / opened: synced automatically when the company turned on automatic sync;
- voided: a document already in QuickBooks is voided there (invoice) or deleted (bill, PO) — the
  void confirmation page says so before the user confirms;
- a payment typed (or deleted) in Cellbooks on an invoice that is in QuickBooks: the invoice is
  pushed again, and its push brings the payment along (payments_out.py).
"""

from django.dispatch import receiver

from cellbooks.inventory.models import Payment
from cellbooks.inventory.signals import document_event, payment_deleted, payment_recorded

from . import bindings, documents
from .models import Connection, IntegrationSettings, SyncRequest
from .outbox import request_sync


@receiver(document_event)
def queue_quickbooks_work(sender, company, kind, document, event, **kwargs):
    if kind not in documents.MODELS:
        return
    if event == "voided":
        if bindings.linked(company=company, kind=kind, local_id=document.pk):
            request_sync(
                company=company, kind=kind, local_id=document.pk, action=SyncRequest.Action.VOID
            )
        return
    connected = (
        Connection.objects.filter(company=company)
        .exclude(status=Connection.Status.NOT_CONNECTED)
        .exists()
    )
    if not connected:
        return
    automatic = IntegrationSettings.objects.filter(company=company, auto_sync=True).exists()
    if automatic or _follows_a_synced_document(company, kind, document):
        request_sync(company=company, kind=kind, local_id=document.pk)


def _follows_a_synced_document(company, kind: str, document) -> bool:
    """A return from an invoice (or against a PO) that is in QuickBooks goes there too, or
    QuickBooks' balance would no longer be Cellbooks'."""
    if kind == documents.CUSTOMER_RETURN:
        related = (documents.INVOICE, document.invoice_id)
    elif kind == documents.VENDOR_RETURN and document.purchase_order_id:
        related = (documents.PURCHASE_ORDER, document.purchase_order_id)
    else:
        return False
    return bindings.linked(company=company, kind=related[0], local_id=related[1]) is not None


@receiver(payment_recorded)
@receiver(payment_deleted)
def send_payments_typed_here(sender, company, invoice, payment, **kwargs):
    if payment.source != Payment.MANUAL:
        return
    if bindings.linked(company=company, kind=bindings.Kind.INVOICE, local_id=invoice.pk):
        request_sync(company=company, kind=bindings.Kind.INVOICE, local_id=invoice.pk)

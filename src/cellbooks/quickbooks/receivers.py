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

from . import bindings
from .models import Connection, IntegrationSettings, SyncRequest
from .outbox import request_sync


@receiver(document_event)
def queue_quickbooks_work(sender, company, kind, document, event, **kwargs):
    if event == "voided":
        if bindings.linked(company=company, kind=kind, local_id=document.pk):
            request_sync(
                company=company, kind=kind, local_id=document.pk, action=SyncRequest.Action.VOID
            )
        return
    automatic = IntegrationSettings.objects.filter(company=company, auto_sync=True).exists()
    connected = (
        Connection.objects.filter(company=company)
        .exclude(status=Connection.Status.NOT_CONNECTED)
        .exists()
    )
    if automatic and connected:
        request_sync(company=company, kind=kind, local_id=document.pk)


@receiver(payment_recorded)
@receiver(payment_deleted)
def send_payments_typed_here(sender, company, invoice, payment, **kwargs):
    if payment.source != Payment.MANUAL:
        return
    if bindings.linked(company=company, kind=bindings.Kind.INVOICE, local_id=invoice.pk):
        request_sync(company=company, kind=bindings.Kind.INVOICE, local_id=invoice.pk)

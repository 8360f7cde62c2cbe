"""Inventory events that queue QuickBooks work (an outbox row in the same transaction).

- received / opened: synced automatically when the company turned on automatic sync;
- voided: a document already in QuickBooks is voided there (invoice) or deleted (bill, PO) — the
  void confirmation page says so before the user confirms.
"""

from django.dispatch import receiver

from cellbooks.inventory.models import Invoice
from cellbooks.inventory.signals import document_event

from .models import Binding, Connection, IntegrationSettings, SyncRequest


@receiver(document_event)
def queue_quickbooks_work(sender, company, document, event, **kwargs):
    from .sync import request_sync

    kind = (
        SyncRequest.Kind.INVOICE
        if isinstance(document, Invoice)
        else SyncRequest.Kind.PURCHASE_ORDER
    )
    if event == "voided":
        if Binding.objects.filter(company=company, kind=kind, local_id=document.pk).exists():
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

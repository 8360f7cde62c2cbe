"""What happened, turned into events: the inventory's signals, and whatever another room publishes
through ``cellbooks.core.events.publish`` (QuickBooks' syncs). Each receiver runs inside the
action's transaction, so its events commit with the action; and in a savepoint that swallows its
own failure, so a webhook problem never fails a sale, a payment or a sync."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from cellbooks.core.events import catalogue, event_published
from cellbooks.inventory import selectors
from cellbooks.inventory.models import Invoice, InvoiceLine
from cellbooks.inventory.signals import (
    devices_sold,
    document_event,
    invoice_status_changed,
    payment_deleted,
    payment_recorded,
)

from . import payloads, services
from .catalogue import EVENT_PREFIX
from .models import Subscription

log = logging.getLogger(__name__)


def _record(company, make_events, *types: str) -> None:
    """Record the events ``make_events()`` builds, if any subscription wants one of ``types``;
    never let a failure here reach the action."""
    try:
        with transaction.atomic():  # a savepoint: a failure here rolls back only this
            wanted = services.wanted_types(company=company)
            if not wanted or (Subscription.ALL not in wanted and not wanted.intersection(types)):
                return
            services.record_events(company=company, events=make_events())
    except Exception:
        log.exception("Could not record %s events for company %s", "/".join(types), company.pk)


@receiver(event_published)
def announce(sender, company, type, data, **kwargs):  # noqa: A002 - the signal's argument
    _record(company, lambda: [(type, data() if callable(data) else data)], type)


@receiver(document_event)
def document_changed(sender, company, kind, document, event, **kwargs):
    """purchase_order.received, invoice.opened, return.completed, *.voided…"""
    prefix = EVENT_PREFIX.get(kind)
    name = f"{prefix}.{event}"
    if prefix is None or name not in catalogue:
        return

    def make():
        if kind == "purchase_order":
            total = selectors.purchase_order_total(purchase_order=document)
            data = payloads.purchase_order(document, total=total)
        else:
            data = PAYLOADS[kind](document)
        return [(name, data)]

    _record(company, make, name)


PAYLOADS = {
    "invoice": payloads.invoice,
    "customer_return": payloads.customer_return,
    "vendor_return": payloads.vendor_return,
}


@receiver(invoice_status_changed)
def invoice_paid(sender, company, invoice, previous, **kwargs):
    names = {
        Invoice.Status.PAID: "invoice.paid",
        Invoice.Status.PARTIALLY_PAID: "invoice.partially_paid",
    }
    if name := names.get(invoice.status):
        _record(company, lambda: [(name, payloads.invoice(invoice))], name)


@receiver(payment_recorded)
def payment_in(sender, company, invoice, payment, **kwargs):
    _record(company, lambda: [("payment.recorded", payloads.payment(payment))], "payment.recorded")


@receiver(payment_deleted)
def payment_out(sender, company, invoice, payment, **kwargs):
    _record(company, lambda: [("payment.deleted", payloads.payment(payment))], "payment.deleted")


@receiver(devices_sold)
def devices_gone(sender, company, invoice, device_ids, **kwargs):
    def make():
        lines = InvoiceLine.objects.filter(
            invoice=invoice, device_id__in=device_ids
        ).select_related("device__product", "device__condition", "invoice__customer")
        return [
            (
                "device.sold",
                payloads.sold_device(line.device, inv=invoice, unit_price=line.unit_price),
            )
            for line in lines.order_by("id")
        ]

    _record(company, make, "device.sold")

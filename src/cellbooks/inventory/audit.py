"""What the inventory writes in the company's activity log, from its own signals (sent inside the
service's transaction, so the entry commits with the action): documents received, opened,
completed and voided (POs, invoices, returns), payments recorded and deleted. Who did it is the
request's actor (``cellbooks.accounts.audit``); a payment an integration brought in is labelled
by it."""

from django.dispatch import receiver

from cellbooks.accounts.audit import Actor, describe, record
from cellbooks.core.integrations import registry

from .signals import document_event, payment_deleted, payment_recorded

describe(
    **{
        "purchase_order.received": "Received a purchase order",
        "purchase_order.voided": "Voided a purchase order",
        "invoice.opened": "Opened an invoice",
        "invoice.voided": "Voided an invoice",
        "customer_return.completed": "Completed a customer return",
        "customer_return.voided": "Voided a customer return",
        "vendor_return.completed": "Completed a vendor return",
        "vendor_return.voided": "Voided a vendor return",
        "payment.recorded": "Recorded a payment",
        "payment.deleted": "Deleted a payment",
    }
)

LABELS = {
    "invoice": "Invoice",
    "purchase_order": "Purchase order",
    "customer_return": "Return",
    "vendor_return": "Vendor return",
}
EVENT_WORDS = {
    "received": "Received",
    "opened": "Opened",
    "completed": "Completed",
    "voided": "Voided",
}


def _label(kind: str, document) -> str:
    return f"{LABELS.get(kind, kind)} {document.number}"


def _brought_by(payment) -> Actor | None:
    """A payment an integration brought in is its doing, whoever's request ran the import."""
    if payment.source and payment.source != payment.MANUAL:
        integration = registry.get(payment.source)
        return Actor(label=integration.name if integration else payment.source)
    return None


@receiver(document_event)
def record_document_event(sender, company, kind, document, event, **kwargs):
    record(
        company=company,
        action=f"{kind}.{event}",
        target_kind=kind,
        target_id=document.pk,
        target_label=_label(kind, document),
        summary=EVENT_WORDS.get(event, event.capitalize()),
    )


def _payment_words(payment) -> str:
    method = payment.get_method_display().lower() if payment.method else ""
    words = f"{payment.amount:,.2f}" + (f" by {method}" if method else "")
    if payment.reference:
        words += f", reference {payment.reference}"
    return words


@receiver(payment_recorded)
def record_payment_recorded(sender, company, invoice, payment, **kwargs):
    record(
        company=company,
        action="payment.recorded",
        target_kind="invoice",
        target_id=invoice.pk,
        target_label=_label("invoice", invoice),
        summary=f"Payment of {_payment_words(payment)} recorded",
        details={"payment": payment.pk, "amount": str(payment.amount), "source": payment.source},
        actor=_brought_by(payment),
    )


@receiver(payment_deleted)
def record_payment_deleted(sender, company, invoice, payment, **kwargs):
    record(
        company=company,
        action="payment.deleted",
        target_kind="invoice",
        target_id=invoice.pk,
        target_label=_label("invoice", invoice),
        summary=f"Payment of {_payment_words(payment)} deleted",
        details={"payment": payment.pk, "amount": str(payment.amount), "source": payment.source},
        actor=_brought_by(payment),
    )

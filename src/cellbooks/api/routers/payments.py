"""Payments recorded by hand against an invoice: create, list per invoice, read, delete."""

from ninja import Router

from cellbooks.api.auth import company_of
from cellbooks.api.schemas import PaymentCreate, PaymentOut, created, ok
from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Invoice, Payment

from . import IdPath, Status

router = Router(tags=["payments"])
InvoiceId = IdPath("invoice")
PaymentId = IdPath("payment")


@router.get("/invoices/{invoice_id}/payments", response=ok(list[PaymentOut]))
def list_payments(request, invoice_id: InvoiceId):
    """Oldest first; those brought in by an integration say so in `source`."""
    invoice = Invoice.objects.get_for_company_or_404(company_of(request), pk=invoice_id)
    return selectors.invoice_payments(invoice=invoice)


@router.post("/invoices/{invoice_id}/payments", response=created(PaymentOut, conflict=True))
def create_payment(request, invoice_id: InvoiceId, payload: PaymentCreate):
    """Record a payment on an open or partially paid invoice (409 otherwise); the invoice's status
    and balance follow. More than the balance due is refused (422)."""
    invoice = Invoice.objects.get_for_company_or_404(company_of(request), pk=invoice_id)
    return Status(201, services.record_payment(invoice=invoice, **payload.dict()))


@router.get("/payments/{payment_id}", response=ok(PaymentOut))
def get_payment(request, payment_id: PaymentId):
    return Payment.objects.get_for_company_or_404(company_of(request), pk=payment_id)


@router.delete("/payments/{payment_id}", response=ok(None, status=204, conflict=True))
def delete_payment(request, payment_id: PaymentId):
    """Remove a payment typed by mistake; the balance reopens. A payment an integration brought in
    (e.g. from QuickBooks) is changed there, not here (409)."""
    payment = Payment.objects.get_for_company_or_404(company_of(request), pk=payment_id)
    services.delete_payment(payment=payment)
    return Status(204, None)

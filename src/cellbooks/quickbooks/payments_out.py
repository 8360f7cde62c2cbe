"""Payments recorded in Cellbooks go to QuickBooks with their invoice.

Each payment typed in Cellbooks on an invoice that is in QuickBooks becomes one QBO Payment for
the invoice's customer, linked to the QBO invoice (so QBO's balance is Cellbooks' balance due);
deleting it in Cellbooks deletes it there. The invoice's push carries them (exporters.py), so an
invoice paid in Cellbooks before it was ever synced reaches QuickBooks paid, and a push that cannot
bring its payments along fails with the reason instead of being silently partial.

Exactly once, like documents: the link is committed the moment QBO answers, a create is marked
"sent" on the link before it goes out, and a payment whose create may have been lost is looked for
by its marker before another create.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cellbooks.inventory.models import Invoice, Payment

from . import bindings, mapping, records
from .client import QBOClient, quote, requestid_for
from .errors import NotFoundError, PermanentError
from .partners import PartnerResolver

KIND = bindings.Kind.PAYMENT
REFERENCE_MAX = 21  # QBO's PaymentRefNum
ORPHAN_CLOCK_SKEW = timedelta(minutes=10)


def payment_payload(
    *, payment: Payment, invoice: Invoice, customer_ref: dict, invoice_id: str, company_key: str
) -> dict:
    note = (
        f"Cellbooks payment on invoice {invoice.number} "
        f"{mapping.record_marker(company_key, KIND, payment.pk)}"
    )
    payload = {
        "CustomerRef": customer_ref,
        "TotalAmt": payment.amount,
        "TxnDate": payment.date.isoformat(),
        "PrivateNote": note,
        "Line": [
            {
                "Amount": payment.amount,
                "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}],
            }
        ],
    }
    if payment.reference:
        payload["PaymentRefNum"] = payment.reference[:REFERENCE_MAX]
    return payload


class PaymentExporter:
    def __init__(self, *, company, client: QBOClient, partners: PartnerResolver):
        self.company = company
        self.client = client
        self.partners = partners

    def push(self, invoice: Invoice) -> list[str]:
        """Make QBO hold exactly the invoice's Cellbooks payments; return what was done."""
        invoice_binding = bindings.linked(
            company=self.company, kind=bindings.Kind.INVOICE, local_id=invoice.pk
        )
        if invoice_binding is None or invoice_binding.remote_state:
            return []
        typed_here = list(invoice.payments.filter(source=Payment.MANUAL).order_by("date", "pk"))
        linked = {
            binding.local_id: binding
            for binding in bindings.linked_children(
                company=self.company, kind=KIND, parent_local_id=invoice.pk
            )
        }
        notes = []
        for payment in typed_here:
            if payment.pk not in linked:
                notes.append(self._create(payment, invoice, invoice_binding.qbo_id))
        still_here = {payment.pk for payment in typed_here}
        for local_id, binding in linked.items():
            if local_id not in still_here:
                notes.append(self._delete(binding))
        return notes

    def _create(self, payment: Payment, invoice: Invoice, invoice_qbo_id: str) -> str:
        customer_ref = self.partners.ref(invoice.customer, bindings.Kind.CUSTOMER)
        payload = payment_payload(
            payment=payment,
            invoice=invoice,
            customer_ref=customer_ref,
            invoice_id=invoice_qbo_id,
            company_key=self.company.slug,
        )
        pending = bindings.pending_create(company=self.company, kind=KIND, local_id=payment.pk)
        if pending is not None:
            orphan = self._find_orphan(payment, customer_ref, pending.create_sent_at)
            if orphan is not None:
                self._link(payment, invoice, orphan)
                return f"Found payment {orphan['Id']} of {payment.amount:,.2f} in QuickBooks and linked it."
        requestid = requestid_for(
            company_id=self.company.pk,
            kind=KIND,
            local_id=payment.pk,
            version="payment",
            extra=f"-c{bindings.creations(company=self.company, kind=KIND, local_id=payment.pk)}",
        )
        bindings.note_create_sent(
            company=self.company,
            kind=KIND,
            local_id=payment.pk,
            realm_id=self.client.realm_id,
            qbo_entity="Payment",
            parent_local_id=invoice.pk,
        )
        try:
            created = self.client.create("Payment", payload, requestid=requestid)
        except PermanentError:
            bindings.note_create_refused(company=self.company, kind=KIND, local_id=payment.pk)
            raise
        self._link(payment, invoice, created)
        return f"Recorded the payment of {payment.amount:,.2f} in QuickBooks (payment {created['Id']})."

    def _link(self, payment: Payment, invoice: Invoice, record: dict) -> None:
        bindings.bind(
            company=self.company,
            kind=KIND,
            local_id=payment.pk,
            realm_id=self.client.realm_id,
            entity=record,
            qbo_entity="Payment",
            created=True,
            parent_local_id=invoice.pk,
        )

    def _find_orphan(self, payment: Payment, customer_ref: dict, sent_at) -> dict | None:
        tag = mapping.record_marker(self.company.slug, KIND, payment.pk)
        since = records.qbo_time((sent_at or timezone.now()) - ORPHAN_CLOCK_SKEW)
        where = f"CustomerRef = {quote(customer_ref['value'])} AND MetaData.CreateTime >= {quote(since)}"
        for row in self.client.query_all("Payment", where):
            if tag in (row.get("PrivateNote") or ""):
                return row
        return None

    def _delete(self, binding) -> str:
        """The payment was deleted in Cellbooks: delete its QBO payment too."""
        try:
            current = self.client.read("Payment", binding.qbo_id)
        except NotFoundError:
            bindings.unlink(binding)
            return f"Payment {binding.qbo_id} was already gone from QuickBooks."
        self.client.delete(
            "Payment",
            binding.qbo_id,
            current["SyncToken"],
            requestid=requestid_for(
                company_id=self.company.pk,
                kind=KIND,
                local_id=binding.local_id,
                version="delete",
                extra=f"-{current['SyncToken']}",
            ),
        )
        qbo_id = binding.qbo_id
        bindings.unlink(binding)
        return f"Deleted payment {qbo_id} in QuickBooks (it was deleted in Cellbooks)."

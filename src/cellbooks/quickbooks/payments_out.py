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

from cellbooks.inventory.models import Invoice, Payment

from . import bindings, mapping
from .client import QBOClient
from .creates import create_once, delete_linked
from .partners import PartnerResolver

KIND = bindings.Kind.PAYMENT
REFERENCE_MAX = 21  # QBO's PaymentRefNum


def payment_payload(
    *, payment: Payment, invoice: Invoice, customer_ref: dict, invoice_id: str, company_key: str
) -> dict:
    note = (
        f"Cellbooks payment on {invoice.number} — keep this line: it links this payment to "
        f"Cellbooks {mapping.record_marker(company_key, KIND, payment.pk)}"
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
        self._nothing_to_do: set[int] = set()

    def prime(self, invoice_ids) -> None:
        """Find out at once (two queries) which of these invoices have no payment typed in
        Cellbooks and none in QuickBooks: their next ``push`` asks nothing more. Call it just
        before pushing them (a bulk sync, a chunk of just-created invoices)."""
        ids = set(invoice_ids)
        typed = Payment.objects.filter(
            company=self.company, invoice_id__in=ids, source=Payment.MANUAL
        ).values_list("invoice_id", flat=True)
        pushed = bindings.parents_with_children(
            company=self.company, kind=KIND, parent_local_ids=ids
        )
        self._nothing_to_do = ids - set(typed) - pushed

    def push(self, invoice: Invoice) -> list[str]:
        """Make QBO hold exactly the invoice's Cellbooks payments; return what was done."""
        if invoice.pk in self._nothing_to_do:
            self._nothing_to_do.discard(invoice.pk)  # primed for this push only
            return []
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
        record, created = create_once(
            client=self.client,
            company=self.company,
            kind=KIND,
            local_id=payment.pk,
            qbo_entity="Payment",
            payload=payment_payload(
                payment=payment,
                invoice=invoice,
                customer_ref=customer_ref,
                invoice_id=invoice_qbo_id,
                company_key=self.company.slug,
            ),
            party=("CustomerRef", customer_ref["value"]),
            tag=mapping.record_marker(self.company.slug, KIND, payment.pk),
            parent_local_id=invoice.pk,
        )
        if not created:
            return f"Found payment {record['Id']} of {payment.amount:,.2f} in QuickBooks and linked it."
        return (
            f"Recorded the payment of {payment.amount:,.2f} in QuickBooks (payment {record['Id']})."
        )

    def _delete(self, binding) -> str:
        """The payment was deleted in Cellbooks: delete its QBO payment too."""
        qbo_id = binding.qbo_id
        if not delete_linked(self.client, binding):
            return f"Payment {qbo_id} was already gone from QuickBooks."
        return f"Deleted payment {qbo_id} in QuickBooks (it was deleted in Cellbooks)."

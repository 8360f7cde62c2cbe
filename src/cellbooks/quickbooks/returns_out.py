"""A return's credit, applied the way QuickBooks applies credits.

- A customer return whose credit is applied to its invoice: besides its CreditMemo, a QBO Payment
  of 0 that links the invoice and the credit memo for the return's total — QuickBooks' "apply
  credit" — so the invoice's Balance drops by exactly the credit, as Cellbooks' balance due does.
  (Kept as the customer's credit: the credit memo stays open. Refunded: a RefundReceipt, nothing to
  apply.)
- A vendor return against a purchase order synced as a Bill: besides its VendorCredit, a
  BillPayment of 0 linking the bill and the vendor credit.

Each application is created once (creates.py) and linked to the return (kinds
``credit_application`` and ``vendor_credit_application``); voiding the return deletes it first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import bindings, documents, mapping
from .creates import create_once, delete_linked
from .errors import PermanentError

if TYPE_CHECKING:  # the exporter owns this object; imported for type hints only
    from .exporters import Exporter

APPLICATION = {
    documents.CUSTOMER_RETURN: bindings.Kind.CREDIT_APPLICATION,
    documents.VENDOR_RETURN: bindings.Kind.VENDOR_CREDIT_APPLICATION,
}


class CreditApplications:
    def __init__(self, *, exporter: Exporter):
        self.exporter = exporter
        self.company = exporter.company
        self.client = exporter.client

    def apply(self, document) -> list[str]:
        kind = documents.kind_of(document)
        credit = bindings.linked(company=self.company, kind=kind, local_id=document.pk)
        if credit is None or credit.remote_state:
            return []
        application_kind = APPLICATION[kind]
        if bindings.linked(company=self.company, kind=application_kind, local_id=document.pk):
            return []  # applied already
        if kind == documents.CUSTOMER_RETURN and credit.qbo_entity == "CreditMemo":
            if document.credit != "apply":
                return []
            return self._apply_credit_memo(document, credit)
        if kind == documents.VENDOR_RETURN and document.purchase_order_id:
            return self._apply_vendor_credit(document, credit)
        return []

    def _apply_credit_memo(self, rma, credit) -> list[str]:
        invoice = bindings.linked(
            company=self.company, kind=bindings.Kind.INVOICE, local_id=rma.invoice_id
        )
        if invoice is None or invoice.remote_state:
            raise PermanentError(
                f"Invoice {rma.invoice.number} is not in QuickBooks, so the credit cannot be "
                "applied to it there.",
                hint=f"Sync invoice {rma.invoice.number} first, then sync this return again.",
            )
        customer_ref = self.exporter.partners.ref(rma.customer, bindings.Kind.CUSTOMER)
        tag = mapping.record_marker(
            self.company.slug, APPLICATION[documents.CUSTOMER_RETURN], rma.pk
        )
        record, _ = create_once(
            client=self.client,
            company=self.company,
            kind=APPLICATION[documents.CUSTOMER_RETURN],
            local_id=rma.pk,
            qbo_entity="Payment",
            payload=mapping.credit_application_payload(
                customer_ref=customer_ref,
                invoice_id=invoice.qbo_id,
                credit_memo_id=credit.qbo_id,
                amount=rma.total,
                note=f"Cellbooks return {rma.number} applied to {rma.invoice.number} — keep this "
                f"line: it links this payment to Cellbooks {tag}",
            ),
            party=("CustomerRef", customer_ref["value"]),
            tag=tag,
            parent_local_id=rma.pk,
        )
        return [
            f"Applied the credit of {rma.total:,.2f} to invoice {rma.invoice.number} in QuickBooks."
        ]

    def _apply_vendor_credit(self, rtv, credit) -> list[str]:
        bill = bindings.linked(
            company=self.company, kind=bindings.Kind.PURCHASE_ORDER, local_id=rtv.purchase_order_id
        )
        if bill is None or bill.remote_state:
            raise PermanentError(
                f"Purchase order {rtv.purchase_order.number} is not in QuickBooks, so the credit "
                "cannot be applied to its bill there.",
                hint=f"Sync purchase order {rtv.purchase_order.number} first, then sync this "
                "vendor return again.",
            )
        if bill.qbo_entity != "Bill":
            return [
                f"Purchase order {rtv.purchase_order.number} is a QuickBooks purchase order, not a "
                "bill: the vendor credit stays open in QuickBooks."
            ]
        vendor_ref = self.exporter.partners.ref(rtv.vendor, bindings.Kind.VENDOR)
        tag = mapping.record_marker(self.company.slug, APPLICATION[documents.VENDOR_RETURN], rtv.pk)
        create_once(
            client=self.client,
            company=self.company,
            kind=APPLICATION[documents.VENDOR_RETURN],
            local_id=rtv.pk,
            qbo_entity="BillPayment",
            payload=mapping.vendor_credit_application_payload(
                vendor_ref=vendor_ref,
                bill_id=bill.qbo_id,
                vendor_credit_id=credit.qbo_id,
                amount=rtv.total,
                bank_ref=self.exporter.bank_account_ref(),
                note=f"Cellbooks vendor return {rtv.number} applied to the bill of "
                f"{rtv.purchase_order.number} — keep this line: it links this payment to "
                f"Cellbooks {tag}",
            ),
            party=("VendorRef", vendor_ref["value"]),
            tag=tag,
            parent_local_id=rtv.pk,
        )
        return [
            f"Applied the vendor credit of {rtv.total:,.2f} to the bill of "
            f"{rtv.purchase_order.number} in QuickBooks."
        ]

    def unapply(self, document) -> None:
        """Before a credit goes (its return was voided): remove its application."""
        kind = documents.kind_of(document)
        application = bindings.linked(
            company=self.company, kind=APPLICATION[kind], local_id=document.pk
        )
        if application is not None:
            delete_linked(self.client, application)

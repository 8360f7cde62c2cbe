"""The reconciler: makes Cellbooks' invoices match QuickBooks, the book of record for payments on a
synced invoice.

Every method reads the *current* state from QBO (or takes the record a CDC response already holds)
and converges Cellbooks to it, so an event that is replayed, late or out of order changes nothing
that is already true. Its callers are in inbound.py (webhook events, the CDC sweep).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cellbooks.inventory import services as inventory
from cellbooks.inventory.models import Invoice, Payment

from . import bindings, mapping
from .client import QBOClient
from .errors import NotFoundError
from .models import Connection, RemotePayment
from .records import is_voided, money

log = logging.getLogger(__name__)

SOURCE = "quickbooks"  # the ``source`` of payments brought in from QuickBooks
DOCUMENTS_KEPT_AS_SENT = ("Bill", "PurchaseOrder", "CreditMemo", "RefundReceipt", "VendorCredit")
METHODS = {
    "cash": Payment.Method.CASH,
    "check": Payment.Method.CHECK,
    "credit card": Payment.Method.CARD,
    "visa": Payment.Method.CARD,
    "mastercard": Payment.Method.CARD,
    "american express": Payment.Method.CARD,
}


class Reconciler:
    """Converges one company's Cellbooks payments and invoice states to one realm's QBO state."""

    def __init__(self, connection: Connection, client: QBOClient):
        self.connection = connection
        self.company = connection.company
        self.client = client
        self.realm_id = connection.realm_id
        self.done_payments: set[str] = set()
        self.touched_invoices: set[int] = set()
        self.notes: list[str] = []

    # ---- payments --------------------------------------------------------------------------
    def payment(self, qbo_id: str, entity: dict | None = None, *, deleted: bool = False) -> None:
        """Make Cellbooks' rows for QBO payment ``qbo_id`` match QBO (read unless given)."""
        if qbo_id in self.done_payments:
            return
        self.done_payments.add(qbo_id)
        ours = bindings.for_qbo_record(
            company=self.company, realm_id=self.realm_id, qbo_entity="Payment", qbo_id=qbo_id
        )
        if ours is not None:
            # Made by Cellbooks from a payment typed here (payments_out.py): Cellbooks' row is the
            # original. Only note that QuickBooks deleted or voided it.
            if deleted or (entity and is_voided(entity)):
                bindings.mark_remote_state(
                    ours, bindings.RemoteState.DELETED if deleted else bindings.RemoteState.VOIDED
                )
            return
        if entity is None and not deleted:
            try:
                entity = self.client.read("Payment", qbo_id)
            except NotFoundError:
                deleted = True
        if entity is not None and self._made_by_cellbooks(entity):
            # Made by Cellbooks, its answer not linked yet (lost, or the push still running): the
            # push links it by this marker. Taking it for a customer's payment would count the
            # money twice.
            return
        applied: dict[str, Decimal] = defaultdict(Decimal)
        state = "deleted" if deleted else ("voided" if entity and is_voided(entity) else "active")
        if state == "active":
            for line in entity.get("Line", []) or []:
                for link in line.get("LinkedTxn", []) or []:
                    if link.get("TxnType") == "Invoice":
                        applied[str(link["TxnId"])] += money(line.get("Amount"))
        bound = bindings.by_qbo_ids(
            company=self.company,
            realm_id=self.realm_id,
            kind=bindings.Kind.INVOICE,
            qbo_ids=applied,
        )
        unknown = {txn: amount for txn, amount in applied.items() if txn not in bound}
        if unknown:
            log.info(
                "QBO payment %s applies %s to invoices Cellbooks does not know; ignored",
                qbo_id,
                unknown,
            )
        self._remember(qbo_id, entity, state, sum(unknown.values(), Decimal("0.00")))
        # Invoices that hold a row for this payment now, plus those it applies to in QBO.
        invoice_ids = set(
            Payment.objects.filter(
                company=self.company, source=SOURCE, external_id=qbo_id
            ).values_list("invoice_id", flat=True)
        )
        invoice_ids |= {b.local_id for b in bound.values()}
        wanted = {bound[txn].local_id: amount for txn, amount in applied.items() if txn in bound}
        for invoice_id in sorted(invoice_ids):
            self._apply(invoice_id, qbo_id, wanted.get(invoice_id), entity)

    def _made_by_cellbooks(self, entity: dict) -> bool:
        """A QBO record whose PrivateNote carries this company's marker: Cellbooks made it."""
        found = mapping.parse_marker(entity.get("PrivateNote") or "")
        return found is not None and found[0] == self.company.slug

    def _remember(self, qbo_id: str, entity: dict | None, state: str, elsewhere: Decimal) -> None:
        defaults = {
            "company": self.company,
            "state": state,
            "applied_elsewhere": elsewhere,
            "seen_at": timezone.now(),
        }
        if entity:
            defaults.update(
                total=money(entity.get("TotalAmt")),
                unapplied=money(entity.get("UnappliedAmt")),
                txn_date=entity.get("TxnDate") or None,
                reference=(entity.get("PaymentRefNum") or "")[:100],
                last_updated=(entity.get("MetaData") or {}).get("LastUpdatedTime", "")[:40],
            )
        RemotePayment.objects.update_or_create(
            realm_id=self.realm_id, qbo_id=qbo_id, defaults=defaults
        )

    def _apply(
        self, invoice_id: int, qbo_id: str, amount: Decimal | None, entity: dict | None
    ) -> None:
        """One invoice's row for one QBO payment: create, change or remove it."""
        self.touched_invoices.add(invoice_id)
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().get(pk=invoice_id, company=self.company)
            rows = list(invoice.payments.filter(source=SOURCE, external_id=qbo_id))
            if len(rows) == 1 and amount is not None and rows[0].amount == amount:
                return  # already true
            for row in rows:
                inventory.delete_payment(payment=row, on_behalf_of=SOURCE)
            if amount is None or amount <= 0:
                return
            invoice.refresh_from_db()
            try:
                inventory.record_payment(
                    invoice=invoice,
                    amount=amount,
                    date=entity.get("TxnDate") or None,
                    method=self._method(entity),
                    reference=(entity.get("PaymentRefNum") or "")[:100],
                    source=SOURCE,
                    external_id=qbo_id,
                )
            except ValidationError as exc:
                # E.g. the Cellbooks invoice was changed and not re-synced, so QBO's payment no longer
                # fits: keep what QBO said visible instead of guessing.
                note = f"QuickBooks payment {qbo_id} of ${amount:,.2f} could not be applied to {invoice}: {' '.join(exc.messages)}"
                self.notes.append(note)
                log.warning(note)

    @staticmethod
    def _method(entity: dict) -> str:
        name = ((entity.get("PaymentMethodRef") or {}).get("name") or "").strip().lower()
        return METHODS.get(name, Payment.Method.OTHER)

    # ---- invoices, bills, purchase orders -----------------------------------------------------
    def invoice(self, qbo_id: str, entity: dict | None = None, *, deleted: bool = False) -> None:
        binding = bindings.for_qbo_record(
            company=self.company, realm_id=self.realm_id, qbo_entity="Invoice", qbo_id=qbo_id
        )
        if binding is None:
            return  # not ours
        if entity is None and not deleted:
            try:
                entity = self.client.read("Invoice", qbo_id)
            except NotFoundError:
                deleted = True
        if deleted:
            bindings.mark_deleted_in_qbo(
                company=self.company, realm_id=self.realm_id, qbo_entity="Invoice", qbo_id=qbo_id
            )
            return
        # Payments it lists, and payments Cellbooks holds for it that it no longer lists.
        listed = {
            str(link["TxnId"])
            for link in entity.get("LinkedTxn", []) or []
            if link.get("TxnType") == "Payment"
        }
        held = set(
            Payment.objects.filter(invoice_id=binding.local_id, source=SOURCE).values_list(
                "external_id", flat=True
            )
        )
        for payment_id in sorted(listed | held):
            self.payment(payment_id)
        bindings.remember_invoice_state(
            binding,
            voided=is_voided(entity),
            balance=entity.get("Balance"),
            total=entity.get("TotalAmt"),
            sync_token=str(entity.get("SyncToken", "")),
        )

    def document(
        self, entity_name: str, qbo_id: str, entity: dict | None = None, *, deleted: bool
    ) -> None:
        """Bills, purchase orders, credit memos, refund receipts, vendor credits: Cellbooks keeps
        them as they were sent; what matters is whether QBO deleted or voided one of ours."""
        binding = bindings.for_qbo_record(
            company=self.company, realm_id=self.realm_id, qbo_entity=entity_name, qbo_id=qbo_id
        )
        if binding is None:
            return
        if deleted:
            bindings.mark_deleted_in_qbo(
                company=self.company, realm_id=self.realm_id, qbo_entity=entity_name, qbo_id=qbo_id
            )
        elif entity is not None and is_voided(entity):
            bindings.mark_remote_state(binding, bindings.RemoteState.VOIDED)

    def change(self, entity_name: str, qbo_id: str, operation: str) -> None:
        operation = operation.lower()
        deleted = operation in ("delete", "deleted")
        if entity_name == "Payment":
            self.payment(qbo_id, deleted=deleted)
        elif entity_name == "Invoice":
            self.invoice(qbo_id, deleted=deleted)
        elif entity_name in DOCUMENTS_KEPT_AS_SENT:
            entity = None
            if operation in ("void", "voided"):
                try:
                    entity = self.client.read(entity_name, qbo_id)
                except NotFoundError:
                    deleted = True
            self.document(entity_name, qbo_id, entity, deleted=deleted)

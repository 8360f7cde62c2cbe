"""The return path: make Cellbooks' invoices match QuickBooks, the book of record for payments on a
synced invoice.

Every handler reads the *current* state from QBO and converges Cellbooks to it, so an event that is
replayed, late or out of order changes nothing that is already true. Sources of work:
  - webhook events (webhooks.py stores them; ``process_events`` applies them);
  - the change-data-capture sweep (``sweep_connection``), which also catches everything a missed
    webhook would have said, and notices synced documents deleted or voided in QBO.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cellbooks.inventory import services as inventory
from cellbooks.inventory.models import Invoice, Payment

from .api import QBOClient
from .config import QBOConfig
from .errors import AuthorizationLostError, NotFoundError, QBOError
from .models import Binding, Connection, RemotePayment, WebhookEvent

log = logging.getLogger(__name__)

CDC_ENTITIES = ["Payment", "Invoice", "Bill", "PurchaseOrder"]
CDC_MAX_AGE = timedelta(days=30)
CDC_OVERLAP = timedelta(
    minutes=2
)  # re-read a little before the checkpoint: clocks and commits race
CDC_PAGE_LIMIT = 1000
METHODS = {
    "cash": Payment.Method.CASH,
    "check": Payment.Method.CHECK,
    "credit card": Payment.Method.CARD,
    "visa": Payment.Method.CARD,
    "mastercard": Payment.Method.CARD,
    "american express": Payment.Method.CARD,
}


def _money(value) -> Decimal:
    return Decimal(str(value if value is not None else "0")).quantize(Decimal("0.01"))


def is_voided(entity: dict) -> bool:
    return (entity.get("PrivateNote") or "").startswith("Voided")


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
        if entity is None and not deleted:
            try:
                entity = self.client.read("Payment", qbo_id)
            except NotFoundError:
                deleted = True
        applied: dict[str, Decimal] = defaultdict(Decimal)
        state = "deleted" if deleted else ("voided" if entity and is_voided(entity) else "active")
        if state == "active":
            for line in entity.get("Line", []) or []:
                for link in line.get("LinkedTxn", []) or []:
                    if link.get("TxnType") == "Invoice":
                        applied[str(link["TxnId"])] += _money(line.get("Amount"))
        bound = {
            b.qbo_id: b
            for b in Binding.objects.filter(
                company=self.company,
                realm_id=self.realm_id,
                kind=Binding.Kind.INVOICE,
                qbo_id__in=list(applied),
            )
        }
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
            Payment.objects.filter(company=self.company, qbo_payment_id=qbo_id).values_list(
                "invoice_id", flat=True
            )
        )
        invoice_ids |= {b.local_id for b in bound.values()}
        wanted = {bound[txn].local_id: amount for txn, amount in applied.items() if txn in bound}
        for invoice_id in sorted(invoice_ids):
            self._apply(invoice_id, qbo_id, wanted.get(invoice_id), entity)

    def _remember(self, qbo_id: str, entity: dict | None, state: str, elsewhere: Decimal) -> None:
        defaults = {
            "company": self.company,
            "state": state,
            "applied_elsewhere": elsewhere,
            "seen_at": timezone.now(),
        }
        if entity:
            defaults.update(
                total=_money(entity.get("TotalAmt")),
                unapplied=_money(entity.get("UnappliedAmt")),
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
            rows = list(invoice.payments.filter(qbo_payment_id=qbo_id))
            if len(rows) == 1 and amount is not None and rows[0].amount == amount:
                return  # already true
            for row in rows:
                inventory.delete_payment(payment=row)
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
                    source=Payment.Source.QUICKBOOKS,
                    qbo_payment_id=qbo_id,
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
        binding = Binding.objects.filter(
            company=self.company,
            realm_id=self.realm_id,
            kind=Binding.Kind.INVOICE,
            qbo_entity="Invoice",
            qbo_id=qbo_id,
        ).first()
        if binding is None:
            return  # not ours
        if entity is None and not deleted:
            try:
                entity = self.client.read("Invoice", qbo_id)
            except NotFoundError:
                deleted = True
        if deleted:
            Binding.objects.filter(pk=binding.pk).update(remote_state="deleted", qbo_balance=None)
            return
        # Payments it lists, and payments Cellbooks holds for it that it no longer lists.
        listed = {
            str(link["TxnId"])
            for link in entity.get("LinkedTxn", []) or []
            if link.get("TxnType") == "Payment"
        }
        held = set(
            Payment.objects.filter(
                invoice_id=binding.local_id, source=Payment.Source.QUICKBOOKS
            ).values_list("qbo_payment_id", flat=True)
        )
        for payment_id in sorted(listed | held):
            self.payment(payment_id)
        Binding.objects.filter(pk=binding.pk).update(
            remote_state="voided" if is_voided(entity) else "",
            qbo_balance=_money(entity.get("Balance")),
            qbo_total=_money(entity.get("TotalAmt")),
            sync_token=str(entity.get("SyncToken", binding.sync_token)),
        )

    def purchase(self, entity_name: str, qbo_id: str, *, deleted: bool) -> None:
        """Bills and purchase orders: only their deletion matters to Cellbooks."""
        if deleted:
            Binding.objects.filter(
                company=self.company, realm_id=self.realm_id, qbo_entity=entity_name, qbo_id=qbo_id
            ).update(remote_state="deleted")

    def change(self, entity_name: str, qbo_id: str, operation: str) -> None:
        deleted = operation.lower() in ("delete", "deleted")
        if entity_name == "Payment":
            self.payment(qbo_id, deleted=deleted)
        elif entity_name == "Invoice":
            self.invoice(qbo_id, deleted=deleted)
        elif entity_name in ("Bill", "PurchaseOrder"):
            self.purchase(entity_name, qbo_id, deleted=deleted)


# ---- webhook events --------------------------------------------------------------------------
def process_events(event_ids: list[int], *, config: QBOConfig | None = None) -> int:
    """Apply stored webhook events, grouped by realm, oldest first. Returns how many were applied."""
    events = list(
        WebhookEvent.objects.filter(pk__in=event_ids, status=WebhookEvent.Status.RECEIVED).order_by(
            "received_at", "pk"
        )
    )
    by_realm: dict[str, list[WebhookEvent]] = defaultdict(list)
    for event in events:
        by_realm[event.realm_id].append(event)
    applied = 0
    for realm_id, realm_events in by_realm.items():
        for connection in Connection.objects.select_related("company").filter(
            realm_id=realm_id, status=Connection.Status.CONNECTED
        ):
            applied += _apply_events(connection, realm_events, config)
    return applied


def _apply_events(connection: Connection, events: list[WebhookEvent], config) -> int:
    with QBOClient(connection, config=config) as client:
        reconciler = Reconciler(connection, client)
        applied = 0
        for event in events:
            try:
                reconciler.change(event.entity, event.entity_id, event.operation)
            except AuthorizationLostError:
                return (
                    applied  # paused: the events stay "received" and are applied after reconnecting
                )
            except QBOError as exc:
                WebhookEvent.objects.filter(pk=event.pk).update(
                    status=WebhookEvent.Status.FAILED,
                    error=str(exc)[:2000],
                    processed_at=timezone.now(),
                )
                continue
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now()
            )
            applied += 1
    return applied


# ---- change-data-capture sweep -----------------------------------------------------------------
def _qbo_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sweep_connection(
    connection: Connection, *, config: QBOConfig | None = None, now: datetime | None = None
) -> str:
    """Catch up on every Payment/Invoice/Bill/PurchaseOrder change since the checkpoint.

    1. Since = checkpoint − overlap (first run: the connection time; never older than 30 days for CDC).
    2. Within 30 days: one CDC call. A block that comes back with 1000 objects may be cut short, so
       that entity is re-read by a paged query on MetaData.LastUpdatedTime, which has no cap.
    3. Beyond 30 days (Cellbooks was off that long): paged queries on MetaData.LastUpdatedTime.
    4. Apply every change through the Reconciler; the new checkpoint is when this sweep started.
    """
    now = now or timezone.now()
    since = (connection.cdc_checkpoint or connection.connected_at or now) - CDC_OVERLAP
    changes: list[tuple[str, dict]] = []
    with QBOClient(connection, config=config) as client:
        if now - since < CDC_MAX_AGE - timedelta(minutes=5):
            blocks = client.cdc(CDC_ENTITIES, _qbo_time(since))
            full = []
            for block in blocks:
                for response in block.get("QueryResponse", []) or []:
                    for entity_name in CDC_ENTITIES:
                        rows = response.get(entity_name) or []
                        if len(rows) >= CDC_PAGE_LIMIT:
                            full.append(entity_name)
                        changes.extend((entity_name, row) for row in rows)
            for entity_name in full:  # narrow: re-read that entity without the cap
                changes = [c for c in changes if c[0] != entity_name]
                changes.extend(
                    (entity_name, row) for row in _changed_by_query(client, entity_name, since)
                )
        else:
            for entity_name in CDC_ENTITIES:
                changes.extend(
                    (entity_name, row) for row in _changed_by_query(client, entity_name, since)
                )
        reconciler = Reconciler(connection, client)
        # Payments first, from the rows CDC already returned; then invoices, whose linked payments
        # are then known and not read again. Within a kind, in QBO's update order.
        order = {"Payment": 0, "Invoice": 1, "Bill": 2, "PurchaseOrder": 2}
        changes.sort(
            key=lambda c: (order[c[0]], (c[1].get("MetaData") or {}).get("LastUpdatedTime", ""))
        )
        for entity_name, row in changes:
            deleted = row.get("status") == "Deleted"
            if entity_name == "Payment":
                reconciler.payment(str(row["Id"]), None if deleted else row, deleted=deleted)
            elif entity_name == "Invoice":
                reconciler.invoice(str(row["Id"]), None if deleted else row, deleted=deleted)
            else:
                reconciler.purchase(entity_name, str(row["Id"]), deleted=deleted)
    result = f"{len(changes)} change(s) since {_qbo_time(since)}"
    if reconciler.notes:
        result += "; " + "; ".join(reconciler.notes)
    Connection.objects.filter(pk=connection.pk).update(
        cdc_checkpoint=now, last_sweep_at=timezone.now(), last_sweep_result=result[:500]
    )
    return result


def _changed_by_query(client: QBOClient, entity_name: str, since: datetime) -> list[dict]:
    return client.query_all(
        entity_name,
        f"MetaData.LastUpdatedTime > '{_qbo_time(since)}' ORDERBY MetaData.LastUpdatedTime",
    )


def due_connections(*, interval: timedelta) -> list[Connection]:
    cutoff = timezone.now() - interval
    return list(
        Connection.objects.select_related("company")
        .filter(status=Connection.Status.CONNECTED)
        .exclude(last_sweep_at__gt=cutoff)
    )

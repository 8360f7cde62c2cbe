"""Push a Cellbooks purchase order or invoice to QuickBooks: exactly once, updated in place.

The order of work for one document (``push``):
  1. Resolve its partner to a QBO customer or vendor (partners.py).
  2. Map it (mapping.py) and fingerprint the payload. A bound document whose fingerprint is the
     one last pushed is unchanged: no request at all.
  3. Bound → read the QBO document (current SyncToken, what has been paid), refuse a total below
     the paid amount, update with a requestid derived from binding + version; on 5010 re-read once.
  4. Not bound → if an earlier attempt's outcome is unknown, look for the orphan by its marker
     (and number) and adopt it; else create with a requestid derived from the document and its
     version. The binding is committed the moment QBO returns an Id.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from cellbooks.inventory.models import PurchaseOrder

from . import bindings, documents, mapping, realm_cache, records
from .client import QBOClient, fault_from_item, quote, requestid_for
from .errors import NotFoundError, PermanentError, QBOError, RetryableError, StaleObjectError
from .models import Binding, IntegrationSettings
from .partners import PartnerResolver
from .payments_out import PaymentExporter
from .returns_out import CreditApplications

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """A document mapped and fingerprinted, ready to be created or updated."""

    kind: str
    qbo_entity: str
    doc: mapping.DocumentInput
    payload: dict
    version: str
    fingerprint: str
    binding: Binding | None
    creations: int | None = None  # QBO records made for it before; None: not read yet


@dataclass
class PushResult:
    outcome: str  # a SyncAttempt.Outcome value
    qbo_entity: str = ""
    qbo_id: str = ""
    requestid: str = ""
    message: str = ""
    notes: list[str] = field(default_factory=list)


UNREAD = object()  # ``prepare``'s row: not read by the caller

# QBO's clock and ours differ a little: an orphan is looked for from a bit before we sent it.
ORPHAN_CLOCK_SKEW = timedelta(minutes=10)


DRAFTS_STAY = {
    documents.INVOICE: "This invoice is a draft. Open it to sync it: drafts stay in Cellbooks.",
    documents.PURCHASE_ORDER: "This purchase order is a draft. Receive it to sync it: drafts "
    "stay in Cellbooks.",
    documents.CUSTOMER_RETURN: "This return is a draft. Complete it to sync it: drafts stay in "
    "Cellbooks.",
    documents.VENDOR_RETURN: "This vendor return is a draft. Complete it to sync it: drafts stay "
    "in Cellbooks.",
}


class SyncRefused(PermanentError):
    """Cellbooks itself refuses the sync (a draft, a total below what QBO says was paid…)."""


LINE_FIELDS = (
    "device__identifier",
    "device__product__manufacturer",
    "device__product__model",
    "device__product__capacity",
    "device__product__colour",
    "device__product__network",
    "device__condition__code",
    "device__condition__sort_order",
)


# What each kind of document's lines are worth on it.
LINE_AMOUNTS = {
    documents.INVOICE: "unit_price",
    documents.PURCHASE_ORDER: "unit_cost",
    documents.CUSTOMER_RETURN: "unit_price",  # what the device sold for
    documents.VENDOR_RETURN: "credit_amount",
}


def document_input(document) -> mapping.DocumentInput:
    """Read a document and its devices into the mapper's plain values: one query for the lines,
    as tuples rather than model instances (a 50,000-device PO reads in a fraction of the time)."""
    kind = documents.kind_of(document)
    rows = document.lines.order_by("pk").values_list(*LINE_FIELDS, LINE_AMOUNTS[kind])
    return mapping.DocumentInput(
        kind=kind,
        local_id=document.pk,
        company_key=document.company.slug,
        number=document.number,
        txn_date=document.date,
        due_date=document.due_date if kind == documents.INVOICE else None,
        notes=document.notes,
        lines=tuple(mapping.DeviceLine(*row) for row in rows),
    )


def document_fingerprint(document, doc: mapping.DocumentInput | None = None) -> str:
    """What the user can change in Cellbooks, fingerprinted without asking QuickBooks anything
    (``doc``: the document already read, to avoid reading it twice)."""
    doc = doc or document_input(document)
    partner, _ = documents.partner_of(document)
    return mapping.payload_hash(
        {
            "doc": dataclasses.asdict(doc),
            "partner": partner.pk,
            "credit": getattr(document, "credit", ""),
            "reference": getattr(document, "refund_reference", ""),
        }
    )


class Exporter:
    """Pushes documents of one company through one client. Caches per run what every document
    needs (preferences, the A/P account) so a bulk sync reads them once."""

    def __init__(self, *, company, client: QBOClient, settings: IntegrationSettings):
        self.company = company
        self.client = client
        self.settings = settings
        self.partners = PartnerResolver(company=company, client=client)
        self.payments = PaymentExporter(company=company, client=client, partners=self.partners)
        self.credits = CreditApplications(exporter=self)
        self._prefs: dict | None = None
        self._ap_account: dict | None | bool = False
        self._bank_account: dict | None = None

    # ---- shared lookups --------------------------------------------------------------------
    @property
    def prefs(self) -> dict:
        if self._prefs is None:
            self._prefs = realm_cache.get(
                self.client.realm_id, "preferences", self.client.preferences
            )
        return self._prefs

    def custom_numbers(self, qbo_entity: str) -> bool:
        return records.custom_txn_numbers(self.prefs, qbo_entity)

    def bank_account_ref(self) -> dict:
        """The account refunds are paid from and bill credits settled through: the company's
        first active bank account."""
        if self._bank_account is None:
            rows = self.client.query(
                "SELECT * FROM Account WHERE AccountType = 'Bank' AND Active = true"
            ).get("Account", [])
            if not rows:
                raise SyncRefused(
                    "QuickBooks has no bank account to pay the refund from.",
                    hint="Add a bank account in QuickBooks (Chart of accounts), then sync again.",
                )
            self._bank_account = {"value": rows[0]["Id"], "name": rows[0].get("Name", "")}
        return self._bank_account

    def ap_account_ref(self) -> dict | None:
        if self._ap_account is False:
            self._ap_account = realm_cache.get(
                self.client.realm_id, "ap_account", self._read_ap_account
            )
        return self._ap_account

    def _read_ap_account(self) -> dict | None:
        rows = self.client.query(
            "SELECT * FROM Account WHERE AccountType = 'Accounts Payable' AND Active = true"
        )
        accounts = rows.get("Account", [])
        return {"value": accounts[0]["Id"]} if accounts else None

    @property
    def item_ref(self) -> dict:
        return {"value": self.settings.item_qbo_id, "name": self.settings.item_name}

    # ---- documents -------------------------------------------------------------------------
    def prepare(self, document, *, row: Binding | None | object = UNREAD) -> Prepared | PushResult:
        """Everything before the write: checks, partner, payload and its fingerprint. Returns a
        PushResult when there is nothing to write (unchanged, or a void). ``row``: the
        document's binding row (linked or not, None when it has none) when the caller has read
        it already (a bulk sync reads a chunk's at once)."""
        kind = documents.kind_of(document)
        if document.status == "draft":
            raise SyncRefused(DRAFTS_STAY[kind])
        if document.status == "void":
            return self.void(document)
        partner, partner_kind = documents.partner_of(document)
        creations = None
        if row is UNREAD:
            binding = bindings.linked(company=self.company, kind=kind, local_id=document.pk)
        else:
            binding = row if row is not None and row.qbo_id else None
            creations = row.creations if row is not None else 0
        qbo_entity = binding.qbo_entity if binding else self.target_entity(kind, document)
        doc = document_input(document)
        fingerprint = document_fingerprint(document, doc)
        payload = self.payload(
            doc, qbo_entity, self.partners.ref(partner, partner_kind), document=document
        )
        version = mapping.payload_hash(payload)
        if binding and binding.last_pushed_hash == version and not binding.remote_state:
            bindings.note_fingerprint(binding, fingerprint)
            return PushResult(
                "unchanged",
                qbo_entity,
                binding.qbo_id,
                message="Nothing changed since the last sync.",
            )
        return Prepared(kind, qbo_entity, doc, payload, version, fingerprint, binding, creations)

    def push(self, document) -> PushResult:
        """Create or update the document in QBO (an invoice brings its payments along)."""
        prepared = self.prepare(document)
        if isinstance(prepared, PushResult):
            result = prepared
        elif prepared.binding is not None:
            result = self._update(prepared)
        else:
            result = self._adopt_or_create(prepared)
        return self.bring_along(document, result)

    def bring_along(self, document, result: PushResult) -> PushResult:
        """What travels with a document once it is in QBO: an invoice's payments typed in
        Cellbooks, a return's credit applied to its invoice or bill. Raises if they cannot go, so
        the push is retried rather than silently partial."""
        if result.outcome in ("voided", "deleted"):
            return result
        kind = documents.kind_of(document)
        if kind == documents.INVOICE:
            result.notes.extend(self.payments.push(document))
        elif kind in documents.RETURNS:
            result.notes.extend(self.credits.apply(document))
        if result.notes:
            result.message = " ".join([result.message, *result.notes]).strip()
        return result

    def _adopt_or_create(self, prepared: Prepared) -> PushResult:
        """Not linked yet. If a create was sent earlier without a known outcome (its answer lost,
        its worker killed), the document may already be in QBO: look for it by its marker and
        link it; create only when it is not there."""
        if bindings.pending_create(
            company=self.company, kind=prepared.kind, local_id=prepared.doc.local_id
        ):
            orphan = self.find_orphan(prepared)
            if orphan is not None:
                return self._adopt(prepared, orphan)
        return self._create(prepared)

    def _adopt(self, prepared: Prepared, orphan: dict) -> PushResult:
        """Link the document found in QBO, then bring it up to date (it may have changed since)."""
        prepared.binding = bindings.bind(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            realm_id=self.client.realm_id,
            entity=orphan,
            qbo_entity=prepared.qbo_entity,
            created=True,
        )
        result = self._update(prepared)
        result.outcome = "adopted"
        result.message = (
            f"Found the {prepared.qbo_entity} already in QuickBooks (made by an earlier attempt "
            "whose answer was lost) and linked it."
        )
        return result

    def create_batch(self, batch: list[Prepared]) -> list[PushResult | QBOError]:
        """Create up to 30 new documents in one batch call; one result or error per document, in
        order. Each is marked "create sent" first and linked as soon as its answer is read."""
        self._note_creates_sent(batch)
        items = [
            {"bId": str(i), "operation": "create", p.qbo_entity: p.payload}
            for i, p in enumerate(batch)
        ]
        # The same documents at the same versions make the same requestid: a retried batch is
        # answered from QBO's record of the first one.
        fingerprint = mapping.payload_hash(
            [[p.kind, p.doc.local_id, p.version, self._creations(p)] for p in batch]
        )
        requestid = f"cbb{self.company.pk}-{fingerprint[:28]}"[:36]  # QBO allows 36 on batch
        try:
            answers = {
                str(item.get("bId")): item for item in self.client.batch(items, requestid=requestid)
            }
        except PermanentError:
            for prepared in batch:  # the call was refused as a whole: nothing was made
                self._note_create_refused(prepared)
            raise
        results: list[PushResult | QBOError] = []
        for i, prepared in enumerate(batch):
            answer = answers.get(str(i))
            if not answer:
                results.append(RetryableError("QuickBooks did not answer for it in the batch."))
                continue
            error = fault_from_item(answer)
            if error is not None:
                try:
                    results.append(self._refused_create(prepared, error))
                except QBOError as refused:
                    results.append(refused)
                continue
            created = answer[prepared.qbo_entity]
            self._record_created(prepared, created)
            results.append(
                PushResult(
                    "created",
                    prepared.qbo_entity,
                    str(created["Id"]),
                    requestid,
                    message=f"Created {prepared.qbo_entity} {created.get('DocNumber') or created['Id']} "
                    "in QuickBooks (in a batch).",
                )
            )
        return results

    def target_entity(self, kind: str, document=None) -> str:
        """The QBO record a document becomes: an invoice an Invoice, a PO a Bill or a Purchase
        Order (the setting), a return a CreditMemo — or a RefundReceipt when refunded — and a
        vendor return a VendorCredit."""
        if kind == Binding.Kind.INVOICE:
            return "Invoice"
        if kind == Binding.Kind.CUSTOMER_RETURN:
            refunded = getattr(document, "credit", "") == "refund"
            return "RefundReceipt" if refunded else "CreditMemo"
        if kind == Binding.Kind.VENDOR_RETURN:
            return "VendorCredit"
        return (
            "PurchaseOrder"
            if self.settings.sync_pos_to == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER
            else "Bill"
        )

    def payload(
        self, doc: mapping.DocumentInput, qbo_entity: str, partner_ref: dict, *, document=None
    ) -> dict:
        include = self.settings.include_identifiers_in_description
        numbers = self.custom_numbers(qbo_entity)
        if qbo_entity in ("Invoice", "CreditMemo"):
            return mapping.invoice_payload(
                doc,
                customer_ref=partner_ref,
                item_ref=self.item_ref,
                custom_txn_numbers=numbers,
                include_identifiers=include,
            )
        if qbo_entity == "RefundReceipt":
            return mapping.refund_receipt_payload(
                doc,
                customer_ref=partner_ref,
                item_ref=self.item_ref,
                refund_account_ref=self.bank_account_ref(),
                custom_txn_numbers=numbers,
                reference=getattr(document, "refund_reference", ""),
                include_identifiers=include,
            )
        return mapping.purchase_payload(
            doc,
            vendor_ref=partner_ref,
            item_ref=self.item_ref,
            ap_account_ref=self.ap_account_ref(),
            custom_txn_numbers=numbers,
            include_identifiers=include,
        )

    def create_each(self, batch: list[Prepared]) -> list[PushResult | QBOError]:
        """The same documents one call each (a lone document needs no batch call)."""
        results: list[PushResult | QBOError] = []
        for prepared in batch:
            try:
                results.append(self._create(prepared))
            except QBOError as exc:
                results.append(exc)
        return results

    def _creations(self, prepared: Prepared) -> int:
        """How many QBO records were made for this document before (it can be unlinked after a
        delete there): part of the create's requestid, so a re-creation is not answered with the
        deleted document's stored response, while a retry of the same creation still is."""
        if prepared.creations is None:
            prepared.creations = bindings.creations(
                company=self.company, kind=prepared.kind, local_id=prepared.doc.local_id
            )
        return prepared.creations

    def _record_created(self, prepared: Prepared, created: dict) -> None:
        bindings.bind(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            realm_id=self.client.realm_id,
            entity=created,
            qbo_entity=prepared.qbo_entity,
            created=True,
            last_pushed_hash=prepared.version,
            local_hash=prepared.fingerprint,
            fetch=False,
        )

    def _note_create_sent(self, prepared: Prepared) -> None:
        bindings.note_create_sent(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            realm_id=self.client.realm_id,
            qbo_entity=prepared.qbo_entity,
        )

    def _note_creates_sent(self, batch: list[Prepared]) -> None:
        bindings.note_creates_sent(
            company=self.company,
            realm_id=self.client.realm_id,
            entities={(p.kind, p.doc.local_id): p.qbo_entity for p in batch},
        )

    def _note_create_refused(self, prepared: Prepared) -> None:
        bindings.note_create_refused(
            company=self.company, kind=prepared.kind, local_id=prepared.doc.local_id
        )

    def _create(self, prepared: Prepared) -> PushResult:
        requestid = requestid_for(
            company_id=self.company.pk,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            version=prepared.version,
            extra=f"-c{self._creations(prepared)}",
        )
        self._note_create_sent(prepared)
        try:
            created = self.client.create(prepared.qbo_entity, prepared.payload, requestid=requestid)
        except PermanentError as exc:
            return self._refused_create(prepared, exc)
        self._record_created(prepared, created)
        return PushResult(
            "created",
            prepared.qbo_entity,
            str(created["Id"]),
            requestid,
            message=f"Created {prepared.qbo_entity} {created.get('DocNumber') or created['Id']} in QuickBooks.",
        )

    def _refused_create(self, prepared: Prepared, error: QBOError) -> PushResult:
        """QBO said no to a create. "That number exists" (6140) may mean the document is there
        already — made by an earlier attempt whose answer was lost: found by its marker, it is
        linked, not refused. Any other refusal means nothing was made."""
        if error.code == "6140":
            orphan = self.find_orphan(prepared)
            if orphan is not None:
                return self._adopt(prepared, orphan)
        if isinstance(error, RetryableError):
            raise error
        self._note_create_refused(prepared)
        raise error

    def _update(self, prepared: Prepared) -> PushResult:
        binding = prepared.binding
        requestid = ""
        for attempt in (1, 2):
            try:
                current = self.client.read(binding.qbo_entity, binding.qbo_id)
            except NotFoundError:
                bindings.mark_remote_state(binding, bindings.RemoteState.DELETED)
                raise SyncRefused(
                    f"This {binding.qbo_entity} was deleted in QuickBooks.",
                    code="610",
                    hint="Press Unlink on this page to create it again in QuickBooks at the next sync, or leave it deleted.",
                ) from None
            self._refuse_below_paid(binding, current, prepared.payload)
            requestid = requestid_for(
                company_id=self.company.pk,
                kind=binding.kind,
                local_id=binding.local_id,
                version=prepared.version,
                extra=f"-u{current['SyncToken']}",
            )
            body = {**prepared.payload, "Id": binding.qbo_id, "SyncToken": current["SyncToken"]}
            try:
                updated = self.client.update(
                    binding.qbo_entity, body, sparse=True, requestid=requestid
                )
            except StaleObjectError:
                if attempt == 2:
                    raise
                continue  # someone edited it in QBO between our read and write: re-read once
            bindings.bind(
                company=self.company,
                kind=binding.kind,
                local_id=binding.local_id,
                realm_id=self.client.realm_id,
                entity=updated,
                qbo_entity=binding.qbo_entity,
                last_pushed_hash=prepared.version,
                local_hash=prepared.fingerprint,
                qbo_name=binding.qbo_name,
            )
            return PushResult(
                "updated",
                binding.qbo_entity,
                binding.qbo_id,
                requestid,
                message=f"Updated {binding.qbo_entity} {updated.get('DocNumber') or binding.qbo_id} in QuickBooks.",
            )
        raise AssertionError("unreachable")

    @staticmethod
    def _refuse_below_paid(binding: Binding, current: dict, payload: dict) -> None:
        if binding.qbo_entity not in ("Invoice", "Bill"):
            return
        if records.is_voided(current):
            raise SyncRefused(
                f"This {binding.qbo_entity} was voided in QuickBooks; Cellbooks will not change it."
            )
        paid = records.paid_amount(current)
        new_total = mapping.payload_total(payload)
        if paid > 0 and new_total < paid:
            raise SyncRefused(
                f"QuickBooks has ${paid:,.2f} paid against this {binding.qbo_entity.lower()}; the new total "
                f"${new_total:,.2f} would be below it.",
                hint="Adjust or remove the payment in QuickBooks first, or keep the total at or above what was paid.",
            )

    def find_orphan(self, prepared: Prepared) -> dict | None:
        """A document created in QBO whose answer never reached us, recognised by the marker
        in its PrivateNote: looked up by its number when it has one, else among the partner's
        documents created since the first create was sent."""
        tag = mapping.marker(prepared.doc)
        entity, payload = prepared.qbo_entity, prepared.payload
        if payload.get("DocNumber"):
            where = f"DocNumber = {quote(payload['DocNumber'])}"
        else:
            party = "CustomerRef" if entity == "Invoice" else "VendorRef"
            pending = bindings.pending_create(
                company=self.company, kind=prepared.kind, local_id=prepared.doc.local_id
            )
            since = (pending.create_sent_at if pending else timezone.now()) - ORPHAN_CLOCK_SKEW
            where = (
                f"{party} = {quote(payload[party]['value'])} "
                f"AND MetaData.CreateTime >= {quote(records.qbo_time(since))}"
            )
        for row in self.client.query_all(entity, where):
            if tag in (row.get("PrivateNote") or ""):
                return row
        return None

    # ---- voids, deletes and moves ----------------------------------------------------------
    def void(self, document) -> PushResult:
        """Voided in Cellbooks: void the QBO invoice; delete the QBO bill, purchase order, credit
        memo, refund receipt or vendor credit (a credit's application to its invoice or bill
        first: QBO does not delete a credit that is in use)."""
        kind = documents.kind_of(document)
        binding = bindings.linked(company=self.company, kind=kind, local_id=document.pk)
        if binding is None:
            return PushResult("unchanged", message="Never synced: nothing to void in QuickBooks.")
        if binding.remote_state != bindings.RemoteState.ACTIVE:
            return PushResult(
                "unchanged",
                binding.qbo_entity,
                binding.qbo_id,
                message=f"Already {binding.remote_state} in QuickBooks.",
            )
        if kind in documents.RETURNS:
            self.credits.unapply(document)
        try:
            current = self.client.read(binding.qbo_entity, binding.qbo_id)
        except NotFoundError:
            bindings.mark_remote_state(binding, bindings.RemoteState.DELETED)
            return PushResult(
                "deleted",
                binding.qbo_entity,
                binding.qbo_id,
                message="Already deleted in QuickBooks.",
            )
        requestid = requestid_for(
            company_id=self.company.pk,
            kind=kind,
            local_id=document.pk,
            version="void",
            extra=f"-{current['SyncToken']}",
        )
        if binding.qbo_entity == "Invoice":
            self.client.void_invoice(binding.qbo_id, current["SyncToken"], requestid=requestid)
            state, outcome = "voided", "voided"
        else:
            self.client.delete(
                binding.qbo_entity, binding.qbo_id, current["SyncToken"], requestid=requestid
            )
            state, outcome = "deleted", "deleted"
        bindings.mark_remote_state(binding, state, synced_at=timezone.now())
        return PushResult(
            outcome,
            binding.qbo_entity,
            binding.qbo_id,
            requestid,
            message=f"{state.capitalize()} {binding.qbo_entity} {binding.qbo_doc_number or binding.qbo_id} in QuickBooks.",
        )

    def move(self, purchase_order: PurchaseOrder) -> PushResult:
        """After "Sync POs to" changed: delete the old QBO document, then create the new kind."""
        binding = bindings.linked(
            company=self.company, kind=Binding.Kind.PURCHASE_ORDER, local_id=purchase_order.pk
        )
        target = self.target_entity(Binding.Kind.PURCHASE_ORDER)
        if binding and binding.qbo_entity != target:
            if binding.remote_state != "deleted":
                try:
                    current = self.client.read(binding.qbo_entity, binding.qbo_id)
                    self.client.delete(
                        binding.qbo_entity,
                        binding.qbo_id,
                        current["SyncToken"],
                        requestid=requestid_for(
                            company_id=self.company.pk,
                            kind="purchase_order",
                            local_id=purchase_order.pk,
                            version="move",
                            extra=f"-{current['SyncToken']}",
                        ),
                    )
                except NotFoundError:
                    pass
            bindings.unlink(binding)
        result = self.push(purchase_order)
        result.message = f"Moved to a QuickBooks {target}. " + result.message
        return result

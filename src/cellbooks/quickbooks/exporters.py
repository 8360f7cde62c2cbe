"""Push a Cellbooks purchase order or invoice to QuickBooks: exactly once, updated in place.

The order of work for one document (``push``):
  1. Resolve its partner to a QBO customer or vendor (binding, else by name, else create; a name
     taken by the other kind or an employee gets a deterministic suffix).
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
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from cellbooks.inventory.models import Invoice, Partner, PurchaseOrder

from . import mapping
from .api import QBOClient, fault_from_item, quote
from .errors import NotFoundError, PermanentError, QBOError, StaleObjectError
from .models import Binding, IntegrationSettings, SyncAttempt

log = logging.getLogger(__name__)

ROLE_ENTITY = {Binding.Kind.CUSTOMER: "Customer", Binding.Kind.VENDOR: "Vendor"}


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


@dataclass
class PushResult:
    outcome: str  # a SyncAttempt.Outcome value
    qbo_entity: str = ""
    qbo_id: str = ""
    requestid: str = ""
    message: str = ""
    notes: list[str] = field(default_factory=list)


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


def document_input(document) -> mapping.DocumentInput:
    """Read a PO or invoice and its devices into the mapper's plain values: one query for the lines,
    as tuples rather than model instances (a 50,000-device PO reads in a fraction of the time)."""
    invoice = isinstance(document, Invoice)
    rows = document.lines.order_by("pk").values_list(
        *LINE_FIELDS, "unit_price" if invoice else "unit_cost"
    )
    return mapping.DocumentInput(
        kind="invoice" if invoice else "purchase_order",
        local_id=document.pk,
        company_key=document.company.slug,
        number=document.number,
        txn_date=document.date,
        due_date=document.due_date if invoice else None,
        notes=document.notes,
        lines=tuple(mapping.DeviceLine(*row) for row in rows),
    )


def document_fingerprint(document, doc: mapping.DocumentInput | None = None) -> str:
    """What the user can change in Cellbooks, fingerprinted without asking QuickBooks anything
    (``doc``: the document already read, to avoid reading it twice)."""
    doc = doc or document_input(document)
    partner_id = document.customer_id if isinstance(document, Invoice) else document.vendor_id
    return mapping.payload_hash({"doc": dataclasses.asdict(doc), "partner": partner_id})


def requestid_for(
    *, company_id: int, kind: str, local_id: int, version: str, extra: str = ""
) -> str:
    """≤ 50 characters, the same for the same document version: a retry replays, never duplicates."""
    short = {"invoice": "inv", "purchase_order": "po", "customer": "cus", "vendor": "ven"}.get(
        kind, kind[:3]
    )
    return f"cb{company_id}-{short}{local_id}-{version[:16]}{extra}"[:50]


def _bind(
    *, company, kind: str, local_id: int, realm_id: str, entity: dict, qbo_entity: str, **fields
) -> Binding:
    """Commit a binding now, in its own transaction, whatever happens next."""
    defaults = {
        "realm_id": realm_id,
        "qbo_entity": qbo_entity,
        "qbo_id": str(entity["Id"]),
        "sync_token": str(entity.get("SyncToken", "")),
        "qbo_doc_number": entity.get("DocNumber", "") or "",
        "synced_at": timezone.now(),
        "remote_state": "",
        **fields,
    }
    try:
        with transaction.atomic():
            binding, _ = Binding.objects.update_or_create(
                company=company, kind=kind, local_id=local_id, defaults=defaults
            )
    except (
        IntegrityError
    ):  # another worker bound it a moment ago: theirs and ours are the same record
        binding = Binding.objects.get(company=company, kind=kind, local_id=local_id)
    return binding


class Exporter:
    """Pushes documents of one company through one client. Caches per run what every document
    needs (preferences, the A/P account) so a bulk sync reads them once."""

    def __init__(self, *, company, client: QBOClient, settings: IntegrationSettings):
        self.company = company
        self.client = client
        self.settings = settings
        self._prefs: dict | None = None
        self._ap_account: dict | None | bool = False

    # ---- shared lookups --------------------------------------------------------------------
    @property
    def prefs(self) -> dict:
        if self._prefs is None:
            self._prefs = self.client.preferences()
        return self._prefs

    def custom_numbers(self, qbo_entity: str) -> bool:
        if qbo_entity == "Bill":
            return True  # a bill's number is the vendor's reference, never auto-assigned
        if qbo_entity == "PurchaseOrder":
            for pair in (self.prefs.get("OtherPrefs") or {}).get("NameValue", []) or []:
                if pair.get("Name") == "VendorAndPurchasesPrefs.UseCustomTxnNumbers":
                    return str(pair.get("Value")).lower() == "true"
        return bool((self.prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))

    def ap_account_ref(self) -> dict | None:
        if self._ap_account is False:
            rows = self.client.query(
                "SELECT * FROM Account WHERE AccountType = 'Accounts Payable' AND Active = true"
            )
            accounts = rows.get("Account", [])
            self._ap_account = {"value": accounts[0]["Id"]} if accounts else None
        return self._ap_account

    @property
    def item_ref(self) -> dict:
        return {"value": self.settings.item_qbo_id, "name": self.settings.item_name}

    # ---- partners --------------------------------------------------------------------------
    def partner_ref(self, partner: Partner, kind: str) -> dict:
        """The QBO customer or vendor for this partner's role: bound, found by name, or created."""
        binding = Binding.objects.filter(
            company=self.company, kind=kind, local_id=partner.pk
        ).first()
        if binding:
            return {"value": binding.qbo_id, "name": binding.qbo_name}
        entity = ROLE_ENTITY[kind]
        name = mapping.clean_display_name(partner.name)
        for index, candidate in enumerate(
            (name, mapping.suffixed_display_name(partner.name, entity))
        ):
            found = self._find_by_name(entity, candidate)
            if found:
                return self._bind_partner(partner, kind, found, candidate)
            try:
                requestid = requestid_for(
                    company_id=self.company.pk,
                    kind=kind,
                    local_id=partner.pk,
                    version=f"name{index}",
                )
                created = self.client.create(
                    entity, self._partner_payload(partner, candidate), requestid=requestid
                )
            except PermanentError as exc:
                if (
                    exc.code == "6240"
                ):  # taken by another kind or an employee: try the suffixed name
                    continue
                raise
            return self._bind_partner(partner, kind, created, candidate)
        raise SyncRefused(
            f"QuickBooks already uses the names “{name}” and “{mapping.suffixed_display_name(partner.name, entity)}” "
            f"for other records.",
            code="6240",
            hint=f"Rename the {entity.lower()} in QuickBooks or the partner in Cellbooks, then sync again.",
        )

    def _bind_partner(self, partner: Partner, kind: str, record: dict, name: str) -> dict:
        """Link the partner's role to this QBO customer or vendor; return the reference to use."""
        _bind(
            company=self.company,
            kind=kind,
            local_id=partner.pk,
            realm_id=self.client.realm_id,
            entity=record,
            qbo_entity=ROLE_ENTITY[kind],
            qbo_name=name,
        )
        return {"value": str(record["Id"]), "name": name}

    def _find_by_name(self, entity: str, name: str) -> dict | None:
        rows = self.client.query(f"SELECT * FROM {entity} WHERE DisplayName = {quote(name)}").get(
            entity, []
        )
        return rows[0] if rows else None

    @staticmethod
    def _partner_payload(partner: Partner, display_name: str) -> dict:
        payload = {
            "DisplayName": display_name,
            "CompanyName": mapping.clean_display_name(partner.name)[:100],
        }
        if partner.email:
            payload["PrimaryEmailAddr"] = {"Address": partner.email[:100]}
        if partner.phone:
            payload["PrimaryPhone"] = {"FreeFormNumber": partner.phone[:30]}
        if partner.address.strip():
            lines = [ln.strip() for ln in partner.address.splitlines() if ln.strip()][:5]
            payload["BillAddr"] = {f"Line{i + 1}": ln[:500] for i, ln in enumerate(lines)}
        return payload

    # ---- documents -------------------------------------------------------------------------
    def prepare(self, document) -> Prepared | PushResult:
        """Everything before the write: checks, partner, payload and its fingerprint. Returns a
        PushResult when there is nothing to write (unchanged, or a void)."""
        if isinstance(document, Invoice):
            if document.status == Invoice.Status.DRAFT:
                raise SyncRefused(
                    "This invoice is a draft. Open it to sync it: drafts stay in Cellbooks."
                )
            if document.status == Invoice.Status.VOID:
                return self.void(document)
            kind, partner_kind, partner = (
                Binding.Kind.INVOICE,
                Binding.Kind.CUSTOMER,
                document.customer,
            )
        else:
            if document.status == PurchaseOrder.Status.DRAFT:
                raise SyncRefused(
                    "This purchase order is a draft. Receive it to sync it: drafts stay in Cellbooks."
                )
            if document.status == PurchaseOrder.Status.VOID:
                return self.void(document)
            kind, partner_kind, partner = (
                Binding.Kind.PURCHASE_ORDER,
                Binding.Kind.VENDOR,
                document.vendor,
            )
        binding = Binding.objects.filter(
            company=self.company, kind=kind, local_id=document.pk
        ).first()
        qbo_entity = binding.qbo_entity if binding else self.target_entity(kind)
        doc = document_input(document)
        fingerprint = document_fingerprint(document, doc)
        payload = self.payload(doc, qbo_entity, self.partner_ref(partner, partner_kind))
        version = mapping.payload_hash(payload)
        if binding and binding.last_pushed_hash == version and not binding.remote_state:
            if binding.local_hash != fingerprint:
                Binding.objects.filter(pk=binding.pk).update(local_hash=fingerprint)
            return PushResult(
                "unchanged",
                qbo_entity,
                binding.qbo_id,
                message="Nothing changed since the last sync.",
            )
        return Prepared(kind, qbo_entity, doc, payload, version, fingerprint, binding)

    def push(self, document, *, outcome_unknown: bool = False) -> PushResult:
        prepared = self.prepare(document)
        if isinstance(prepared, PushResult):
            return prepared
        if prepared.binding is not None:
            return self._update(prepared)
        orphan = (
            self.find_orphan(prepared.doc, prepared.qbo_entity, prepared.payload)
            if outcome_unknown
            else None
        )
        if orphan is None:
            return self._create(prepared)
        prepared.binding = _bind(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            realm_id=self.client.realm_id,
            entity=orphan,
            qbo_entity=prepared.qbo_entity,
            qbo_total=Decimal(str(orphan.get("TotalAmt", "0"))),
        )
        result = self._update(prepared)
        result.outcome = "adopted"
        result.message = (
            f"Found the {prepared.qbo_entity} already in QuickBooks (its answer was lost earlier) "
            "and linked it."
        )
        return result

    def create_batch(self, batch: list[Prepared]) -> list[PushResult | QBOError]:
        """Create up to 30 new documents in one batch call; one result or error per document, in
        order. Each binding is committed as soon as the answer is read."""
        items = [
            {"bId": str(i), "operation": "create", p.qbo_entity: p.payload}
            for i, p in enumerate(batch)
        ]
        fingerprint = mapping.payload_hash(
            [[p.kind, p.doc.local_id, p.version, self._creations(p)] for p in batch]
        )
        requestid = f"cbb{self.company.pk}-{fingerprint[:28]}"[:36]  # QBO allows 36 on batch
        answers = {
            str(item.get("bId")): item for item in self.client.batch(items, requestid=requestid)
        }
        results: list[PushResult | QBOError] = []
        for i, prepared in enumerate(batch):
            answer = answers.get(str(i), {})
            error = (
                fault_from_item(answer)
                if answer
                else PermanentError("QuickBooks did not answer for it.")
            )
            if error is not None:
                results.append(error)
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

    def prime_partners(self, partners: list[tuple[Partner, str]]) -> None:
        """Resolve many partners' QBO records at once (bulk sync): one query per 30 names, then
        batch creates; anything unusual (a name taken by another kind) is left to partner_ref."""
        bound = set(
            Binding.objects.filter(
                company=self.company,
                kind__in=[k for _, k in partners],
                local_id__in=[p.pk for p, _ in partners],
            ).values_list("kind", "local_id")
        )
        todo = {
            (kind, partner.pk): partner
            for partner, kind in partners
            if (kind, partner.pk) not in bound
        }
        for kind in {k for k, _ in todo}:
            entity = ROLE_ENTITY[kind]
            wanted = {
                mapping.clean_display_name(p.name): p for (k, _), p in todo.items() if k == kind
            }
            names = sorted(wanted)
            for start in range(0, len(names), 30):
                chunk = names[start : start + 30]
                found = self.client.query(
                    f"SELECT * FROM {entity} WHERE DisplayName IN ({', '.join(quote(n) for n in chunk)}) MAXRESULTS 1000"
                ).get(entity, [])
                for row in found:
                    partner = wanted.pop(row.get("DisplayName"), None)
                    if partner is not None:
                        self._bind_partner(partner, kind, row, row["DisplayName"])
            missing = sorted(wanted.items())
            for start in range(0, len(missing), 30):
                chunk = missing[start : start + 30]
                items = [
                    {"bId": str(i), "operation": "create", entity: self._partner_payload(p, name)}
                    for i, (name, p) in enumerate(chunk)
                ]
                answers = {str(a.get("bId")): a for a in self.client.batch(items)}
                for i, (name, partner) in enumerate(chunk):
                    answer = answers.get(str(i), {})
                    if entity in answer:
                        self._bind_partner(partner, kind, answer[entity], name)

    def target_entity(self, kind: str) -> str:
        if kind == Binding.Kind.INVOICE:
            return "Invoice"
        return (
            "PurchaseOrder"
            if self.settings.sync_pos_to == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER
            else "Bill"
        )

    def payload(self, doc: mapping.DocumentInput, qbo_entity: str, partner_ref: dict) -> dict:
        include = self.settings.include_identifiers_in_description
        numbers = self.custom_numbers(qbo_entity)
        if qbo_entity == "Invoice":
            return mapping.invoice_payload(
                doc,
                customer_ref=partner_ref,
                item_ref=self.item_ref,
                custom_txn_numbers=numbers,
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
        """How many times this document was created in QBO before (it can be unlinked after a
        delete there): part of the create's requestid, so a re-creation is not answered with the
        deleted document's stored response, while a retry of the same creation still is."""
        return SyncAttempt.objects.filter(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            outcome__in=[SyncAttempt.Outcome.CREATED, SyncAttempt.Outcome.ADOPTED],
        ).count()

    def _record_created(self, prepared: Prepared, created: dict) -> None:
        _bind(
            company=self.company,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            realm_id=self.client.realm_id,
            entity=created,
            qbo_entity=prepared.qbo_entity,
            last_pushed_hash=prepared.version,
            local_hash=prepared.fingerprint,
            qbo_total=Decimal(str(created.get("TotalAmt", "0"))),
        )

    def _create(self, prepared: Prepared) -> PushResult:
        requestid = requestid_for(
            company_id=self.company.pk,
            kind=prepared.kind,
            local_id=prepared.doc.local_id,
            version=prepared.version,
            extra=f"-c{self._creations(prepared)}",
        )
        created = self.client.create(prepared.qbo_entity, prepared.payload, requestid=requestid)
        self._record_created(prepared, created)
        return PushResult(
            "created",
            prepared.qbo_entity,
            str(created["Id"]),
            requestid,
            message=f"Created {prepared.qbo_entity} {created.get('DocNumber') or created['Id']} in QuickBooks.",
        )

    def _update(self, prepared: Prepared) -> PushResult:
        binding = prepared.binding
        requestid = ""
        for attempt in (1, 2):
            try:
                current = self.client.read(binding.qbo_entity, binding.qbo_id)
            except NotFoundError:
                Binding.objects.filter(pk=binding.pk).update(remote_state="deleted")
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
            _bind(
                company=self.company,
                kind=binding.kind,
                local_id=binding.local_id,
                realm_id=self.client.realm_id,
                entity=updated,
                qbo_entity=binding.qbo_entity,
                last_pushed_hash=prepared.version,
                local_hash=prepared.fingerprint,
                qbo_total=Decimal(str(updated.get("TotalAmt", "0"))),
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
        if "Voided" in (current.get("PrivateNote") or "")[:10]:
            raise SyncRefused(
                f"This {binding.qbo_entity} was voided in QuickBooks; Cellbooks will not change it."
            )
        paid = Decimal(str(current.get("TotalAmt", "0"))) - Decimal(
            str(current.get("Balance", current.get("TotalAmt", "0")))
        )
        new_total = mapping.payload_total(payload)
        if paid > 0 and new_total < paid:
            raise SyncRefused(
                f"QuickBooks has ${paid:,.2f} paid against this {binding.qbo_entity.lower()}; the new total "
                f"${new_total:,.2f} would be below it.",
                hint="Adjust or remove the payment in QuickBooks first, or keep the total at or above what was paid.",
            )

    def find_orphan(
        self, doc: mapping.DocumentInput, qbo_entity: str, payload: dict
    ) -> dict | None:
        """A document created in QBO whose answer we never got: recognised by our marker."""
        tag = mapping.marker(doc)
        party = "CustomerRef" if qbo_entity == "Invoice" else "VendorRef"
        clauses = [
            f"{party} = {quote(payload[party]['value'])}",
            f"TxnDate = {quote(payload['TxnDate'])}",
        ]
        if payload.get("DocNumber"):
            clauses = [f"DocNumber = {quote(payload['DocNumber'])}"]
        rows = self.client.query(
            f"SELECT * FROM {qbo_entity} WHERE {' AND '.join(clauses)} MAXRESULTS 1000"
        ).get(qbo_entity, [])
        for row in rows:
            if tag in (row.get("PrivateNote") or ""):
                return row
        return None

    # ---- voids, deletes and moves ----------------------------------------------------------
    def void(self, document) -> PushResult:
        """Voided in Cellbooks: void the QBO invoice, delete the QBO bill or purchase order."""
        kind = (
            Binding.Kind.INVOICE if isinstance(document, Invoice) else Binding.Kind.PURCHASE_ORDER
        )
        binding = Binding.objects.filter(
            company=self.company, kind=kind, local_id=document.pk
        ).first()
        if binding is None:
            return PushResult("unchanged", message="Never synced: nothing to void in QuickBooks.")
        if binding.remote_state in ("voided", "deleted"):
            return PushResult(
                "unchanged",
                binding.qbo_entity,
                binding.qbo_id,
                message=f"Already {binding.remote_state} in QuickBooks.",
            )
        try:
            current = self.client.read(binding.qbo_entity, binding.qbo_id)
        except NotFoundError:
            Binding.objects.filter(pk=binding.pk).update(remote_state="deleted")
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
        Binding.objects.filter(pk=binding.pk).update(remote_state=state, synced_at=timezone.now())
        return PushResult(
            outcome,
            binding.qbo_entity,
            binding.qbo_id,
            requestid,
            message=f"{state.capitalize()} {binding.qbo_entity} {binding.qbo_doc_number or binding.qbo_id} in QuickBooks.",
        )

    def move(self, purchase_order: PurchaseOrder) -> PushResult:
        """After "Sync POs to" changed: delete the old QBO document, then create the new kind."""
        binding = Binding.objects.filter(
            company=self.company, kind=Binding.Kind.PURCHASE_ORDER, local_id=purchase_order.pk
        ).first()
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
            binding.delete()
        result = self.push(purchase_order)
        result.message = f"Moved to a QuickBooks {target}. " + result.message
        return result

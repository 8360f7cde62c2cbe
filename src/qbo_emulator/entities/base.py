"""The shape every entity module fills in, plus the rules shared by all of them.

An ``EntityType`` turns a client payload into the stored record in four steps, all run under the
store lock and before anything is written (so a rule that fails leaves no trace):

1. ``clean``     drop what clients may send but QBO ignores (read-only fields, "" and null);
2. ``merge``     a full update replaces the writable fields, a sparse one overlays them;
3. ``prepare``   defaults, line numbering, then ``validate`` (required, lengths, characters,
                 references, uniqueness) and ``compute`` (TotalAmt, Balance, ...);
4. the store stamps Id, SyncToken and MetaData and commits; ``after_commit`` then updates the
   records this one affects (a payment lowers its invoices' balances) and reports them.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from .. import errors
from ..jsonutil import clone, to_decimal

CENT = Decimal("0.01")


class Realm(Protocol):
    """What the entity rules read and write of one company. ``store.Realm`` is the
    implementation; the rules are written against this so they never import the store (which
    imports them)."""

    realm_id: str
    meta: dict  # name, plan, country, home_currency, switches (store.create_company)
    tz: tzinfo
    files: dict[str, dict]  # Attachable Id -> {"content": base64, "token": ...}
    tables: dict[str, dict[str, dict]]  # entity name -> Id -> stored record
    indexes: dict  # derived lookups, rebuilt on demand (names, payment applications)

    @property
    def preferences(self) -> dict: ...

    @property
    def base_url(self) -> str: ...

    def entity_name(self, name: str) -> str | None: ...

    def now(self) -> datetime: ...

    def today(self) -> str: ...

    def table(self, entity: str) -> dict[str, dict]: ...

    def find(self, entity: str, entity_id: Any) -> dict | None: ...

    def allocate_id(self) -> str: ...

    def next_doc_number(self, sequence: str, start: int = 1001) -> str: ...

    def other_pref(self, name: str) -> str | None: ...

    def resolve_ref(self, key: str, target: str, ref: dict, *, pseudo: set[str]) -> None: ...

    def touch(
        self, entity: str, record: dict, operation: str = "Update", *, bump: bool = True
    ) -> dict: ...


# Fields a client may echo back that the service always owns.
SYSTEM_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")

# Which entity a reference field points at. *AccountRef fields are handled by suffix.
REF_TARGETS = {
    "CustomerRef": "Customer",
    "ProjectRef": "Customer",
    "ShipTo": "Customer",
    "VendorRef": "Vendor",
    "EmployeeRef": "Employee",
    "ItemRef": "Item",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "SalesTermRef": "Term",
    "TermRef": "Term",
    "PaymentMethodRef": "PaymentMethod",
    "TaxCodeRef": "TaxCode",
    "TxnTaxCodeRef": "TaxCode",
    "DefaultTaxCodeRef": "TaxCode",
    "SalesTaxCodeRef": "TaxCode",
    "PurchaseTaxCodeRef": "TaxCode",
    "TaxRateRef": "TaxRate",
    "AgencyRef": "TaxAgency",
    "RecurDataRef": "RecurringTransaction",
}
# Pseudo-references QBO accepts without a record behind them.
REF_PSEUDO_VALUES = {"ItemRef": {"SHIPPING_ITEM_ID"}}

NAME_FORBIDDEN = (":", "\t", "\n")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# Amounts at or above this are refused (6000 "Amount is too large."), before any arithmetic.
MAX_AMOUNT = Decimal("1e10")


def money(value: Any) -> Decimal:
    """Round to the cent the way QBO shows totals (half up)."""
    number = to_decimal(value) or Decimal(0)
    if number.copy_abs() >= MAX_AMOUNT:
        raise errors.business_validation("Amount is too large.", "Amount")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def strip_empty(value: Any) -> Any:
    """python-quickbooks sends "" for every unset string and null for unset objects; QBO reads
    both as "not supplied". Empty dicts left behind are dropped too."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = strip_empty(v)
            if v is None or v == "" or v == {}:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [strip_empty(v) for v in value if v is not None]
    return value


def text_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(str(value))


def get_path(record: dict, dotted: str) -> Any:
    node: Any = record
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


class EntityType:
    name: str = ""
    kind: str = "name"  # "name" (list entity), "txn", "singleton", "readonly"
    creatable = True
    updatable = True
    deletable = False
    voidable = False
    has_active = False
    in_cdc = True
    # Fields the service computes; whatever the client sends for them is ignored.
    computed: tuple[str, ...] = ()
    # Required on create (and after merging a full update). Dotted names allowed.
    required: tuple[str, ...] = ()
    # Max lengths for string fields (dotted names allowed).
    lengths: dict[str, int] = {}
    # Fields that must not contain ``NAME_FORBIDDEN`` characters.
    no_forbidden_chars: tuple[str, ...] = ()
    # Name uniqueness within this entity: (field, words for the 6240 detail).
    unique_name: tuple[str, str] | None = None
    # The field a reference to this entity shows as its "name".
    ref_name_field = "Name"
    # The key QBO wraps the entity in when it differs from the URL name
    # (CreditCardPayment answers as "CreditCardPaymentTxn").
    json_name: str | None = None

    @property
    def wire_name(self) -> str:
        return self.json_name or self.name

    # True when ``present`` changes records (reads then copy them first).
    presents = False

    def present(self, realm: Realm, record: dict) -> dict:
        """The record as the API answers it (a copy the caller owns); most answer it as stored."""
        return record

    @property
    def path(self) -> str:
        return self.name.lower()

    # --- pipeline ---------------------------------------------------------------------------

    def unwrap(self, payload: dict) -> dict:
        """A request body as the flat record the store works on (most bodies already are)."""
        return payload

    def clean(self, payload: dict) -> dict:
        data = strip_empty(payload)  # builds new dicts and lists
        for key in (*SYSTEM_FIELDS, *self.computed):
            data.pop(key, None)
        return data

    def merge(self, old: dict | None, data: dict, *, sparse: bool) -> dict:
        if old is None:
            return data
        if sparse:
            merged = clone(old)
            merged.update(data)
            return merged
        # Full update: every writable field the client omitted is cleared
        # (docs/intuit-api.md §1.2 [U]).
        kept = {k: clone(v) for k, v in old.items() if k in SYSTEM_FIELDS or k in self.computed}
        kept.update(data)
        return kept

    def prepare(self, realm: Realm, record: dict, old: dict | None) -> dict:
        if old is None:
            self.defaults(realm, record)
        self.normalize(realm, record, old)
        self.validate(realm, record, old)
        self.compute(realm, record, old)
        return record

    # --- hooks for entity modules -----------------------------------------------------------

    def defaults(self, realm: Realm, record: dict) -> None:
        if self.has_active:
            record.setdefault("Active", True)

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        if self.has_active and "Active" in record:
            record["Active"] = is_true(record["Active"])

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.check_required(record)
        self.check_lengths(record)
        self.check_characters(record)
        self.check_unique_name(realm, record)
        self.resolve_refs(realm, record, record)

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        pass

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        """Update records this write affects (through ``realm.touch``)."""

    def check_doc_number(self, realm: Realm, record: dict, include: tuple[str, ...]) -> None:
        """Sales and purchase forms assign and de-duplicate DocNumber (see ``txn.py``)."""

    def display_name(self, record: dict) -> str | None:
        """What a reference to this record shows as ``name``."""
        return record.get("FullyQualifiedName") or record.get(self.ref_name_field)

    def order(self, record: dict) -> dict:
        """Key order of the stored (and answered) record: Id-first reads better in logs."""
        return record

    def on_void(self, realm: Realm, record: dict) -> dict:
        raise errors.unsupported_operation(f"Operation Void is not supported for {self.name}.")

    # --- shared rules -----------------------------------------------------------------------

    def check_required(self, record: dict) -> None:
        for field in self.required:
            value = get_path(record, field)
            if value is None or value == "" or value == []:
                raise errors.required_param(field)

    def check_lengths(self, record: dict) -> None:
        for field, max_len in self.lengths.items():
            value = get_path(record, field)
            if value is not None and text_length(value) > max_len:
                raise errors.string_length(field, max_len, text_length(value))

    def check_characters(self, record: dict) -> None:
        for field in self.no_forbidden_chars:
            value = record.get(field)
            if isinstance(value, str) and any(c in value for c in NAME_FORBIDDEN):
                raise errors.invalid_characters(field, "colons (:), tabs or new lines")

    def check_unique_name(self, realm: Realm, record: dict) -> None:
        if not self.unique_name:
            return
        field, words = self.unique_name
        if name_taken(
            realm,
            self.index_group,
            self.index_members,
            field,
            record.get(field),
            (self.name, record.get("Id")),
        ):
            raise errors.duplicate_name(words, field)

    # Name uniqueness is checked through an index: (group, normalised name) -> {(entity, Id)}.
    @property
    def index_group(self) -> str:
        return self.name

    @property
    def index_members(self) -> tuple[str, ...]:
        return (self.name,)

    def reindex(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        """Keep the name index in step after a committed write (called by the store)."""
        if not self.unique_name:
            return
        field = self.unique_name[0]
        index = name_index(realm, self.index_group, self.index_members, field)
        if old is not None:
            index.get(normalize_name(old.get(field)), set()).discard((self.name, old["Id"]))
        if record is not None and normalize_name(record.get(field)):
            index.setdefault(normalize_name(record.get(field)), set()).add(
                (self.name, record["Id"])
            )

    def resolve_refs(self, realm: Realm, node: Any, record: dict, key: str | None = None) -> None:
        """Check every ``*Ref`` in the record: a missing target is 2500, an inactive one 610.
        The reference's ``name`` is filled in as QBO does in its responses."""
        if isinstance(node, list):
            for item in node:
                self.resolve_refs(realm, item, record, key)
            return
        if not isinstance(node, dict):
            return
        if key is not None and "value" in node:
            target = ref_target(key, record, self.name)
            if target:
                node["value"] = str(node["value"])
                realm.resolve_ref(key, target, node, pseudo=REF_PSEUDO_VALUES.get(key, set()))
                return
        for child_key, child in node.items():
            if isinstance(child, dict | list):
                self.resolve_refs(realm, child, record, child_key)


def name_index(realm: Realm, group: str, members: tuple[str, ...], field: str) -> dict[str, set]:
    """Built on first use from the tables, then maintained by ``EntityType.reindex``."""
    index = realm.indexes.get(("names", group))
    if index is None:
        index = {}
        for entity in members:
            for record in realm.table(entity).values():
                key = normalize_name(record.get(field))
                if key:
                    index.setdefault(key, set()).add((entity, record["Id"]))
        realm.indexes[("names", group)] = index
    return index


def name_taken(
    realm: Realm, group: str, members: tuple[str, ...], field: str, name: Any, me: tuple
) -> bool:
    key = normalize_name(name)
    if not key:
        return False
    holders = name_index(realm, group, members, field).get(key, set())
    return any(holder != me for holder in holders)


def normalize_name(value: Any) -> str:
    # [U] uniqueness is case-insensitive and ignores surrounding blanks (docs/emulator.md).
    return value.strip().casefold() if isinstance(value, str) else ""


def ref_target(key: str, record: dict, entity_name: str) -> str | None:
    if key in REF_TARGETS:
        return REF_TARGETS[key]
    if key.endswith("AccountRef"):
        return "Account"
    if key == "ParentRef":
        return entity_name
    return None

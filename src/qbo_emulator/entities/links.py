"""Derived links between transactions: which payments apply to which invoices (and bill
payments to bills), and the open balances of customers and vendors.

These are indexes, rebuilt from the stored records on load, so the only persisted truth is the
records themselves. A payment write updates the index, then refreshes every invoice whose
applied total changed (new Balance and read-only LinkedTxn, a new SyncToken, an Update report).
"""

from __future__ import annotations

from decimal import Decimal

from ..jsonutil import to_decimal
from .base import Realm, money

# payment entity -> (target entity, LinkedTxn.TxnType shown on the target, party ref field)
APPLICATIONS = {
    "Payment": ("Invoice", "Payment", "CustomerRef"),
    "BillPayment": ("Bill", "BillPaymentCheck", "VendorRef"),
}
# entity -> (party entity, party ref field, balance field, sign)
PARTY_BALANCES = {
    "Invoice": ("Customer", "CustomerRef", "Balance", 1),
    "CreditMemo": ("Customer", "CustomerRef", "Balance", -1),
    "Payment": ("Customer", "CustomerRef", "UnappliedAmt", -1),
    "Bill": ("Vendor", "VendorRef", "Balance", 1),
    "VendorCredit": ("Vendor", "VendorRef", "Balance", -1),
}


def index(realm: Realm) -> dict:
    """(target entity, target id) -> {payment id: applied amount}."""
    if "applications" not in realm.indexes:
        rebuild(realm)
    return realm.indexes["applications"]


def rebuild(realm: Realm) -> None:
    realm.indexes["applications"] = {}
    for entity in APPLICATIONS:
        for record in realm.table(entity).values():
            _add(realm, entity, record)


def applied_lines(entity: str, record: dict | None) -> list[tuple[str, Decimal]]:
    """(target id, amount) for each line of a payment that applies to the target type."""
    if not record:
        return []
    target_type = APPLICATIONS[entity][0]
    out = []
    for line in record.get("Line", []):
        for link in line.get("LinkedTxn", []):
            if link.get("TxnType") == target_type:
                out.append((str(link.get("TxnId")), to_decimal(line.get("Amount")) or Decimal(0)))
    return out


def _add(realm: Realm, entity: str, record: dict) -> None:
    target_type = APPLICATIONS[entity][0]
    for target_id, amount in applied_lines(entity, record):
        bucket = realm.indexes["applications"].setdefault((target_type, target_id), {})
        bucket[record["Id"]] = bucket.get(record["Id"], Decimal(0)) + amount


def _remove(realm: Realm, entity: str, record: dict) -> None:
    target_type = APPLICATIONS[entity][0]
    for target_id, _ in applied_lines(entity, record):
        bucket = realm.indexes["applications"].get((target_type, target_id), {})
        bucket.pop(record["Id"], None)


def applied_to(
    realm: Realm, target_type: str, target_id: str, *, excluding: str | None = None
) -> Decimal:
    bucket = index(realm).get((target_type, str(target_id)), {})
    return sum((amount for pid, amount in bucket.items() if pid != excluding), Decimal(0))


def payments_of(realm: Realm, target_type: str, target_id: str) -> list[str]:
    return sorted(index(realm).get((target_type, str(target_id)), {}), key=int)


def payment_written(realm: Realm, entity: str, record: dict | None, old: dict | None) -> None:
    """Update the index and refresh every target whose applied total changed."""
    index(realm)
    if old:
        _remove(realm, entity, old)
    if record:
        _add(realm, entity, record)
    target_type = APPLICATIONS[entity][0]
    touched = {t for t, _ in applied_lines(entity, old)} | {
        t for t, _ in applied_lines(entity, record)
    }
    for target_id in sorted(touched, key=lambda v: int(v) if v.isdigit() else 0):
        refresh_target(realm, target_type, target_id)


def refresh_target(realm: Realm, target_type: str, target_id: str) -> None:
    """Recompute an invoice's (or bill's) Balance and read-only payment links."""
    current = realm.find(target_type, target_id)
    if current is None:
        return
    updated = dict(current)
    apply_links(realm, target_type, updated)
    if updated.get("Balance") != current.get("Balance") or updated.get("LinkedTxn") != current.get(
        "LinkedTxn"
    ):
        realm.touch(target_type, updated)
        party_changed(realm, target_type, updated, current)


def apply_links(realm: Realm, target_type: str, record: dict) -> None:
    """Set Balance = TotalAmt - payments applied, and LinkedTxn listing those payments."""
    payment_entity = "Payment" if target_type == "Invoice" else "BillPayment"
    if "Id" in record:
        applied = applied_to(realm, target_type, record["Id"])
        payments = payments_of(realm, target_type, record["Id"])
    else:
        applied, payments = Decimal(0), []
    record["Balance"] = money(max(money(record.get("TotalAmt")) - applied, Decimal(0)))
    links = []
    for pid in payments:
        txn_type = APPLICATIONS[payment_entity][1]
        if payment_entity == "BillPayment":
            payment = realm.find("BillPayment", pid) or {}
            txn_type = (
                "BillPaymentCreditCard"
                if payment.get("PayType") == "CreditCard"
                else "BillPaymentCheck"
            )
        links.append({"TxnId": pid, "TxnType": txn_type})
    if links:
        record["LinkedTxn"] = links
    else:
        record.pop("LinkedTxn", None)


def party_changed(realm: Realm, entity: str, record: dict | None, old: dict | None) -> None:
    """Move the record's contribution to its customer's / vendor's open balance. [U] The party
    record's SyncToken is not bumped by balance changes (docs/emulator.md)."""
    if entity not in PARTY_BALANCES:
        return
    party_entity, ref_field, balance_field, sign = PARTY_BALANCES[entity]
    for rec, factor in ((old, -1), (record, 1)):
        if not rec:
            continue
        party = realm.find(party_entity, (rec.get(ref_field) or {}).get("value"))
        if party is None:
            continue
        delta = (to_decimal(rec.get(balance_field)) or Decimal(0)) * sign * factor
        if not delta:
            continue
        updated = dict(party)
        updated["Balance"] = money((to_decimal(party.get("Balance")) or Decimal(0)) + delta)
        if "BalanceWithJobs" in updated:
            updated["BalanceWithJobs"] = updated["Balance"]
        realm.touch(party_entity, updated, bump=False)

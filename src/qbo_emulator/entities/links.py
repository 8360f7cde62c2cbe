"""Derived links between transactions: which payments apply to which forms, and the open
balances of customers and vendors.

A Payment's lines link invoices (charges it pays) and credit memos (credits it uses up); a
BillPayment's lines link bills and vendor credits the same way. Applying lowers each linked
form's ``Balance`` (and a credit memo's ``RemainingCredit``) and adds a read-only ``LinkedTxn``
back to the payment on it. Net of credits, the lines must fit in the payment's ``TotalAmt``; what
is left is the payment's ``UnappliedAmt``.

These are indexes, rebuilt from the stored records on load, so the only persisted truth is the
records themselves. A payment write updates the index, then refreshes every form whose applied
total changed (new Balance and LinkedTxn, a new SyncToken, an Update report).
"""

from __future__ import annotations

from decimal import Decimal

from ..jsonutil import to_decimal
from .base import Realm, money

# payment entity -> {target entity: +1 for a charge it pays, -1 for a credit it uses}
APPLICATIONS = {
    "Payment": {"Invoice": 1, "CreditMemo": -1},
    "BillPayment": {"Bill": 1, "VendorCredit": -1},
}
# target entity -> the payment entity whose lines link it
PAID_BY = {target: payer for payer, targets in APPLICATIONS.items() for target in targets}
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


def applied_lines(entity: str, record: dict | None) -> list[tuple[str, str, Decimal]]:
    """(target entity, target id, amount) for each line of a payment that links a form."""
    if not record:
        return []
    targets = APPLICATIONS[entity]
    out = []
    for line in record.get("Line", []):
        for link in line.get("LinkedTxn", []):
            if link.get("TxnType") in targets:
                out.append(
                    (
                        link["TxnType"],
                        str(link.get("TxnId")),
                        to_decimal(line.get("Amount")) or Decimal(0),
                    )
                )
    return out


def _add(realm: Realm, entity: str, record: dict) -> None:
    for target_type, target_id, amount in applied_lines(entity, record):
        bucket = realm.indexes["applications"].setdefault((target_type, target_id), {})
        bucket[record["Id"]] = bucket.get(record["Id"], Decimal(0)) + amount


def _remove(realm: Realm, entity: str, record: dict) -> None:
    for target_type, target_id, _ in applied_lines(entity, record):
        bucket = realm.indexes["applications"].get((target_type, target_id), {})
        bucket.pop(record["Id"], None)


def applied_to(
    realm: Realm, target_type: str, target_id: str, *, excluding: str | None = None
) -> Decimal:
    bucket = index(realm).get((target_type, str(target_id)), {})
    return sum((amount for pid, amount in bucket.items() if pid != excluding), Decimal(0))


def payments_of(realm: Realm, target_type: str, target_id: str) -> list[str]:
    return sorted(index(realm).get((target_type, str(target_id)), {}), key=_id_order)


def net_applied(entity: str, record: dict) -> Decimal:
    """Charges paid minus credits used: what the lines take out of the payment's TotalAmt."""
    targets = APPLICATIONS[entity]
    return sum(
        (amount * targets[kind] for kind, _, amount in applied_lines(entity, record)),
        Decimal(0),
    )


def payment_written(
    realm: Realm,
    entity: str,
    record: dict | None,
    old: dict | None,
    *,
    skip: tuple[str, str] | None = None,
) -> None:
    """Update the index and refresh every target whose applied total changed (except ``skip``,
    a form that is being deleted or voided and is written by its own operation)."""
    index(realm)
    if old:
        _remove(realm, entity, old)
    if record:
        _add(realm, entity, record)
    touched = {(kind, tid) for kind, tid, _ in applied_lines(entity, old)} | {
        (kind, tid) for kind, tid, _ in applied_lines(entity, record)
    }
    for target_type, target_id in sorted(touched, key=lambda t: (t[0], _id_order(t[1]))):
        if (target_type, target_id) != skip:
            refresh_target(realm, target_type, target_id)


def refresh_target(realm: Realm, target_type: str, target_id: str) -> None:
    """Recompute a form's Balance (RemainingCredit) and read-only payment links."""
    current = realm.find(target_type, target_id)
    if current is None:
        return
    updated = dict(current)
    apply_links(realm, target_type, updated)
    if any(
        updated.get(key) != current.get(key) for key in ("Balance", "RemainingCredit", "LinkedTxn")
    ):
        realm.touch(target_type, updated)
        party_changed(realm, target_type, updated, current)


def apply_links(realm: Realm, target_type: str, record: dict) -> None:
    """Balance = TotalAmt - what payments applied; LinkedTxn lists those payments after the
    form's other links (e.g. the estimate an invoice came from)."""
    payer = PAID_BY[target_type]
    if "Id" in record:
        applied = applied_to(realm, target_type, record["Id"])
        payments = payments_of(realm, target_type, record["Id"])
    else:
        applied, payments = Decimal(0), []
    record["Balance"] = money(max(money(record.get("TotalAmt")) - applied, Decimal(0)))
    if target_type == "CreditMemo":
        record["RemainingCredit"] = record["Balance"]
    payment_types = {"Payment", "BillPaymentCheck", "BillPaymentCreditCard"}
    links = [
        link for link in record.get("LinkedTxn", []) if link.get("TxnType") not in payment_types
    ]
    for pid in payments:
        txn_type = "Payment"
        if payer == "BillPayment":
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


def detach_target(realm: Realm, target_type: str, target_id: str) -> None:
    """A form is being deleted or voided: every payment that applied to it loses those lines,
    and is rebalanced so its charges net of credits still fit in its TotalAmt (the charges or
    credits it no longer covers are released, newest line first). Each payment gets a new
    SyncToken, and the other forms it touched are refreshed."""
    payer = PAID_BY[target_type]
    signs = APPLICATIONS[payer]
    for payment_id in payments_of(realm, target_type, target_id):
        payment = realm.find(payer, payment_id)
        if payment is None:
            continue
        updated = dict(payment)
        lines = [
            dict(line)
            for line in payment.get("Line", [])
            if not any(
                link.get("TxnType") == target_type and str(link.get("TxnId")) == str(target_id)
                for link in line.get("LinkedTxn", [])
            )
        ]
        rebalance(lines, signs, money(payment.get("TotalAmt")))
        updated["Line"] = [line for line in lines if money(line.get("Amount")) != 0]
        if payer == "Payment":
            updated["UnappliedAmt"] = money(
                money(updated.get("TotalAmt")) - net_applied(payer, updated)
            )
        realm.touch(payer, updated)
        payment_written(realm, payer, updated, payment, skip=(target_type, str(target_id)))
        party_changed(realm, payer, updated, payment)


def rebalance(lines: list[dict], signs: dict[str, int], total: Decimal) -> None:
    """Shrink lines (from the last) until credits <= charges and charges - credits <= total."""

    def kind(line: dict) -> int:
        for link in line.get("LinkedTxn", []):
            if link.get("TxnType") in signs:
                return signs[link["TxnType"]]
        return 0

    def amount_of(sign: int) -> Decimal:
        return sum((money(line.get("Amount")) for line in lines if kind(line) == sign), Decimal(0))

    def shrink(sign: int, excess: Decimal) -> None:
        for line in reversed(lines):
            if excess <= 0:
                return
            if kind(line) != sign:
                continue
            cut = min(money(line.get("Amount")), excess)
            line["Amount"] = money(money(line.get("Amount")) - cut)
            excess -= cut

    charges, credits = amount_of(1), amount_of(-1)
    if credits > charges:
        shrink(-1, credits - charges)
    charges, credits = amount_of(1), amount_of(-1)
    if charges - credits > total:
        shrink(1, charges - credits - total)


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


def _id_order(value: str) -> tuple:
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)

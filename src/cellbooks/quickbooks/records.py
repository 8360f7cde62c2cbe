"""How Cellbooks reads QBO records: one definition of each fact it relies on.

- Money: QBO sends amounts as JSON numbers; the client parses them as Decimal, and ``money`` gives
  two places (a missing amount is zero).
- Voided: QBO keeps a voided transaction with its amounts zeroed and "Voided" prepended to its
  PrivateNote (Intuit's Payment and Invoice void documentation).
- Preferences: some switches live in named fields (``SalesFormsPrefs.CustomTxnNumbers``), others
  only in ``OtherPrefs.NameValue`` pairs (``VendorAndPurchasesPrefs.UseCustomTxnNumbers``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

CENT = Decimal("0.01")
VOID_MARK = "Voided"


def money(value) -> Decimal:
    """A QBO amount (Decimal, number or string; None for absent) as a two-place Decimal."""
    return Decimal(str(value if value is not None else "0")).quantize(CENT)


def is_voided(record: dict) -> bool:
    return (record.get("PrivateNote") or "").startswith(VOID_MARK)


def paid_amount(record: dict) -> Decimal:
    """What has been paid against an invoice or bill: its total minus its balance."""
    total = money(record.get("TotalAmt"))
    return total - money(record.get("Balance", record.get("TotalAmt")))


def name_value(container: dict | None, name: str) -> str | None:
    """A ``NameValue`` pair's value, by name, from a Preferences' ``OtherPrefs`` or a
    CompanyInfo; None when absent."""
    for pair in (container or {}).get("NameValue", []) or []:
        if pair.get("Name") == name:
            return str(pair.get("Value", ""))
    return None


def is_true(value) -> bool:
    return str(value).strip().lower() == "true"


def custom_txn_numbers(prefs: dict, qbo_entity: str) -> bool:
    """Whether this company types its own document numbers for ``qbo_entity``."""
    if qbo_entity == "Bill":
        return True  # a bill's number is the vendor's reference, never auto-assigned
    if qbo_entity in ("PurchaseOrder", "VendorCredit"):
        return is_true(
            name_value(prefs.get("OtherPrefs"), "VendorAndPurchasesPrefs.UseCustomTxnNumbers")
        )
    return bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))


def purchase_orders_enabled(prefs: dict) -> bool:
    enabled = name_value(prefs.get("OtherPrefs"), "VendorAndPurchasesPrefs.PurchaseOrderEnabled")
    if enabled is None:
        enabled = (prefs.get("ProductAndServicesPrefs") or {}).get("InventoryAndPurchaseOrder", "")
    return is_true(enabled)


def plan_of(company_info: dict) -> str:
    """The QBO plan (``OfferingSku``, e.g. "QuickBooks Online Plus"), or "" if unknown."""
    return name_value(company_info, "OfferingSku") or ""


def qbo_time(moment: datetime) -> str:
    """A moment as QBO's queries and CDC take it: ISO 8601 in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

"""CompanyInfo and Preferences: one record per company (Id "1"), read and updated, never
created or deleted through the API."""

from __future__ import annotations

from .. import errors
from ..jsonutil import clone
from .base import EntityType, Realm

OFFERING_SKUS = {
    "simple_start": "QuickBooks Online Simple Start",
    "essentials": "QuickBooks Online Essentials",
    "plus": "QuickBooks Online Plus",
    "advanced": "QuickBooks Online Advanced",
}


class SingletonType(EntityType):
    kind = "singleton"
    creatable = False
    in_cdc = False


class CompanyInfoType(SingletonType):
    name = "CompanyInfo"
    computed = ("CompanyStartDate",)
    lengths = {"CompanyName": 1024, "Email.Address": 100, "WebAddr.URI": 1000}
    ref_name_field = "CompanyName"

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        if not record.get("CompanyName"):
            raise errors.required_param("CompanyName")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        if old:
            record["CompanyStartDate"] = old.get("CompanyStartDate")
            # NameValue carries the edition (OfferingSku); clients cannot change their plan.
            record["NameValue"] = old.get("NameValue", [])

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        if record and record.get("CompanyName"):
            realm.meta["name"] = record["CompanyName"]


class PreferencesType(SingletonType):
    name = "Preferences"
    computed = ("CurrencyPrefs",)

    def merge(self, old: dict | None, data: dict, *, sparse: bool) -> dict:
        """A sparse update changes only the preferences sent, inside each group too
        (``{"SalesFormsPrefs": {"CustomTxnNumbers": false}}`` keeps the other sales prefs)."""
        if old is None or not sparse:
            return super().merge(old, data, sparse=sparse)
        return deep_merge(clone(old), data)

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        if old:
            record["CurrencyPrefs"] = old.get("CurrencyPrefs", {})

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        # Keep the company's summary (shown by the control plane and UI) in step.
        if not record:
            return
        realm.meta["custom_txn_numbers"] = bool(
            record.get("SalesFormsPrefs", {}).get("CustomTxnNumbers")
        )
        realm.meta["purchase_orders_enabled"] = (
            realm.other_pref("VendorAndPurchasesPrefs.PurchaseOrderEnabled") == "true"
        )


def deep_merge(target: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = value
    return target


def offering_sku(plan: str) -> str:
    return OFFERING_SKUS[plan]

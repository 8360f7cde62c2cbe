"""Bill, PurchaseOrder, VendorCredit and Purchase (docs/intuit-api.md §2.2, §2.3, §2.8)."""

from __future__ import annotations

from .. import errors
from . import links
from .base import Realm, is_true, money
from .txn import TxnType

EXPENSE_LINE_TYPES = ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail")
EXPENSE_LENGTHS = {"DocNumber": 21, "PrivateNote": 4000}


class ExpenseFormType(TxnType):
    required = ("VendorRef", "Line")
    lengths = EXPENSE_LENGTHS
    line_types = EXPENSE_LINE_TYPES
    needs_ap_account = True

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        if self.needs_ap_account and not record.get("APAccountRef"):
            # Implied when the company has a single A/P account (docs/intuit-api.md §2.2).
            payables = [
                a
                for a in realm.table("Account").values()
                if a.get("AccountType") == "Accounts Payable" and a.get("Active")
            ]
            if len(payables) == 1:
                record["APAccountRef"] = {"value": payables[0]["Id"], "name": payables[0]["Name"]}

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        for line in record["Line"]:
            if line.get("DetailType") == "AccountBasedExpenseLineDetail":
                if not (line.get("AccountBasedExpenseLineDetail") or {}).get("AccountRef"):
                    raise errors.required_param("Line.AccountBasedExpenseLineDetail.AccountRef")
            if line.get("DetailType") == "ItemBasedExpenseLineDetail":
                if not (line.get("ItemBasedExpenseLineDetail") or {}).get("ItemRef"):
                    raise errors.required_param("Line.ItemBasedExpenseLineDetail.ItemRef")
            if len(str(line.get("Description", ""))) > 4000:
                raise errors.string_length("Line.Description", 4000, len(line["Description"]))
        ap = realm.find("Account", (record.get("APAccountRef") or {}).get("value"))
        if ap is not None and ap.get("AccountType") != "Accounts Payable":
            raise errors.business_validation(
                "APAccountRef must be an Accounts Payable account.", "APAccountRef"
            )

    def total(self, record: dict) -> None:
        record["TotalAmt"] = money(self.lines_total(record, EXPENSE_LINE_TYPES))


class BillType(ExpenseFormType):
    name = "Bill"
    computed = ("TotalAmt", "Balance", "HomeBalance", "LinkedTxn")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.due_date(realm, record)
        self.total(record)
        links.apply_links(realm, "Bill", record)
        if old and record["TotalAmt"] < links.applied_to(realm, "Bill", old["Id"]):
            raise errors.business_validation(
                "The bill total can't be less than the payments applied to it.", "TotalAmt"
            )

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        links.party_changed(realm, self.name, record, old)
        if record is None and old is not None:
            links.detach_target(realm, self.name, old["Id"])


class VendorCreditType(BillType):
    """A vendor's credit: its Balance is used up by BillPayments whose lines link it next to
    the bills it pays (docs/emulator.md, "Credits")."""

    name = "VendorCredit"
    computed = ("TotalAmt", "Balance", "LinkedTxn")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.total(record)
        links.apply_links(realm, self.name, record)
        if old and record["TotalAmt"] < links.applied_to(realm, self.name, old["Id"]):
            raise errors.business_validation(
                "The vendor credit total can't be less than the credit already applied.",
                "TotalAmt",
            )


class PurchaseOrderType(ExpenseFormType):
    name = "PurchaseOrder"
    computed = ("TotalAmt", "LinkedTxn")
    lengths = {**EXPENSE_LENGTHS, "Memo": 4000, "POEmail.Address": 100}
    doc_sequence = "purchase"
    duplicate_doc_numbers_checked = True

    def uses_custom_numbers(self, realm: Realm) -> bool:
        # PO numbering has its own switch (docs/intuit-api.md §2.3).
        return realm.other_pref("VendorAndPurchasesPrefs.UseCustomTxnNumbers") == "true"

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("POStatus", "Open")
        record.setdefault("EmailStatus", "NotSet")

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        plan = realm.meta.get("plan")
        if plan not in ("plus", "advanced"):
            raise errors.permission_denied("Purchase Order creation is available only in QBO Plus")
        if realm.other_pref("VendorAndPurchasesPrefs.PurchaseOrderEnabled") != "true":
            raise errors.permission_denied(
                "Purchase orders are turned off for this company. Turn on purchase orders in Account and Settings."
            )
        super().validate(realm, record, old)
        if record.get("POStatus") not in ("Open", "Closed", "ManuallyClosed"):
            raise errors.invalid_enum("POStatus", record.get("POStatus"))

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.total(record)


PAYMENT_TYPES = ("Cash", "Check", "CreditCard")
PAYEE_TYPES = ("Vendor", "Customer", "Employee")


class PurchaseType(ExpenseFormType):
    """An expense paid at once (cash, check or credit card) from ``AccountRef``; with
    ``Credit: true`` a credit card credit (money back to the card)."""

    name = "Purchase"
    required = ("AccountRef", "PaymentType", "Line")
    computed = ("TotalAmt",)
    needs_ap_account = False

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        if record.get("PaymentType") not in PAYMENT_TYPES:
            if not record.get("PaymentType"):
                raise errors.required_param("PaymentType")
            raise errors.invalid_enum("PaymentType", record.get("PaymentType"))
        entity = record.get("EntityRef")
        if entity:
            kind = entity.get("type") or "Vendor"
            if kind not in PAYEE_TYPES:
                raise errors.invalid_enum("EntityRef.type", kind)
            entity["value"] = str(entity.get("value", ""))
            realm.resolve_ref("EntityRef", kind, entity, pseudo=set())
        super().validate(realm, record, old)
        account = realm.find("Account", record["AccountRef"]["value"]) or {}
        wanted = ("Credit Card",) if record["PaymentType"] == "CreditCard" else ("Bank",)
        if account.get("AccountType") not in (*wanted, "Other Current Asset"):
            raise errors.business_validation(
                f"AccountRef must be a {'credit card' if wanted == ('Credit Card',) else 'bank'} "
                "account for this PaymentType.",
                "AccountRef",
            )
        if "Credit" in record:
            record["Credit"] = is_true(record["Credit"])
            if record["Credit"] and record["PaymentType"] != "CreditCard":
                raise errors.business_validation(
                    "Only a CreditCard purchase can be a credit.", "Credit"
                )

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.total(record)

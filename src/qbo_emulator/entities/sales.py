"""Invoice and CreditMemo (facts §2.1, §2.8)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from . import links
from .base import Realm, money
from .txn import TxnType

SALES_LINE_TYPES = (
    "SalesItemLineDetail",
    "GroupLineDetail",
    "DescriptionOnly",
    "DiscountLineDetail",
    "SubTotalLineDetail",
)
SALES_LENGTHS = {
    "DocNumber": 21,
    "PrivateNote": 4000,
    "CustomerMemo.value": 1000,
    "BillEmail.Address": 100,
    "BillEmailCc.Address": 200,
    "BillEmailBcc.Address": 200,
}


class SalesFormType(TxnType):
    required = ("CustomerRef", "Line")
    lengths = SALES_LENGTHS
    line_types = SALES_LINE_TYPES
    doc_sequence = "sales"  # invoices and credit memos share one sequence, as in QBO
    duplicate_doc_numbers_checked = True

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("PrintStatus", "NotSet")
        record.setdefault("EmailStatus", "NotSet")
        record.setdefault("ApplyTaxAfterDiscount", False)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        for line in record["Line"]:
            if len(str(line.get("Description", ""))) > 4000:
                raise errors.string_length("Line.Description", 4000, len(line["Description"]))
        if record.get("EmailStatus") == "NeedToSend" and not (record.get("BillEmail") or {}).get(
            "Address"
        ):
            raise errors.business_validation(
                "Need to provide a valid email address to send the transaction to.", "BillEmail"
            )

    def compute_total(self, record: dict) -> None:
        """1. Subtotal = item and group lines.
        2. Discount lines: a percentage of the subtotal, or their fixed Amount.
        3. TotalAmt = subtotal - discount + tax (sales tax is not computed: TotalTax 0 unless
           the client sent one). A SubTotalLineDetail line is appended, as QBO does."""
        subtotal = self.lines_total(record, ("SalesItemLineDetail", "GroupLineDetail"))
        discount = Decimal(0)
        for line in record["Line"]:
            if line.get("DetailType") != "DiscountLineDetail":
                continue
            detail = line.setdefault("DiscountLineDetail", {})
            if (
                str(detail.get("PercentBased", "")).lower() == "true"
                and detail.get("DiscountPercent") is not None
            ):
                line["Amount"] = money(subtotal * to_decimal(detail["DiscountPercent"]) / 100)
            discount += to_decimal(line.get("Amount")) or Decimal(0)
        tax_detail = record.setdefault("TxnTaxDetail", {})
        tax = to_decimal(tax_detail.get("TotalTax")) or Decimal(0)
        tax_detail["TotalTax"] = money(tax)
        record["TotalAmt"] = money(subtotal - discount + tax)
        record["Line"].append(
            {
                "Amount": money(subtotal),
                "DetailType": "SubTotalLineDetail",
                "SubTotalLineDetail": {},
            }
        )


class InvoiceType(SalesFormType):
    name = "Invoice"
    voidable = True
    computed = ("TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt", "LinkedTxn", "InvoiceLink")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.due_date(realm, record)
        self.compute_total(record)
        links.apply_links(realm, "Invoice", record)
        if old and record["TotalAmt"] < links.applied_to(realm, "Invoice", old["Id"]):
            raise errors.business_validation(
                "The invoice total can't be less than the payments applied to it.", "TotalAmt"
            )

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        links.party_changed(realm, self.name, record, old)
        if record is None and old is not None:
            links.detach_target(realm, self.name, old["Id"])

    def on_void(self, realm: Realm, record: dict) -> dict:
        """Voiding keeps the invoice with zero amounts; payments applied to it become unapplied
        credit (their lines for this invoice are removed)."""
        links.detach_target(realm, self.name, record["Id"])
        self.zero_amounts(record)
        record["Line"] = [
            line for line in record["Line"] if line.get("DetailType") != "SubTotalLineDetail"
        ]
        self.compute_total(record)
        record["TxnTaxDetail"] = {"TotalTax": Decimal("0.00")}
        record["TotalAmt"] = Decimal("0.00")
        links.apply_links(realm, self.name, record)
        return record


class CreditMemoType(InvoiceType):
    """A credit for a customer: its RemainingCredit (= Balance) is used up by Payments whose
    lines link it next to the invoices it pays (docs/emulator.md, "Credits")."""

    name = "CreditMemo"
    computed = ("TotalAmt", "Balance", "RemainingCredit", "HomeTotalAmt", "LinkedTxn")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.compute_total(record)
        links.apply_links(realm, self.name, record)
        if old and record["TotalAmt"] < links.applied_to(realm, self.name, old["Id"]):
            raise errors.business_validation(
                "The credit memo total can't be less than the credit already applied.",
                "TotalAmt",
            )


class RefundReceiptType(SalesFormType):
    """Money paid back to a customer at once (from a bank or other current asset account):
    no balance is left and the customer's A/R balance does not move."""

    name = "RefundReceipt"
    required = ("Line", "DepositToAccountRef")
    computed = ("TotalAmt", "Balance", "HomeTotalAmt")

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        account = realm.find("Account", record["DepositToAccountRef"]["value"]) or {}
        if account.get("AccountType") not in ("Bank", "Other Current Asset", "Credit Card"):
            raise errors.business_validation(
                "DepositToAccountRef must be a bank, credit card or other current asset account.",
                "DepositToAccountRef",
            )

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.compute_total(record)
        record["Balance"] = Decimal("0.00")

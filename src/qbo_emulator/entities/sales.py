"""Invoice and CreditMemo (docs/intuit-api.md §2.1, §2.8)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from . import links
from .base import Realm, money
from .tax import compute_sales_tax
from .txn import TxnType, parse_date

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

    def compute_total(self, record: dict, realm: Realm | None = None) -> None:
        """1. Subtotal = item and group lines.
        2. Discount lines: a percentage of the subtotal, or their fixed Amount.
        3. TotalAmt = subtotal - discount + tax: with a TxnTaxDetail.TxnTaxCodeRef the tax is
           computed from the code's rates (``tax.py``), otherwise TotalTax is what the client
           sent, else 0. A SubTotalLineDetail line is appended, as QBO does."""
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
        tax = compute_sales_tax(realm, record, discount) if realm is not None else None
        if tax is None:
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


class AppliedFormType(SalesFormType):
    """A form payments apply to (an invoice's charge, a credit memo's credit): deleting or
    voiding it releases those payments' lines for it (``links.detach_target``)."""

    voidable = True

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        links.party_changed(realm, self.name, record, old)
        if record is None and old is not None:
            links.detach_target(realm, self.name, old["Id"])

    def on_void(self, realm: Realm, record: dict) -> dict:
        """Voiding keeps the form with zero amounts; the payments applied to it lose their
        lines for it (for an invoice they become unapplied credit)."""
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

    def check_applied(self, realm: Realm, record: dict, old: dict | None, words: str) -> None:
        if old and record["TotalAmt"] < links.applied_to(realm, self.name, old["Id"]):
            raise errors.business_validation(f"The {words}.", "TotalAmt")


class InvoiceType(AppliedFormType):
    name = "Invoice"
    computed = ("TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt", "LinkedTxn", "InvoiceLink")

    def clean(self, payload: dict) -> dict:
        """LinkedTxn is read-only, except the estimates an invoice is made from."""
        estimates = [
            {"TxnId": str(link.get("TxnId")), "TxnType": "Estimate"}
            for link in (payload.get("LinkedTxn") or [])
            if isinstance(link, dict) and link.get("TxnType") == "Estimate"
        ]
        data = super().clean(payload)
        if estimates:
            data["LinkedTxn"] = estimates
        return data

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        for link in record.get("LinkedTxn", []):
            if link.get("TxnType") != "Estimate":
                continue
            estimate = realm.find("Estimate", link["TxnId"])
            if estimate is None:
                raise errors.invalid_reference("LinkedTxn")
            if estimate["CustomerRef"]["value"] != record["CustomerRef"]["value"]:
                raise errors.business_validation(
                    "The estimate belongs to a different customer.", "LinkedTxn"
                )

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.due_date(realm, record)
        self.compute_total(record, realm)
        links.apply_links(realm, self.name, record)
        self.check_applied(
            realm, record, old, "invoice total can't be less than the payments applied to it"
        )

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        super().after_commit(realm, record, old)
        estimates = {
            link["TxnId"]
            for rec in (record, old)
            for link in (rec or {}).get("LinkedTxn", [])
            if link.get("TxnType") == "Estimate"
        }
        for estimate_id in sorted(estimates):
            refresh_estimate(realm, estimate_id)


class CreditMemoType(AppliedFormType):
    """A credit for a customer: its RemainingCredit (= Balance) is used up by Payments whose
    lines link it next to the invoices it pays (docs/emulator.md, "Credits")."""

    name = "CreditMemo"
    computed = ("TotalAmt", "Balance", "RemainingCredit", "HomeTotalAmt", "LinkedTxn")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.compute_total(record, realm)
        links.apply_links(realm, self.name, record)
        self.check_applied(
            realm, record, old, "credit memo total can't be less than the credit already applied"
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
        self.compute_total(record, realm)
        record["Balance"] = Decimal("0.00")


class SalesReceiptType(SalesFormType):
    """A sale paid at once: the money goes to DepositToAccountRef (Undeposited Funds unless
    given), nothing is owed. Voided like a payment (``include=void``)."""

    name = "SalesReceipt"
    voidable = True
    required = ("Line",)
    computed = ("TotalAmt", "Balance", "HomeTotalAmt")

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        if not record.get("DepositToAccountRef"):
            undeposited = undeposited_funds(realm)
            if undeposited:
                record["DepositToAccountRef"] = {
                    "value": undeposited["Id"],
                    "name": undeposited["Name"],
                }

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.compute_total(record, realm)
        record["Balance"] = Decimal("0.00")

    def on_void(self, realm: Realm, record: dict) -> dict:
        self.zero_amounts(record)
        record["Line"] = [
            line for line in record["Line"] if line.get("DetailType") != "SubTotalLineDetail"
        ]
        self.compute_total(record)
        record["TxnTaxDetail"] = {"TotalTax": Decimal("0.00")}
        record["TotalAmt"] = Decimal("0.00")
        return record


ESTIMATE_STATUSES = ("Pending", "Accepted", "Closed", "Rejected")


class EstimateType(SalesFormType):
    """A quote: no accounting effect. An invoice made from it (its LinkedTxn names the
    estimate) closes it and is listed in the estimate's LinkedTxn."""

    name = "Estimate"
    computed = ("TotalAmt", "HomeTotalAmt", "LinkedTxn")

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("TxnStatus", "Pending")

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        for field in ("ExpirationDate", "AcceptedDate"):
            if field in record:
                record[field] = parse_date(record[field], field)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        if record.get("TxnStatus") not in ESTIMATE_STATUSES:
            raise errors.invalid_enum("TxnStatus", record.get("TxnStatus"))

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        self.compute_total(record, realm)
        invoices = invoices_of(realm, record["Id"]) if "Id" in record else []
        if invoices:
            record["LinkedTxn"] = [{"TxnId": i, "TxnType": "Invoice"} for i in invoices]
        else:
            record.pop("LinkedTxn", None)


def invoices_of(realm: Realm, estimate_id: str) -> list[str]:
    return [
        invoice["Id"]
        for invoice in realm.table("Invoice").values()
        if any(
            link.get("TxnType") == "Estimate" and link.get("TxnId") == estimate_id
            for link in invoice.get("LinkedTxn", [])
        )
    ]


def refresh_estimate(realm: Realm, estimate_id: str) -> None:
    """An estimate lists the invoices made from it and is Closed while there are any."""
    current = realm.find("Estimate", estimate_id)
    if current is None:
        return
    updated = dict(current)
    invoices = invoices_of(realm, estimate_id)
    if invoices:
        updated["LinkedTxn"] = [{"TxnId": i, "TxnType": "Invoice"} for i in invoices]
        updated["TxnStatus"] = "Closed"
    else:
        updated.pop("LinkedTxn", None)
        if current.get("TxnStatus") == "Closed":
            updated["TxnStatus"] = "Pending"
    if updated != current:
        realm.touch("Estimate", updated)


def undeposited_funds(realm: Realm) -> dict | None:
    return next(
        (
            a
            for a in realm.table("Account").values()
            if a.get("AccountSubType") == "UndepositedFunds" and a.get("Active", True)
        ),
        None,
    )

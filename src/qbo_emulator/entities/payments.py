"""Payment and BillPayment: applying money to invoices and bills (docs/intuit-api.md §2.4)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from . import links
from .base import Realm, money
from .txn import TxnType


class PaymentBase(TxnType):
    voidable = True
    lengths = {"PrivateNote": 4000, "PaymentRefNum": 21}
    party_ref = "CustomerRef"

    def normalize_line(self, line: dict) -> None:
        amount = to_decimal(line.get("Amount"))
        if amount is None:
            raise errors.required_param("Line.Amount")
        line["Amount"] = money(amount)
        for link in line.get("LinkedTxn", []):
            link["TxnId"] = str(link.get("TxnId", ""))

    def number_lines(self, record: dict, old: dict | None) -> None:
        # Payment lines carry no Id or LineNum in QBO's answers.
        lines = [dict(line) for line in record.get("Line", [])]
        for line in lines:
            line.pop("Id", None)
            line.pop("LineNum", None)
            self.normalize_line(line)
        record["Line"] = lines

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        total = to_decimal(record.get("TotalAmt"))
        if total is None:
            raise errors.required_param("TotalAmt")
        record["TotalAmt"] = money(total)
        if record["TotalAmt"] < 0:
            raise errors.business_validation("The payment amount can't be negative.", "TotalAmt")
        party = (record.get(self.party_ref) or {}).get("value")
        signs = links.APPLICATIONS[self.name]
        charges = credits = Decimal(0)
        for line in record["Line"]:
            links_ = line.get("LinkedTxn") or []
            if not links_:
                raise errors.required_param("Line.LinkedTxn")
            if line["Amount"] < 0:
                raise errors.business_validation(
                    "The amount applied can't be negative.", "Line.Amount"
                )
            for link in links_:
                target_type = link.get("TxnType")
                if target_type not in signs:
                    continue
                target = realm.find(target_type, link["TxnId"])
                if target is None:
                    raise errors.invalid_reference("LinkedTxn")
                if (target.get(self.party_ref) or {}).get("value") != party:
                    raise errors.business_validation(
                        f"The {words(target_type)} belongs to a different "
                        f"{self.party_ref[:-3].lower()}.",
                        "LinkedTxn",
                    )
                already = links.applied_to(
                    realm, target_type, target["Id"], excluding=record.get("Id")
                )
                open_amount = money(target.get("TotalAmt")) - already
                if line["Amount"] > open_amount:
                    # [U] wording: QBO refuses to apply more than the open balance / credit.
                    what = "open balance" if signs[target_type] > 0 else "remaining credit"
                    raise errors.business_validation(
                        f"The amount applied to {target_type} "
                        f"{target.get('DocNumber') or target['Id']} ({line['Amount']}) is more "
                        f"than its {what} ({money(open_amount)}).",
                        "Line.Amount",
                    )
                if signs[target_type] > 0:
                    charges += line["Amount"]
                else:
                    credits += line["Amount"]
        if credits > charges:
            # [U] wording: credits can only be used against charges in the same payment.
            raise errors.business_validation(
                f"The credits applied ({money(credits)}) are more than the charges they pay "
                f"({money(charges)}).",
                "Line.Amount",
            )
        if charges - credits > record["TotalAmt"]:
            raise errors.business_validation(
                "The total amount applied is more than the payment amount.", "TotalAmt"
            )

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        links.payment_written(realm, self.name, record, old)
        links.party_changed(realm, self.name, record, old)

    def on_void(self, realm: Realm, record: dict) -> dict:
        """Void: "amounts and quantities are zeroed, all lines are cleared, and 'Voided' is
        injected into PrivateNote" (Intuit's Payment reference, docs/intuit-api.md §1.2). The
        invoices it paid are open again."""
        record["Line"] = []
        record["TotalAmt"] = Decimal("0.00")
        if "UnappliedAmt" in record:
            record["UnappliedAmt"] = Decimal("0.00")
        note = record.get("PrivateNote")
        record["PrivateNote"] = f"Voided - {note}" if note else "Voided"
        return record


class PaymentType(PaymentBase):
    name = "Payment"
    computed = ("UnappliedAmt",)
    required = ("CustomerRef",)

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("ProcessPayment", False)
        if not record.get("DepositToAccountRef"):
            undeposited = next(
                (
                    a
                    for a in realm.table("Account").values()
                    if a.get("AccountSubType") == "UndepositedFunds"
                ),
                None,
            )
            if undeposited:
                record["DepositToAccountRef"] = {"value": undeposited["Id"]}

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        record["UnappliedAmt"] = money(record["TotalAmt"] - links.net_applied(self.name, record))


class BillPaymentType(PaymentBase):
    name = "BillPayment"
    party_ref = "VendorRef"
    required = ("VendorRef", "PayType", "Line")

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        pay_type = record.get("PayType")
        if pay_type not in ("Check", "CreditCard"):
            raise errors.invalid_enum("PayType", pay_type)
        if pay_type == "Check" and not (record.get("CheckPayment") or {}).get("BankAccountRef"):
            raise errors.required_param("CheckPayment.BankAccountRef")
        if pay_type == "CreditCard" and not (record.get("CreditCardPayment") or {}).get(
            "CCAccountRef"
        ):
            raise errors.required_param("CreditCardPayment.CCAccountRef")
        super().validate(realm, record, old)

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        links.payment_written(realm, self.name, record, old)


def words(entity: str) -> str:
    """CreditMemo -> "credit memo"."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in entity).strip()

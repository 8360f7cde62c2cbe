"""Money moving between accounts: Deposit (which also clears Undeposited Funds), Transfer and
CreditCardPayment (paying a credit card from a bank account)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from .base import Realm, money
from .txn import TxnType

# What a deposit line may link: payments and sales receipts waiting in Undeposited Funds.
DEPOSITABLE = ("Payment", "SalesReceipt", "RefundReceipt", "JournalEntry", "Transfer")
BALANCE_SHEET_MONEY = ("Bank", "Other Current Asset", "Credit Card")


class DepositType(TxnType):
    """Lines either carry a ``DepositLineDetail`` (money from an account, e.g. interest), or
    link a Payment / SalesReceipt received into Undeposited Funds (``LinkedTxn``): the deposit
    moves that money to ``DepositToAccountRef``. A payment can be deposited once."""

    name = "Deposit"
    required = ("DepositToAccountRef", "Line")
    computed = ("TotalAmt", "HomeTotalAmt")

    def number_lines(self, record: dict, old: dict | None) -> None:
        super().number_lines(record, old)
        for line in record.get("Line", []):
            for link in line.get("LinkedTxn", []):
                link["TxnId"] = str(link.get("TxnId", ""))

    def normalize_line(self, line: dict) -> None:
        if line.get("LinkedTxn") and not (line.get("DepositLineDetail") or {}).get("AccountRef"):
            # A deposited payment's line has no detail (clients may still name the type).
            line.pop("DetailType", None)
            line.pop("DepositLineDetail", None)
            amount = to_decimal(line.get("Amount"))
            if amount is None:
                raise errors.required_param("Line.Amount")
            line["Amount"] = money(amount)
            return
        super().normalize_line(line)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        target = realm.find("Account", record["DepositToAccountRef"]["value"]) or {}
        if target.get("AccountType") not in ("Bank", "Other Current Asset"):
            raise errors.business_validation(
                "DepositToAccountRef must be a bank or other current asset account.",
                "DepositToAccountRef",
            )
        linked: set[tuple[str, str]] = set()
        for line in record["Line"]:
            links = line.get("LinkedTxn") or []
            if links:
                for link in links:
                    kind = link.get("TxnType")
                    if kind not in DEPOSITABLE:
                        raise errors.invalid_enum("Line.LinkedTxn.TxnType", kind)
                    source = realm.find(kind, link["TxnId"])
                    if source is None:
                        raise errors.invalid_reference("Line.LinkedTxn")
                    key = (kind, source["Id"])
                    other = deposited_by(realm, kind, source["Id"])
                    if key in linked or (other and other != record.get("Id")):
                        raise errors.business_validation(
                            f"{kind} {source['Id']} has already been deposited.",
                            "Line.LinkedTxn",
                        )
                    linked.add(key)
                    if line["Amount"] != money(source.get("TotalAmt")):
                        raise errors.business_validation(
                            f"The amount deposited for {kind} {source['Id']} "
                            f"({line['Amount']}) must be its total ({money(source.get('TotalAmt'))}).",
                            "Line.Amount",
                        )
                continue
            if line.get("DetailType") != "DepositLineDetail":
                raise errors.invalid_enum("Line.DetailType", line.get("DetailType"))
            if not (line.get("DepositLineDetail") or {}).get("AccountRef"):
                raise errors.required_param("Line.DepositLineDetail.AccountRef")
            entity = (line.get("DepositLineDetail") or {}).get("Entity")
            if isinstance(entity, dict) and entity.get("value"):
                kind = entity.get("type") or "Customer"
                entity["value"] = str(entity["value"])
                if kind in ("Customer", "Vendor", "Employee"):
                    realm.resolve_ref("Entity", kind, entity, pseudo=set())
        cash_back = record.get("CashBack") or {}
        if cash_back:
            if not cash_back.get("AccountRef"):
                raise errors.required_param("CashBack.AccountRef")
            cash_back["Amount"] = money(cash_back.get("Amount"))

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        lines = sum((line["Amount"] for line in record["Line"]), Decimal(0))
        cash_back = money((record.get("CashBack") or {}).get("Amount"))
        if cash_back > lines:
            raise errors.business_validation(
                "Cash back can't be more than the deposit.", "CashBack.Amount"
            )
        record["TotalAmt"] = money(lines - cash_back)


def refuse_if_deposited(realm: Realm, kind: str, source_id: str) -> None:
    """A payment or receipt a deposit took out of Undeposited Funds cannot be voided or
    deleted while that deposit lists it. [U] QBO's UI takes it out of the deposit instead."""
    if kind not in DEPOSITABLE:
        return
    deposit = deposited_by(realm, kind, source_id)
    if deposit is not None:
        raise errors.business_validation(
            f"{kind} {source_id} is part of Deposit {deposit}: remove it from the deposit first.",
            "Id",
        )


def deposited_by(realm: Realm, kind: str, source_id: str) -> str | None:
    """The deposit that already took this payment or receipt out of Undeposited Funds."""
    for deposit in realm.table("Deposit").values():
        for line in deposit.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link.get("TxnType") == kind and link.get("TxnId") == source_id:
                    return deposit["Id"]
    return None


class TransferType(TxnType):
    """Moves Amount from FromAccountRef to ToAccountRef (two different balance-sheet
    accounts)."""

    name = "Transfer"
    required = ("FromAccountRef", "ToAccountRef", "Amount")
    line_types = ()

    def defaults(self, realm: Realm, record: dict) -> None:
        record.setdefault("TxnDate", realm.today())
        super().defaults(realm, record)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        amount = to_decimal(record.get("Amount"))
        if amount is None or amount <= 0:
            raise errors.business_validation("Amount must be more than 0.", "Amount")
        record["Amount"] = money(amount)
        if record["FromAccountRef"]["value"] == record["ToAccountRef"]["value"]:
            raise errors.business_validation(
                "You can't transfer money to the same account.", "ToAccountRef"
            )
        for field in ("FromAccountRef", "ToAccountRef"):
            account = realm.find("Account", record[field]["value"]) or {}
            if account.get("Classification") not in ("Asset", "Liability", "Equity"):
                raise errors.business_validation(f"{field} must be a balance sheet account.", field)


class CreditCardPaymentType(TxnType):
    """Pays a credit card account from a bank account (QBO answers it as
    ``CreditCardPaymentTxn``)."""

    name = "CreditCardPayment"
    json_name = "CreditCardPaymentTxn"
    required = ("CreditCardAccountRef", "BankAccountRef", "Amount")
    line_types = ()

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        amount = to_decimal(record.get("Amount"))
        if amount is None or amount <= 0:
            raise errors.business_validation("Amount must be more than 0.", "Amount")
        record["Amount"] = money(amount)
        card = realm.find("Account", record["CreditCardAccountRef"]["value"]) or {}
        if card.get("AccountType") != "Credit Card":
            raise errors.business_validation(
                "CreditCardAccountRef must be a credit card account.", "CreditCardAccountRef"
            )
        bank = realm.find("Account", record["BankAccountRef"]["value"]) or {}
        if bank.get("AccountType") != "Bank":
            raise errors.business_validation(
                "BankAccountRef must be a bank account.", "BankAccountRef"
            )

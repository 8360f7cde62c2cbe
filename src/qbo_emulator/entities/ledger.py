"""The books behind the reports: every posting transaction turned into debits and credits on
accounts (accrual basis), the way QBO posts them.

=================  =========================================================================
Invoice            Dr A/R TotalAmt; Cr each line's income account (the item's
                   IncomeAccountRef); Dr discounts given; Cr Sales Tax Payable the tax
CreditMemo         the reverse of an invoice
SalesReceipt       as an invoice, with DepositToAccountRef (Undeposited Funds) in place of A/R
RefundReceipt      the reverse of a sales receipt
Payment            Dr DepositToAccountRef (Undeposited Funds) TotalAmt; Cr A/R TotalAmt
Bill               Dr each line's account (AccountBased: AccountRef; ItemBased: the item's
                   asset account for inventory, else its ExpenseAccountRef); Cr A/P
VendorCredit       the reverse of a bill
BillPayment        Dr A/P TotalAmt; Cr the bank (CheckPayment) or card (CreditCardPayment)
Purchase           Dr the lines; Cr AccountRef (a credit card credit: the reverse)
Deposit            Dr DepositToAccountRef TotalAmt (and CashBack's account); Cr each line's
                   account, or where the linked payment / receipt was (Undeposited Funds)
Transfer           Dr ToAccountRef; Cr FromAccountRef
CreditCardPayment  Dr the credit card account; Cr the bank account
JournalEntry       each line as its PostingType says
=================  =========================================================================

Estimates, purchase orders, time activities and recurring templates post nothing. A voided form
has zero amounts, so it posts nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..jsonutil import to_decimal
from .base import money

ZERO = Decimal("0.00")


@dataclass
class Posting:
    date: str
    account_id: str
    amount: Decimal  # debit positive, credit negative
    txn_type: str
    txn_id: str
    doc_number: str
    name: str
    memo: str


def _amount(value) -> Decimal:
    return money(to_decimal(value) or 0)


def _ref(record: dict | None, field: str) -> str | None:
    value = ((record or {}).get(field) or {}).get("value")
    return str(value) if value not in (None, "") else None


class Books:
    """All postings of one company. Built once, then refreshed after writes: a transaction whose
    stored record is the same object as last time (records are copy-on-write) keeps its
    postings, so a refresh costs a pass over the tables, not a re-posting of everything."""

    def __init__(self, realm):
        self.realm = realm
        self._cache: dict[tuple[str, str], tuple[dict, list[Posting]]] = {}
        self._current: list[Posting] = []
        self.postings: list[Posting] = []
        self._totals: dict[str, Decimal] | None = None
        self.refresh()

    def refresh(self) -> None:
        realm = self.realm
        self.accounts = realm.table("Account")
        self._by_subtype: dict[str, str] = {}
        self._by_type: dict[str, str] = {}
        for account in self.accounts.values():
            self._by_subtype.setdefault(account.get("AccountSubType", ""), account["Id"])
            self._by_type.setdefault(account.get("AccountType", ""), account["Id"])
        cache: dict[tuple[str, str], tuple[dict, list[Posting]]] = {}
        postings: list[Posting] = []
        for entity, post in (
            ("Invoice", self._invoice),
            ("CreditMemo", self._credit_memo),
            ("SalesReceipt", self._sales_receipt),
            ("RefundReceipt", self._refund_receipt),
            ("Payment", self._payment),
            ("Bill", self._bill),
            ("VendorCredit", self._vendor_credit),
            ("BillPayment", self._bill_payment),
            ("Purchase", self._purchase),
            ("Deposit", self._deposit),
            ("Transfer", self._transfer),
            ("CreditCardPayment", self._card_payment),
            ("JournalEntry", self._journal),
        ):
            for record in realm.table(entity).values():
                key = (entity, record["Id"])
                hit = self._cache.get(key)
                if hit is not None and hit[0] is record:
                    entries = hit[1]
                else:
                    self._current = []
                    post(entity, record)
                    entries = self._current
                cache[key] = (record, entries)
                postings.extend(entries)
        self._cache = cache
        self.postings = postings
        self._totals = None

    # --- accounts ---------------------------------------------------------------------------

    def special(self, subtype: str, account_type: str) -> str | None:
        return self._by_subtype.get(subtype) or self._by_type.get(account_type)

    @property
    def receivable(self) -> str | None:
        return self.special("AccountsReceivable", "Accounts Receivable")

    @property
    def payable(self) -> str | None:
        return self.special("AccountsPayable", "Accounts Payable")

    @property
    def undeposited(self) -> str | None:
        return self.special("UndepositedFunds", "Other Current Asset")

    @property
    def sales_tax(self) -> str | None:
        return self.special("SalesTaxPayable", "Other Current Liability")

    def income_account(self, line: dict) -> str | None:
        detail = line.get("SalesItemLineDetail") or {}
        if _ref(detail, "ItemAccountRef"):
            return _ref(detail, "ItemAccountRef")
        item = self.realm.find("Item", _ref(detail, "ItemRef")) or {}
        return (
            _ref(item, "IncomeAccountRef")
            or self.special("SalesOfProductIncome", "Income")
            or self._by_type.get("Income")
        )

    def expense_account(self, line: dict) -> str | None:
        if line.get("DetailType") == "AccountBasedExpenseLineDetail":
            return _ref(line.get("AccountBasedExpenseLineDetail"), "AccountRef")
        detail = line.get("ItemBasedExpenseLineDetail") or {}
        item = self.realm.find("Item", _ref(detail, "ItemRef")) or {}
        if item.get("Type") == "Inventory":
            return _ref(item, "AssetAccountRef")
        return (
            _ref(item, "ExpenseAccountRef")
            or self.special("SuppliesMaterialsCogs", "Cost of Goods Sold")
            or self._by_type.get("Expense")
        )

    # --- postings ---------------------------------------------------------------------------

    def _post(
        self,
        record: dict,
        entity: str,
        account_id: str | None,
        amount: Decimal,
        *,
        name: str = "",
        memo: str = "",
    ) -> None:
        if account_id is None or not amount:
            return
        self._current.append(
            Posting(
                date=record.get("TxnDate", ""),
                account_id=str(account_id),
                amount=amount,
                txn_type=entity,
                txn_id=record["Id"],
                doc_number=record.get("DocNumber", "") or "",
                name=name or self._party(record),
                memo=memo or record.get("PrivateNote", "") or "",
            )
        )

    def _party(self, record: dict) -> str:
        for field in ("CustomerRef", "VendorRef", "EntityRef"):
            ref = record.get(field) or {}
            if ref.get("name"):
                return ref["name"]
        return ""

    def _sales_lines(self, entity: str, record: dict, sign: int) -> None:
        """Credit income per line, debit discounts, credit sales tax (sign -1 reverses)."""
        for line in record.get("Line", []):
            kind = line.get("DetailType")
            if kind == "SalesItemLineDetail":
                account = self.income_account(line)
                self._post(
                    record,
                    entity,
                    account,
                    -sign * _amount(line.get("Amount")),
                    memo=line.get("Description", "") or "",
                )
            elif kind == "GroupLineDetail":
                for sub in (line.get("GroupLineDetail") or {}).get("Line", []):
                    account = self.income_account(sub)
                    self._post(record, entity, account, -sign * _amount(sub.get("Amount")))
            elif kind == "DiscountLineDetail":
                detail = line.get("DiscountLineDetail") or {}
                account = _ref(detail, "DiscountAccountRef") or self.special(
                    "DiscountsRefundsGiven", "Income"
                )
                self._post(record, entity, account, sign * _amount(line.get("Amount")))
        tax = _amount((record.get("TxnTaxDetail") or {}).get("TotalTax"))
        self._post(record, entity, self.sales_tax, -sign * tax)

    def _invoice(self, entity: str, record: dict) -> None:
        self._post(record, entity, self.receivable, _amount(record.get("TotalAmt")))
        self._sales_lines(entity, record, 1)

    def _credit_memo(self, entity: str, record: dict) -> None:
        self._post(record, entity, self.receivable, -_amount(record.get("TotalAmt")))
        self._sales_lines(entity, record, -1)

    def _sales_receipt(self, entity: str, record: dict) -> None:
        account = _ref(record, "DepositToAccountRef") or self.undeposited
        self._post(record, entity, account, _amount(record.get("TotalAmt")))
        self._sales_lines(entity, record, 1)

    def _refund_receipt(self, entity: str, record: dict) -> None:
        account = _ref(record, "DepositToAccountRef") or self.undeposited
        self._post(record, entity, account, -_amount(record.get("TotalAmt")))
        self._sales_lines(entity, record, -1)

    def _payment(self, entity: str, record: dict) -> None:
        total = _amount(record.get("TotalAmt"))
        account = _ref(record, "DepositToAccountRef") or self.undeposited
        self._post(record, entity, account, total)
        self._post(record, entity, _ref(record, "ARAccountRef") or self.receivable, -total)

    def _expense_lines(self, entity: str, record: dict, sign: int) -> None:
        for line in record.get("Line", []):
            if line.get("DetailType") in (
                "AccountBasedExpenseLineDetail",
                "ItemBasedExpenseLineDetail",
            ):
                self._post(
                    record,
                    entity,
                    self.expense_account(line),
                    sign * _amount(line.get("Amount")),
                    memo=line.get("Description", "") or "",
                )

    def _bill(self, entity: str, record: dict) -> None:
        self._expense_lines(entity, record, 1)
        account = _ref(record, "APAccountRef") or self.payable
        self._post(record, entity, account, -_amount(record.get("TotalAmt")))

    def _vendor_credit(self, entity: str, record: dict) -> None:
        self._expense_lines(entity, record, -1)
        account = _ref(record, "APAccountRef") or self.payable
        self._post(record, entity, account, _amount(record.get("TotalAmt")))

    def _bill_payment(self, entity: str, record: dict) -> None:
        total = _amount(record.get("TotalAmt"))
        self._post(record, entity, _ref(record, "APAccountRef") or self.payable, total)
        source = _ref(record.get("CheckPayment"), "BankAccountRef") or _ref(
            record.get("CreditCardPayment"), "CCAccountRef"
        )
        self._post(record, entity, source, -total)

    def _purchase(self, entity: str, record: dict) -> None:
        sign = -1 if record.get("Credit") else 1
        self._expense_lines(entity, record, sign)
        self._post(
            record, entity, _ref(record, "AccountRef"), -sign * _amount(record.get("TotalAmt"))
        )

    def _deposit(self, entity: str, record: dict) -> None:
        self._post(
            record, entity, _ref(record, "DepositToAccountRef"), _amount(record.get("TotalAmt"))
        )
        cash_back = record.get("CashBack") or {}
        self._post(record, entity, _ref(cash_back, "AccountRef"), _amount(cash_back.get("Amount")))
        for line in record.get("Line", []):
            amount = _amount(line.get("Amount"))
            links = line.get("LinkedTxn") or []
            if links:
                link = links[0]
                source = self.realm.find(link.get("TxnType"), link.get("TxnId")) or {}
                account = _ref(source, "DepositToAccountRef") or self.undeposited
                self._post(record, entity, account, -amount)
            else:
                detail = line.get("DepositLineDetail") or {}
                self._post(
                    record,
                    entity,
                    _ref(detail, "AccountRef"),
                    -amount,
                    memo=line.get("Description", "") or "",
                )

    def _transfer(self, entity: str, record: dict) -> None:
        amount = _amount(record.get("Amount"))
        self._post(record, entity, _ref(record, "ToAccountRef"), amount)
        self._post(record, entity, _ref(record, "FromAccountRef"), -amount)

    def _card_payment(self, entity: str, record: dict) -> None:
        amount = _amount(record.get("Amount"))
        self._post(record, entity, _ref(record, "CreditCardAccountRef"), amount)
        self._post(record, entity, _ref(record, "BankAccountRef"), -amount)

    def _journal(self, entity: str, record: dict) -> None:
        for line in record.get("Line", []):
            detail = line.get("JournalEntryLineDetail") or {}
            sign = 1 if detail.get("PostingType") == "Debit" else -1
            name = ((detail.get("Entity") or {}).get("EntityRef") or {}).get("name", "")
            self._post(
                record,
                entity,
                _ref(detail, "AccountRef"),
                sign * _amount(line.get("Amount")),
                name=name,
                memo=line.get("Description", "") or "",
            )

    # --- reading ----------------------------------------------------------------------------

    def balances(self, *, start: str | None = None, end: str | None = None) -> dict[str, Decimal]:
        """Account Id -> debits minus credits of the postings dated within [start, end]."""
        if start is None and end is None and self._totals is not None:
            return self._totals
        totals: dict[str, Decimal] = {}
        for posting in self.postings:
            if start and posting.date < start:
                continue
            if end and posting.date > end:
                continue
            totals[posting.account_id] = totals.get(posting.account_id, ZERO) + posting.amount
        if start is None and end is None:
            self._totals = totals
        return totals


CREDIT_NORMAL = ("Liability", "Equity", "Revenue")


def natural(account: dict, debit_minus_credit: Decimal) -> Decimal:
    """A balance the way QBO shows it: credit-normal accounts (liabilities, equity, income)
    positive when they have a credit balance."""
    if account.get("Classification") in CREDIT_NORMAL:
        return money(-debit_minus_credit)
    return money(debit_minus_credit)


def books(realm) -> Books:
    """The company's books: built on first use, refreshed after writes (the store marks them
    stale with ``realm.indexes["books_stale"]``)."""
    cached = realm.indexes.get("books")
    if cached is None:
        cached = realm.indexes["books"] = Books(realm)
    elif realm.indexes.pop("books_stale", False):
        cached.refresh()
    return cached

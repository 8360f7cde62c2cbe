"""Credits as QBO applies them, driven through python-quickbooks' own object classes: a Payment
that uses a CreditMemo against an Invoice, a RefundReceipt, and a VendorCredit used against a
Bill by a BillPayment — LinkedTxn both ways, balances and remaining credit, and voids and
deletes that give everything back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from quickbooks.exceptions import (
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.account import Account
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment, BillPaymentLine, CheckPayment
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.refundreceipt import RefundReceipt
from quickbooks.objects.vendor import Vendor
from quickbooks.objects.vendorcredit import VendorCredit


def account(qb, name: str) -> Account:
    return Account.filter(Name=name, qb=qb)[0]


@pytest.fixture
def item(pyqb) -> Item:
    item = Item()
    item.Name = "Refurbished iPhone 13"
    item.Type = "NonInventory"
    item.IncomeAccountRef = account(pyqb, "Sales of Product Income").to_ref()
    return item.save(qb=pyqb)


@pytest.fixture
def customer(pyqb) -> Customer:
    customer = Customer()
    customer.DisplayName = "Metro Mobile Repair"
    return customer.save(qb=pyqb)


@pytest.fixture
def vendor(pyqb) -> Vendor:
    vendor = Vendor()
    vendor.DisplayName = "Global Phone Supply"
    return vendor.save(qb=pyqb)


def sales_line(item: Item, amount: str) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 1
    line.SalesItemLineDetail.UnitPrice = Decimal(amount)
    return line


def new_invoice(qb, customer, item, amount: str) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line(item, amount))
    return invoice.save(qb=qb)


def new_credit_memo(qb, customer, item, amount: str) -> CreditMemo:
    memo = CreditMemo()
    memo.CustomerRef = customer.to_ref()
    memo.Line.append(sales_line(item, amount))
    return memo.save(qb=qb)


def payment_line(amount: str, target) -> PaymentLine:
    line = PaymentLine()
    line.Amount = Decimal(amount)
    line.LinkedTxn.append(target.to_linked_txn())
    return line


def new_payment(qb, customer, total: str, *lines: PaymentLine) -> Payment:
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal(total)
    payment.Line.extend(lines)
    return payment.save(qb=qb)


def links_of(record) -> list[tuple[str, str]]:
    """(TxnType, TxnId) of a record's LinkedTxn; some classes parse them, others keep dicts."""
    links = getattr(record, "LinkedTxn", None) or []
    return [
        (link["TxnType"], link["TxnId"]) if isinstance(link, dict) else (link.TxnType, link.TxnId)
        for link in links
    ]


def payment_links(payment: Payment) -> list[tuple[str, str, float]]:
    return [
        (link.TxnType, link.TxnId, line.Amount) for line in payment.Line for link in line.LinkedTxn
    ]


def test_a_credit_memo_starts_with_all_of_its_credit(pyqb, customer, item):
    memo = new_credit_memo(pyqb, customer, item, "120.00")
    assert (memo.TotalAmt, memo.Balance, memo.RemainingCredit) == (120, 120, 120)
    read = CreditMemo.get(memo.Id, qb=pyqb)
    assert read.CustomerRef.name == "Metro Mobile Repair"
    assert [line.Amount for line in read.Line] == [120, 120]  # the item line and subtotal
    assert Customer.get(customer.Id, qb=pyqb).Balance == -120
    found = CreditMemo.filter(CustomerRef=customer.Id, qb=pyqb)
    assert [m.Id for m in found] == [memo.Id]


def test_a_payment_uses_a_credit_memo_against_an_invoice(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "500.00")
    memo = new_credit_memo(pyqb, customer, item, "200.00")
    payment = new_payment(
        pyqb,
        customer,
        "300.00",
        payment_line("500.00", invoice),
        payment_line("200.00", memo),
    )
    assert payment.TotalAmt == 300 and payment.UnappliedAmt == 0
    assert payment_links(payment) == [("Invoice", invoice.Id, 500), ("CreditMemo", memo.Id, 200)]

    paid = Invoice.get(invoice.Id, qb=pyqb)
    assert paid.Balance == 0 and paid.SyncToken == "1"
    assert links_of(paid) == [("Payment", payment.Id)]
    used = CreditMemo.get(memo.Id, qb=pyqb)
    assert (used.Balance, used.RemainingCredit, used.TotalAmt) == (0, 0, 200)
    assert links_of(used) == [("Payment", payment.Id)]
    assert Customer.get(customer.Id, qb=pyqb).Balance == 0


def test_part_of_a_credit_covers_an_invoice_with_no_money(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "150.00")
    memo = new_credit_memo(pyqb, customer, item, "200.00")
    payment = new_payment(
        pyqb, customer, "0", payment_line("150.00", invoice), payment_line("150.00", memo)
    )
    assert (payment.TotalAmt, payment.UnappliedAmt) == (0, 0)
    assert Invoice.get(invoice.Id, qb=pyqb).Balance == 0
    left = CreditMemo.get(memo.Id, qb=pyqb)
    assert (left.Balance, left.RemainingCredit) == (50, 50)
    # The customer still has 50 of credit.
    assert Customer.get(customer.Id, qb=pyqb).Balance == -50


def test_more_than_the_remaining_credit_is_refused(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "500.00")
    memo = new_credit_memo(pyqb, customer, item, "100.00")
    new_payment(pyqb, customer, "0", payment_line("60.00", invoice), payment_line("60.00", memo))
    with pytest.raises(QuickbooksException) as refused:
        new_payment(
            pyqb, customer, "0", payment_line("50.00", invoice), payment_line("50.00", memo)
        )
    assert (refused.value.error_code, refused.value.message) == (
        6000,
        "A business validation error has occurred while processing your request",
    )
    assert refused.value.detail == (
        f"Business Validation Error: The amount applied to CreditMemo {memo.DocNumber or memo.Id} "
        "(50.00) is more than its remaining credit (40.00)."
    )
    # Nothing was written: the remaining credit is unchanged.
    assert CreditMemo.get(memo.Id, qb=pyqb).RemainingCredit == 40


def test_credits_without_charges_to_pay_are_refused(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "50.00")
    memo = new_credit_memo(pyqb, customer, item, "100.00")
    with pytest.raises(QuickbooksException) as refused:
        new_payment(
            pyqb, customer, "0", payment_line("50.00", invoice), payment_line("80.00", memo)
        )
    assert refused.value.error_code == 6000
    assert refused.value.detail == (
        "Business Validation Error: The credits applied (80.00) are more than the charges they "
        "pay (50.00)."
    )


def test_a_credit_memo_of_another_customer_is_refused(pyqb, customer, item):
    other = Customer()
    other.DisplayName = "Someone Else"
    other = other.save(qb=pyqb)
    invoice = new_invoice(pyqb, customer, item, "50.00")
    memo = new_credit_memo(pyqb, other, item, "50.00")
    with pytest.raises(QuickbooksException) as refused:
        new_payment(
            pyqb, customer, "0", payment_line("50.00", invoice), payment_line("50.00", memo)
        )
    assert refused.value.detail == (
        "Business Validation Error: The credit memo belongs to a different customer."
    )


def test_voiding_or_deleting_the_payment_gives_the_credit_back(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "300.00")
    memo = new_credit_memo(pyqb, customer, item, "100.00")
    first = new_payment(
        pyqb, customer, "200.00", payment_line("300.00", invoice), payment_line("100.00", memo)
    )
    voided = first.void(qb=pyqb)["Payment"]
    assert voided["TotalAmt"] == 0 and voided["Line"] == []
    reopened = Invoice.get(invoice.Id, qb=pyqb)
    restored = CreditMemo.get(memo.Id, qb=pyqb)
    assert (reopened.Balance, links_of(reopened)) == (300, [])
    assert (restored.RemainingCredit, restored.Balance, links_of(restored)) == (100, 100, [])
    assert Customer.get(customer.Id, qb=pyqb).Balance == 200

    second = new_payment(
        pyqb, customer, "0", payment_line("100.00", invoice), payment_line("100.00", memo)
    )
    assert CreditMemo.get(memo.Id, qb=pyqb).RemainingCredit == 0
    Payment.get(second.Id, qb=pyqb).delete(qb=pyqb)
    assert CreditMemo.get(memo.Id, qb=pyqb).RemainingCredit == 100
    assert Invoice.get(invoice.Id, qb=pyqb).Balance == 300
    with pytest.raises(ObjectNotFoundException):
        Payment.get(second.Id, qb=pyqb)


def test_deleting_a_used_credit_memo_reopens_the_invoice(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "80.00")
    memo = new_credit_memo(pyqb, customer, item, "80.00")
    payment = new_payment(
        pyqb, customer, "0", payment_line("80.00", invoice), payment_line("80.00", memo)
    )
    CreditMemo.get(memo.Id, qb=pyqb).delete(qb=pyqb)
    # The payment had no money of its own: without the credit it pays nothing.
    rebalanced = Payment.get(payment.Id, qb=pyqb)
    assert (rebalanced.Line, rebalanced.UnappliedAmt, rebalanced.SyncToken) == ([], 0, "1")
    reopened = Invoice.get(invoice.Id, qb=pyqb)
    assert (reopened.Balance, links_of(reopened)) == (80, [])
    assert Customer.get(customer.Id, qb=pyqb).Balance == 80


def test_voiding_a_paid_invoice_keeps_the_credit_for_later(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "100.00")
    memo = new_credit_memo(pyqb, customer, item, "30.00")
    payment = new_payment(
        pyqb, customer, "70.00", payment_line("100.00", invoice), payment_line("30.00", memo)
    )
    Invoice.get(invoice.Id, qb=pyqb).void(qb=pyqb)
    # The credit is released and the 70 received stays on the payment, unapplied.
    rebalanced = Payment.get(payment.Id, qb=pyqb)
    assert (rebalanced.Line, rebalanced.UnappliedAmt) == ([], 70)
    assert CreditMemo.get(memo.Id, qb=pyqb).RemainingCredit == 30
    assert Customer.get(customer.Id, qb=pyqb).Balance == -100


def test_a_credit_memo_update_and_its_limits(pyqb, customer, item):
    invoice = new_invoice(pyqb, customer, item, "100.00")
    memo = new_credit_memo(pyqb, customer, item, "60.00")
    new_payment(pyqb, customer, "0", payment_line("40.00", invoice), payment_line("40.00", memo))
    current = CreditMemo.get(memo.Id, qb=pyqb)
    body = {"Id": current.Id, "SyncToken": current.SyncToken, "sparse": True}
    changed = pyqb.update_object("CreditMemo", json.dumps({**body, "PrivateNote": "returned"}))
    assert changed["CreditMemo"]["PrivateNote"] == "returned"
    assert changed["CreditMemo"]["RemainingCredit"] == 20
    current = CreditMemo.get(memo.Id, qb=pyqb)
    current.Line = [sales_line(item, "30.00")]
    with pytest.raises(QuickbooksException) as refused:
        current.save(qb=pyqb)
    assert refused.value.detail == (
        "Business Validation Error: The credit memo total can't be less than the credit "
        "already applied."
    )


def test_a_refund_receipt(pyqb, customer, item):
    refund = RefundReceipt()
    refund.CustomerRef = customer.to_ref()
    refund.DepositToAccountRef = account(pyqb, "Checking").to_ref()
    refund.Line.append(sales_line(item, "45.50"))
    refund.PaymentRefNum = "CHK-1001"
    saved = refund.save(qb=pyqb)
    assert (saved.TotalAmt, saved.Balance) == (45.5, 0)
    assert saved.DepositToAccountRef.name == "Checking"
    # A refund receipt is money out at once: the customer's balance does not move.
    assert Customer.get(customer.Id, qb=pyqb).Balance == 0

    read = RefundReceipt.get(saved.Id, qb=pyqb)
    read.PrivateNote = "screen cracked on arrival"
    updated = read.save(qb=pyqb)
    assert (updated.SyncToken, updated.PrivateNote) == ("1", "screen cracked on arrival")
    assert [r.Id for r in RefundReceipt.filter(CustomerRef=customer.Id, qb=pyqb)] == [saved.Id]
    assert pyqb.download_pdf("RefundReceipt", saved.Id).startswith(b"%PDF-")
    updated.delete(qb=pyqb)
    with pytest.raises(ObjectNotFoundException):
        RefundReceipt.get(saved.Id, qb=pyqb)


def test_a_refund_receipt_needs_the_account_it_is_paid_from(pyqb, customer, item):
    refund = RefundReceipt()
    refund.CustomerRef = customer.to_ref()
    refund.Line.append(sales_line(item, "10.00"))
    with pytest.raises(ValidationException) as missing:
        refund.save(qb=pyqb)
    assert (missing.value.error_code, missing.value.detail) == (
        2020,
        "Required parameter DepositToAccountRef is missing in the request",
    )
    refund.DepositToAccountRef = account(pyqb, "Sales of Product Income").to_ref()
    with pytest.raises(QuickbooksException) as wrong:
        refund.save(qb=pyqb)
    assert wrong.value.error_code == 6000


def expense_line(qb, amount: str) -> AccountBasedExpenseLine:
    line = AccountBasedExpenseLine()
    line.Amount = Decimal(amount)
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = account(qb, "Cost of Goods Sold").to_ref()
    return line


def bill_payment_line(amount: str, target) -> BillPaymentLine:
    line = BillPaymentLine()
    line.Amount = Decimal(amount)
    line.LinkedTxn.append(target.to_linked_txn())
    return line


def test_a_vendor_credit_used_against_a_bill(pyqb, vendor):
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.Line.append(expense_line(pyqb, "300.00"))
    bill = bill.save(qb=pyqb)
    credit = VendorCredit()
    credit.VendorRef = vendor.to_ref()
    credit.Line.append(expense_line(pyqb, "100.00"))
    credit = credit.save(qb=pyqb)
    assert (credit.TotalAmt, credit.Balance) == (100, 100)
    assert Vendor.get(vendor.Id, qb=pyqb).Balance == 200

    payment = BillPayment()
    payment.VendorRef = vendor.to_ref()
    payment.PayType = "Check"
    payment.CheckPayment = CheckPayment()
    payment.CheckPayment.BankAccountRef = account(pyqb, "Checking").to_ref()
    payment.TotalAmt = Decimal("200.00")
    payment.Line = [bill_payment_line("300.00", bill), bill_payment_line("100.00", credit)]
    payment = payment.save(qb=pyqb)
    assert [(ln.LinkedTxn[0].TxnType, ln.Amount) for ln in payment.Line] == [
        ("Bill", 300),
        ("VendorCredit", 100),
    ]
    paid = Bill.get(bill.Id, qb=pyqb)
    used = VendorCredit.get(credit.Id, qb=pyqb)
    assert (paid.Balance, links_of(paid)) == (0, [("BillPaymentCheck", payment.Id)])
    assert (used.Balance, links_of(used)) == (0, [("BillPaymentCheck", payment.Id)])
    assert Vendor.get(vendor.Id, qb=pyqb).Balance == 0
    assert [c.Id for c in VendorCredit.filter(VendorRef=vendor.Id, qb=pyqb)] == [credit.Id]

    # Voiding the bill payment gives the bill its balance and the vendor credit its credit.
    BillPayment.get(payment.Id, qb=pyqb).void(qb=pyqb)
    assert Bill.get(bill.Id, qb=pyqb).Balance == 300
    restored = VendorCredit.get(credit.Id, qb=pyqb)
    assert (restored.Balance, links_of(restored)) == (100, [])
    assert Vendor.get(vendor.Id, qb=pyqb).Balance == 200

    # Delete the vendor credit: the vendor owes the whole bill again.
    restored.delete(qb=pyqb)
    assert Vendor.get(vendor.Id, qb=pyqb).Balance == 300


def test_a_vendor_credit_beyond_the_bill_is_refused(pyqb, vendor):
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.Line.append(expense_line(pyqb, "50.00"))
    bill = bill.save(qb=pyqb)
    credit = VendorCredit()
    credit.VendorRef = vendor.to_ref()
    credit.Line.append(expense_line(pyqb, "80.00"))
    credit = credit.save(qb=pyqb)
    payment = BillPayment()
    payment.VendorRef = vendor.to_ref()
    payment.PayType = "Check"
    payment.CheckPayment = CheckPayment()
    payment.CheckPayment.BankAccountRef = account(pyqb, "Checking").to_ref()
    payment.TotalAmt = 0
    payment.Line = [bill_payment_line("50.00", bill), bill_payment_line("80.00", credit)]
    with pytest.raises(QuickbooksException) as refused:
        payment.save(qb=pyqb)
    assert refused.value.detail == (
        "Business Validation Error: The credits applied (80.00) are more than the charges they "
        "pay (50.00)."
    )
    assert VendorCredit.get(credit.Id, qb=pyqb).Balance == 80

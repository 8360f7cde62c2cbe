"""Every object class of python-quickbooks runs its basic round trip against the emulator,
unchanged but for the base URL: create, read back, update, query, and delete or void where QBO
allows them — plus the cross-entity effects that matter (deposits clearing Undeposited Funds,
transfers moving balances, sales tax from tax codes, attachments stored and downloadable), and
the reports."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.attachable import Attachable
from quickbooks.objects.base import AttachableRef, Ref
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment, BillPaymentLine, CheckPayment
from quickbooks.objects.budget import Budget
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.companycurrency import CompanyCurrency
from quickbooks.objects.creditcardpayment_entity import CreditCardPayment
from quickbooks.objects.customer import Customer
from quickbooks.objects.customertype import CustomerType
from quickbooks.objects.department import Department
from quickbooks.objects.deposit import Deposit, DepositLine, DepositLineDetail
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.employee import Employee
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.exchangerate import ExchangeRate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import JournalEntry, JournalEntryLine, JournalEntryLineDetail
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.purchase import Purchase
from quickbooks.objects.purchaseorder import PurchaseOrder
from quickbooks.objects.recurringtransaction import (
    RecurringInfo,
    RecurringInvoice,
    RecurringTransaction,
    ScheduleInfo,
)
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.tax import TxnTaxDetail
from quickbooks.objects.taxagency import TaxAgency
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.taxrate import TaxRate
from quickbooks.objects.taxservice import TaxRateDetails, TaxService
from quickbooks.objects.term import Term
from quickbooks.objects.timeactivity import TimeActivity
from quickbooks.objects.trackingclass import Class
from quickbooks.objects.transfer import Transfer
from quickbooks.objects.vendor import Vendor


def account(qb, name: str) -> Account:
    return Account.filter(Name=name, qb=qb)[0]


def ref(record, *, kind: str | None = None) -> Ref:
    out = Ref()
    out.value = record.Id
    out.name = getattr(record, "Name", None) or getattr(record, "DisplayName", "")
    if kind:
        out.type = kind
    return out


@pytest.fixture
def sandbox(emulator_server, emulator_tools, python_quickbooks):
    realm_id = emulator_tools.create_company(
        emulator_server, name="Sandbox Company_US_1", plan="advanced", sample_data=True
    )
    return python_quickbooks(realm_id)


@pytest.fixture
def multicurrency(emulator_server, emulator_tools, python_quickbooks):
    realm_id = emulator_tools.create_company(
        emulator_server, name="Global Phones Ltd", plan="plus", multicurrency=True
    )
    return python_quickbooks(realm_id)


@pytest.fixture
def customer(pyqb) -> Customer:
    made = Customer()
    made.DisplayName = "Round Trip Customer"
    return made.save(qb=pyqb)


@pytest.fixture
def vendor(pyqb) -> Vendor:
    made = Vendor()
    made.DisplayName = "Round Trip Vendor"
    return made.save(qb=pyqb)


@pytest.fixture
def item(pyqb) -> Item:
    made = Item()
    made.Name = "Refurbished Pixel 8"
    made.Type = "NonInventory"
    made.Sku = "PX8-REF"
    made.UnitPrice = 300
    made.IncomeAccountRef = account(pyqb, "Sales of Product Income").to_ref()
    return made.save(qb=pyqb)


def sales_line(item: Item, amount: str, *, taxable: bool = False) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    if taxable:
        tax = Ref()
        tax.value = "TAX"
        line.SalesItemLineDetail.TaxCodeRef = tax
    return line


def expense_line(qb, amount: str, account_name: str = "Cost of Goods Sold"):
    line = AccountBasedExpenseLine()
    line.Amount = Decimal(amount)
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = account(qb, account_name).to_ref()
    return line


def sparse_update(qb, entity: str, record, **fields) -> dict:
    """python-quickbooks serialises every attribute, so a sparse body is written by hand."""
    body = {"Id": record.Id, "SyncToken": record.SyncToken, "sparse": True, **fields}
    return qb.update_object(entity, json.dumps(body))[entity]


def balance(qb, name: str) -> Decimal:
    # python-quickbooks parses amounts as floats; str() gives back the two decimals QBO sent.
    return Decimal(str(account(qb, name).CurrentBalance))


# --- name lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "field", "first", "second", "extra"),
    [
        (Class, "Name", "Wholesale", "Wholesale East", {}),
        (Department, "Name", "Warehouse", "Main Warehouse", {}),
        (Term, "Name", "Net 45", "Net 45 days", {"DueDays": 45}),
        (PaymentMethod, "Name", "Wire", "Bank wire", {"Type": "NON_CREDIT_CARD"}),
        (Customer, "DisplayName", "Best Buyers", "Best Buyers Inc", {}),
        (Vendor, "DisplayName", "Parts Source", "Parts Source LLC", {}),
        (Employee, "DisplayName", "Sam Tester", "Samantha Tester", {"GivenName": "Sam"}),
        (
            Account,
            "Name",
            "Phone Repairs Income",
            "Repairs Income",
            {"AccountType": "Income", "AccountSubType": "ServiceFeeIncome"},
        ),
    ],
)
def test_a_name_list_round_trip(pyqb, cls, field, first, second, extra):
    made = cls()
    setattr(made, field, first)
    for key, value in extra.items():
        setattr(made, key, value)
    saved = made.save(qb=pyqb)
    assert getattr(saved, field) == first and saved.SyncToken == "0"
    read = cls.get(saved.Id, qb=pyqb)
    assert getattr(read, field) == first
    setattr(read, field, second)
    updated = read.save(qb=pyqb)
    assert (getattr(updated, field), updated.SyncToken) == (second, "1")
    assert [r.Id for r in cls.filter(**{field: second}, qb=pyqb)] == [saved.Id]
    # Name lists are deactivated, not deleted: queries then skip them unless asked.
    gone = sparse_update(pyqb, cls.qbo_object_name, updated, Active=False)
    assert gone["Active"] is False
    assert cls.filter(**{field: second}, qb=pyqb) == []
    assert [r.Id for r in cls.where(f"Active = false AND Id = '{saved.Id}'", qb=pyqb)] == [saved.Id]


def test_item_all_sends_select_star_comma_sku(pyqb, item):
    everything = Item.all(qb=pyqb)
    assert [(i.Name, i.Sku) for i in everything] == [("Refurbished Pixel 8", "PX8-REF")]
    read = Item.get(item.Id, qb=pyqb)
    read.UnitPrice = 320
    assert read.save(qb=pyqb).UnitPrice == 320
    assert Item.count("Type = 'NonInventory'", qb=pyqb) == 1
    projected = pyqb.query("SELECT Id, Name FROM Item")["QueryResponse"]["Item"]
    assert projected == [
        {"Id": item.Id, "Name": "Refurbished Pixel 8", "domain": "QBO", "sparse": True}
    ]


def test_company_info_and_preferences(pyqb):
    info = CompanyInfo.get(pyqb.company_id, qb=pyqb)
    assert {nv["Name"]: nv["Value"] for nv in info.NameValue}["OfferingSku"] == (
        "QuickBooks Online Plus"
    )
    info.LegalName = "Plus Phones Holdings LLC"
    assert info.save(qb=pyqb).LegalName == "Plus Phones Holdings LLC"

    prefs = Preferences.get(qb=pyqb)
    # The full shape: every group python-quickbooks models is there.
    assert prefs.EmailMessagesPrefs.EstimateMessage.Subject == "Estimate from Plus Phones LLC"
    assert prefs.SalesFormsPrefs.AllowEstimates is True
    assert prefs.TimeTrackingPrefs.WorkWeekStartDate == "Monday"
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"
    prefs.EmailMessagesPrefs.EstimateMessage.Subject = "Your quote"
    prefs.SalesFormsPrefs.CustomTxnNumbers = False
    saved = prefs.save(qb=pyqb)
    assert saved.EmailMessagesPrefs.EstimateMessage.Subject == "Your quote"
    assert saved.SalesFormsPrefs.CustomTxnNumbers is False
    assert Preferences.get(qb=pyqb).SyncToken == str(int(prefs.SyncToken) + 1)


# --- sales --------------------------------------------------------------------------------------


def test_an_estimate_becomes_an_invoice(pyqb, customer, item):
    estimate = Estimate()
    estimate.CustomerRef = customer.to_ref()
    estimate.Line.append(sales_line(item, "600.00"))
    estimate.ExpirationDate = (date.today() + timedelta(days=30)).isoformat()
    estimate = estimate.save(qb=pyqb)
    assert (estimate.TotalAmt, estimate.TxnStatus) == (600, "Pending")
    read = Estimate.get(estimate.Id, qb=pyqb)
    read.TxnStatus = "Accepted"
    read = read.save(qb=pyqb)
    assert read.TxnStatus == "Accepted"
    assert [e.Id for e in Estimate.filter(TxnStatus="Accepted", qb=pyqb)] == [estimate.Id]
    assert pyqb.download_pdf("Estimate", estimate.Id).startswith(b"%PDF-")
    sent = read.send(qb=pyqb, send_to="buyer@example.com")["Estimate"]
    assert (sent["EmailStatus"], sent["BillEmail"]["Address"]) == ("EmailSent", "buyer@example.com")
    read = Estimate.get(estimate.Id, qb=pyqb)

    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line(item, "600.00"))
    invoice.LinkedTxn.append(read.to_linked_txn())
    invoice = invoice.save(qb=pyqb)
    closed = Estimate.get(estimate.Id, qb=pyqb)
    assert closed.TxnStatus == "Closed"
    assert [(link.TxnType, link.TxnId) for link in closed.LinkedTxn] == [("Invoice", invoice.Id)]
    # Deleting the invoice reopens the estimate; then the estimate can be deleted.
    Invoice.get(invoice.Id, qb=pyqb).delete(qb=pyqb)
    reopened = Estimate.get(estimate.Id, qb=pyqb)
    assert reopened.TxnStatus == "Pending" and not getattr(reopened, "LinkedTxn", None)
    reopened.delete(qb=pyqb)
    with pytest.raises(ObjectNotFoundException):
        Estimate.get(estimate.Id, qb=pyqb)


def test_a_sales_receipt_then_a_deposit_clears_undeposited_funds(pyqb, customer, item):
    receipt = SalesReceipt()
    receipt.CustomerRef = customer.to_ref()
    receipt.Line.append(sales_line(item, "250.00"))
    receipt = receipt.save(qb=pyqb)
    assert (receipt.TotalAmt, receipt.Balance) == (250, 0)
    assert receipt.DepositToAccountRef.name == "Undeposited Funds"
    assert balance(pyqb, "Undeposited Funds") == Decimal("250.00")
    read = SalesReceipt.get(receipt.Id, qb=pyqb)
    read.PrivateNote = "cash sale"
    assert read.save(qb=pyqb).SyncToken == "1"
    assert [r.Id for r in SalesReceipt.filter(CustomerRef=customer.Id, qb=pyqb)] == [receipt.Id]

    # A payment waits in Undeposited Funds too; one deposit takes both to Checking.
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line(item, "100.00"))
    invoice = invoice.save(qb=pyqb)
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 100
    line = PaymentLine()
    line.Amount = 100
    line.LinkedTxn.append(invoice.to_linked_txn())
    payment.Line.append(line)
    payment = payment.save(qb=pyqb)
    assert balance(pyqb, "Undeposited Funds") == Decimal("350.00")
    checking_before = balance(pyqb, "Checking")

    deposit = Deposit()
    deposit.DepositToAccountRef = account(pyqb, "Checking").to_ref()
    for source, amount in ((receipt, 250), (payment, 100)):
        deposit_line = DepositLine()
        deposit_line.Amount = amount
        deposit_line.LinkedTxn.append(source.to_linked_txn())
        deposit.Line.append(deposit_line)
    interest = DepositLine()
    interest.Amount = Decimal("1.25")
    interest.DepositLineDetail = DepositLineDetail()
    interest.DepositLineDetail.AccountRef = account(pyqb, "Interest Earned").to_ref()
    deposit.Line.append(interest)
    deposit = deposit.save(qb=pyqb)
    assert deposit.TotalAmt == 351.25
    assert balance(pyqb, "Undeposited Funds") == 0
    assert balance(pyqb, "Checking") == checking_before + Decimal("351.25")
    assert [d.Id for d in Deposit.all(qb=pyqb)] == [deposit.Id]
    # The same payment cannot be deposited twice.
    again = Deposit()
    again.DepositToAccountRef = account(pyqb, "Savings").to_ref()
    twice = DepositLine()
    twice.Amount = 100
    twice.LinkedTxn.append(payment.to_linked_txn())
    again.Line.append(twice)
    with pytest.raises(QuickbooksException) as refused:
        again.save(qb=pyqb)
    assert refused.value.detail == (
        f"Business Validation Error: Payment {payment.Id} has already been deposited."
    )
    # A deposited payment cannot be voided while the deposit lists it.
    with pytest.raises(QuickbooksException) as deposited:
        Payment.get(payment.Id, qb=pyqb).void(qb=pyqb)
    assert deposited.value.detail == (
        f"Business Validation Error: Payment {payment.Id} is part of Deposit {deposit.Id}: "
        "remove it from the deposit first."
    )
    # Deleting the deposit puts the money back in Undeposited Funds.
    Deposit.get(deposit.Id, qb=pyqb).delete(qb=pyqb)
    assert balance(pyqb, "Undeposited Funds") == Decimal("350.00")

    # A sales receipt is voided like a payment (include=void).
    voided = SalesReceipt.get(receipt.Id, qb=pyqb).void(qb=pyqb)["SalesReceipt"]
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"].startswith("Voided")
    assert balance(pyqb, "Undeposited Funds") == Decimal("100.00")
    SalesReceipt.get(receipt.Id, qb=pyqb).delete(qb=pyqb)
    with pytest.raises(ObjectNotFoundException):
        SalesReceipt.get(receipt.Id, qb=pyqb)


def test_sales_tax_comes_from_the_tax_code_rates(pyqb, customer, item):
    agency = TaxAgency()
    agency.DisplayName = "Board of Equalization"
    agency = agency.save(qb=pyqb)
    assert TaxAgency.get(agency.Id, qb=pyqb).DisplayName == "Board of Equalization"
    assert [a.Id for a in TaxAgency.all(qb=pyqb)] == [agency.Id]

    service = TaxService()
    service.TaxCode = "Mountain View"
    for name, value in (("California", 7.25), ("Mountain View City", 2)):
        detail = TaxRateDetails()
        detail.TaxRateName = name
        detail.RateValue = value
        detail.TaxAgencyId = agency.Id
        service.TaxRateDetails.append(detail)
    created = service.save(qb=pyqb)
    assert created.TaxCode == "Mountain View"
    assert [(d.TaxRateName, d.RateValue) for d in created.TaxRateDetails] == [
        ("California", 7.25),
        ("Mountain View City", 2),
    ]
    code = TaxCode.get(created.TaxCodeId, qb=pyqb)
    assert (code.Name, code.Taxable, code.TaxGroup) == ("Mountain View", True, True)
    rates = {r.Name: r for r in TaxRate.all(qb=pyqb)}
    assert rates["California"].RateValue == 7.25
    assert rates["California"].AgencyRef.value == agency.Id
    assert TaxRate.get(rates["Mountain View City"].Id, qb=pyqb).RateValue == 2
    assert {c.Name for c in TaxCode.all(qb=pyqb)} == {"TAX", "NON", "Mountain View"}

    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line(item, "100.00", taxable=True))
    invoice.Line.append(sales_line(item, "50.00"))  # not taxable
    invoice.TxnTaxDetail = TxnTaxDetail()
    invoice.TxnTaxDetail.TxnTaxCodeRef = code.to_ref()
    invoice = invoice.save(qb=pyqb)
    # 9.25 % of the 100.00 taxable: 7.25 + 2.00.
    assert invoice.TxnTaxDetail.TotalTax == 9.25
    assert [line.Amount for line in invoice.TxnTaxDetail.TaxLine] == [7.25, 2.0]
    assert invoice.TotalAmt == 159.25
    assert balance(pyqb, "Sales Tax Payable") == Decimal("9.25")


def test_a_recurring_invoice_template(pyqb, customer, item):
    template = RecurringInvoice()
    template.CustomerRef = customer.to_ref()
    template.Line.append(sales_line(item, "99.00"))
    template.RecurringInfo = RecurringInfo()
    template.RecurringInfo.Name = "Monthly support"
    template.RecurringInfo.Active = True
    template.RecurringInfo.ScheduleInfo = ScheduleInfo()
    template.RecurringInfo.ScheduleInfo.IntervalType = "Monthly"
    template.RecurringInfo.ScheduleInfo.NumInterval = 1
    template.RecurringInfo.ScheduleInfo.DayOfMonth = 1
    recurring = RecurringTransaction()
    recurring.Invoice = template
    saved = recurring.save(qb=pyqb)
    assert saved.Invoice.RecurringInfo.Name == "Monthly support"
    assert saved.Invoice.TotalAmt == 99
    read = RecurringTransaction.get(saved.Invoice.Id, qb=pyqb)
    assert read.Invoice.CustomerRef.value == customer.Id
    assert [r.Invoice.Id for r in RecurringTransaction.all(qb=pyqb)] == [saved.Invoice.Id]
    # A template is not a transaction: no invoice exists and the customer owes nothing.
    assert Invoice.all(qb=pyqb) == []
    assert Customer.get(customer.Id, qb=pyqb).Balance == 0
    read.delete(qb=pyqb)
    assert RecurringTransaction.all(qb=pyqb) == []


# --- purchases and banking ---------------------------------------------------------------------


def test_a_purchase_on_a_credit_card_then_paying_the_card(pyqb, vendor):
    purchase = Purchase()
    purchase.PaymentType = "CreditCard"
    purchase.AccountRef = account(pyqb, "Credit Card").to_ref()
    purchase.EntityRef = ref(vendor, kind="Vendor")
    purchase.Line.append(expense_line(pyqb, "120.00", "Office Supplies & Software"))
    purchase = purchase.save(qb=pyqb)
    assert purchase.TotalAmt == 120 and purchase.EntityRef.name == "Round Trip Vendor"
    assert balance(pyqb, "Credit Card") == Decimal("120.00")
    read = Purchase.get(purchase.Id, qb=pyqb)
    read.PrivateNote = "toner"
    assert read.save(qb=pyqb).PrivateNote == "toner"
    assert [p.Id for p in Purchase.filter(PaymentType="CreditCard", qb=pyqb)] == [purchase.Id]

    card_payment = CreditCardPayment()
    card_payment.CreditCardAccountRef = account(pyqb, "Credit Card").to_ref()
    card_payment.BankAccountRef = account(pyqb, "Checking").to_ref()
    card_payment.Amount = 120
    card_payment = card_payment.save(qb=pyqb)
    assert card_payment.Amount == 120
    assert balance(pyqb, "Credit Card") == 0
    assert balance(pyqb, "Checking") == Decimal("-120.00")
    read = CreditCardPayment.get(card_payment.Id, qb=pyqb)
    read.Memo = "November statement"
    assert read.save(qb=pyqb).Memo == "November statement"
    assert [c.Id for c in CreditCardPayment.all(qb=pyqb)] == [card_payment.Id]
    CreditCardPayment.get(card_payment.Id, qb=pyqb).delete(qb=pyqb)
    Purchase.get(purchase.Id, qb=pyqb).delete(qb=pyqb)
    assert balance(pyqb, "Credit Card") == 0 and balance(pyqb, "Checking") == 0


def test_a_transfer_moves_money_between_accounts(pyqb):
    transfer = Transfer()
    transfer.FromAccountRef = account(pyqb, "Checking").to_ref()
    transfer.ToAccountRef = account(pyqb, "Savings").to_ref()
    transfer.Amount = Decimal("750.00")
    transfer = transfer.save(qb=pyqb)
    assert (balance(pyqb, "Checking"), balance(pyqb, "Savings")) == (-750, 750)
    read = Transfer.get(transfer.Id, qb=pyqb)
    read.Amount = 500
    assert read.save(qb=pyqb).Amount == 500
    assert (balance(pyqb, "Checking"), balance(pyqb, "Savings")) == (-500, 500)
    assert [t.Id for t in Transfer.all(qb=pyqb)] == [transfer.Id]
    same = Transfer()
    same.FromAccountRef = same.ToAccountRef = account(pyqb, "Savings").to_ref()
    same.Amount = 1
    with pytest.raises(QuickbooksException) as refused:
        same.save(qb=pyqb)
    assert refused.value.detail == (
        "Business Validation Error: You can't transfer money to the same account."
    )
    Transfer.get(transfer.Id, qb=pyqb).delete(qb=pyqb)
    assert (balance(pyqb, "Checking"), balance(pyqb, "Savings")) == (0, 0)


def test_bill_bill_payment_purchase_order_and_journal_entry(pyqb, vendor, item):
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.Line.append(expense_line(pyqb, "400.00"))
    bill = bill.save(qb=pyqb)
    read = Bill.get(bill.Id, qb=pyqb)
    read.PrivateNote = "batch 7"
    assert read.save(qb=pyqb).SyncToken == "1"
    payment = BillPayment()
    payment.VendorRef = vendor.to_ref()
    payment.PayType = "Check"
    payment.CheckPayment = CheckPayment()
    payment.CheckPayment.BankAccountRef = account(pyqb, "Checking").to_ref()
    payment.TotalAmt = 400
    line = BillPaymentLine()
    line.Amount = 400
    line.LinkedTxn.append(bill.to_linked_txn())
    payment.Line.append(line)
    payment = payment.save(qb=pyqb)
    assert Bill.get(bill.Id, qb=pyqb).Balance == 0
    assert [p.Id for p in BillPayment.all(qb=pyqb)] == [payment.Id]
    assert balance(pyqb, "Accounts Payable (A/P)") == 0
    assert balance(pyqb, "Checking") == Decimal("-400.00")
    BillPayment.get(payment.Id, qb=pyqb).delete(qb=pyqb)
    assert balance(pyqb, "Accounts Payable (A/P)") == Decimal("400.00")

    po = PurchaseOrder()
    po.VendorRef = vendor.to_ref()
    po.APAccountRef = account(pyqb, "Accounts Payable (A/P)").to_ref()
    po.Line.append(expense_line(pyqb, "90.00"))
    po = po.save(qb=pyqb)
    read_po = PurchaseOrder.get(po.Id, qb=pyqb)
    read_po.POStatus = "Closed"
    assert read_po.save(qb=pyqb).POStatus == "Closed"
    # A purchase order posts nothing.
    assert balance(pyqb, "Accounts Payable (A/P)") == Decimal("400.00")
    PurchaseOrder.get(po.Id, qb=pyqb).delete(qb=pyqb)

    entry = JournalEntry()
    for posting, name in (("Debit", "Prepaid Expenses"), ("Credit", "Checking")):
        je_line = JournalEntryLine()
        je_line.Amount = Decimal("60.00")
        je_line.JournalEntryLineDetail = JournalEntryLineDetail()
        je_line.JournalEntryLineDetail.PostingType = posting
        je_line.JournalEntryLineDetail.AccountRef = account(pyqb, name).to_ref()
        entry.Line.append(je_line)
    entry = entry.save(qb=pyqb)
    assert entry.TotalAmt == 60
    assert balance(pyqb, "Prepaid Expenses") == Decimal("60.00")
    read_je = JournalEntry.get(entry.Id, qb=pyqb)
    read_je.PrivateNote = "prepaid rent"
    assert read_je.save(qb=pyqb).PrivateNote == "prepaid rent"
    assert [j.Id for j in JournalEntry.all(qb=pyqb)] == [entry.Id]
    JournalEntry.get(entry.Id, qb=pyqb).delete(qb=pyqb)
    assert balance(pyqb, "Prepaid Expenses") == 0


def test_time_activity(pyqb, customer, item):
    worker = Employee()
    worker.DisplayName = "Tech One"
    worker = worker.save(qb=pyqb)
    activity = TimeActivity()
    activity.NameOf = "Employee"
    activity.EmployeeRef = worker.to_ref()
    activity.CustomerRef = customer.to_ref()
    activity.ItemRef = item.to_ref()
    activity.BillableStatus = "Billable"
    activity.HourlyRate = 45
    activity.Hours = 2
    activity.Minutes = 30
    activity.Description = "Screen replacements"
    saved = activity.save(qb=pyqb)
    assert (saved.Hours, saved.Minutes, saved.EmployeeRef.name) == (2, 30, "Tech One")
    read = TimeActivity.get(saved.Id, qb=pyqb)
    read.Hours = 3
    assert read.save(qb=pyqb).Hours == 3
    assert [t.Id for t in TimeActivity.filter(NameOf="Employee", qb=pyqb)] == [saved.Id]
    missing = TimeActivity()
    missing.NameOf = "Vendor"
    missing.Hours = 1
    with pytest.raises(QuickbooksException) as refused:
        missing.save(qb=pyqb)
    assert refused.value.detail == "Required parameter VendorRef is missing in the request"
    TimeActivity.get(saved.Id, qb=pyqb).delete(qb=pyqb)
    with pytest.raises(ObjectNotFoundException):
        TimeActivity.get(saved.Id, qb=pyqb)


# --- attachments -------------------------------------------------------------------------------


def test_attachments_notes_and_files(pyqb, customer, item):
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(sales_line(item, "10.00"))
    invoice = invoice.save(qb=pyqb)
    link = AttachableRef()
    link.EntityRef = Ref()
    link.EntityRef.type = "Invoice"
    link.EntityRef.value = invoice.Id

    note = Attachable()
    note.Note = "Customer asked for a paper copy"
    note.AttachableRef.append(link)
    note = note.save(qb=pyqb)
    assert note.Note == "Customer asked for a paper copy"
    read = Attachable.get(note.Id, qb=pyqb)
    read.Note = "Paper copy sent"
    assert read.save(qb=pyqb).Note == "Paper copy sent"

    upload = Attachable()
    upload.FileName = "receipt.txt"
    upload.ContentType = "text/plain"
    upload.AttachableRef.append(link)
    content = b"IMEI 356938035643809\nscreen: cracked\n"
    upload._FileBytes = content
    stored = upload.save(qb=pyqb)
    assert (stored.FileName, stored.ContentType, stored.Size) == (
        "receipt.txt",
        "text/plain",
        len(content),
    )
    assert stored.AttachableRef[0].EntityRef.value == invoice.Id
    # The download endpoint answers a temporary URL; the URL serves the bytes.
    session = pyqb.session
    answer = session.get(
        f"{pyqb.api_url}/company/{pyqb.company_id}/download/{stored.Id}",
        headers={"Authorization": f"Bearer {session.access_token}"},
    )
    assert answer.status_code == 200
    url = answer.text
    assert url == Attachable.get(stored.Id, qb=pyqb).TempDownloadUri
    assert httpx.get(url).content == content
    found = Attachable.where(f"AttachableRef.EntityRef.value = '{invoice.Id}'", qb=pyqb)
    assert sorted(a.Id for a in found) == sorted([note.Id, stored.Id])
    Attachable.get(stored.Id, qb=pyqb).delete(qb=pyqb)
    assert httpx.get(url).status_code == 404


# --- currencies --------------------------------------------------------------------------------


def test_company_currency_and_exchange_rates(multicurrency):
    qb = multicurrency
    euro = CompanyCurrency()
    euro.Code = "EUR"
    euro = euro.save(qb=qb)
    assert (euro.Code, euro.Name, euro.Active) == ("EUR", "Euro", True)
    read = CompanyCurrency.get(euro.Id, qb=qb)
    read.Active = False
    assert read.save(qb=qb).Active is False
    assert [c.Code for c in CompanyCurrency.where("Active = false", qb=qb)] == ["EUR"]

    rate = ExchangeRate()
    rate.SourceCurrencyCode = "EUR"
    rate.Rate = Decimal("1.0825")
    rate.AsOfDate = "2026-01-15"
    saved = rate.save(qb=qb)
    assert (saved.SourceCurrencyCode, saved.TargetCurrencyCode, saved.Rate) == (
        "EUR",
        "USD",
        1.0825,
    )
    rates = ExchangeRate.where("SourceCurrencyCode = 'EUR'", qb=qb)
    assert [(r.AsOfDate, r.Rate) for r in rates] == [("2026-01-15", 1.0825)]
    answer = qb.get(
        f"{qb.api_url}/company/{qb.company_id}/exchangerate",
        params={"sourcecurrencycode": "EUR", "asofdate": "2026-02-01"},
    )
    assert answer["ExchangeRate"]["Rate"] == 1.0825  # the latest rate on or before the date


def test_currencies_need_multicurrency(pyqb):
    euro = CompanyCurrency()
    euro.Code = "EUR"
    with pytest.raises(QuickbooksException) as refused:
        euro.save(qb=pyqb)
    assert refused.value.detail == (
        "Business Validation Error: Multicurrency is not turned on for this company."
    )


# --- the sandbox-like company and the reports ---------------------------------------------------


def test_the_sandbox_company_has_sample_data_and_read_only_lists(sandbox):
    qb = sandbox
    assert len(Customer.all(qb=qb)) >= 15 and len(Vendor.all(qb=qb)) >= 10
    assert {e.DisplayName for e in Employee.all(qb=qb)} == {"Emily Platt", "John Johnson"}
    assert {"Design", "Pump", "Rock Fountain"} <= {i.Name for i in Item.all(qb=qb)}
    codes = {c.Name for c in TaxCode.all(qb=qb)}
    assert {"TAX", "NON", "Tucson", "California", "Mountain View"} <= codes
    assert {r.Name: r.RateValue for r in TaxRate.all(qb=qb)}["Tucson City"] == 2
    assert {t.Name for t in CustomerType.all(qb=qb)} == {"Residential", "Commercial"}
    [budget] = Budget.all(qb=qb)
    assert CustomerType.get(CustomerType.all(qb=qb)[0].Id, qb=qb).Active is True
    assert Budget.get(budget.Id, qb=qb).BudgetType == "ProfitAndLoss"
    assert {c.Name for c in Class.all(qb=qb)} == {"Landscaping", "Maintenance", "Design"}
    assert Invoice.count(qb=qb) >= 5 and Bill.count(qb=qb) >= 3 and Payment.count(qb=qb) >= 2
    # The Tucson invoice's tax: 9.1 % of 80.00 of sprinkler parts.
    dukes = Customer.filter(DisplayName="Dukes Basketball Camp", qb=qb)[0]
    [taxed] = Invoice.filter(CustomerRef=dukes.Id, qb=qb)
    assert (taxed.TxnTaxDetail.TotalTax, taxed.TotalAmt) == (7.28, 87.28)


def rows_of(report: dict) -> list[dict]:
    """Every row with ColData (data rows and summaries), depth first."""
    out = []

    def walk(rows):
        for row in rows:
            if "Header" in row:
                out.append(("header", row["Header"]["ColData"]))
            if "ColData" in row:
                out.append(("data", row["ColData"]))
            if "Rows" in row:
                walk(row["Rows"]["Row"])
            if "Summary" in row:
                out.append(("summary", row["Summary"]["ColData"]))

    walk(report["Rows"]["Row"])
    return out


def summary(report: dict, label: str) -> list[str]:
    return next(cols for kind, cols in rows_of(report) if cols[0]["value"] == label)[1:]


def test_reports_agree_with_the_transactions(sandbox):
    qb = sandbox
    everything = {"date_macro": "All"}
    pnl = qb.get_report("ProfitAndLoss", everything)
    assert pnl["Header"]["ReportName"] == "ProfitAndLoss"
    assert [c["ColTitle"] for c in pnl["Columns"]["Column"]] == ["", "Total"]
    income = Decimal(summary(pnl, "Total Income")[0]["value"])
    expenses = Decimal(summary(pnl, "Total Expenses")[0]["value"])
    cogs = Decimal(summary(pnl, "Total Cost of Goods Sold")[0]["value"])
    net = Decimal(summary(pnl, "Net Income")[0]["value"])
    assert net == income - cogs - expenses

    sheet = qb.get_report("BalanceSheet", everything)
    assets = Decimal(summary(sheet, "TOTAL ASSETS")[0]["value"])
    both = Decimal(summary(sheet, "TOTAL LIABILITIES AND EQUITY")[0]["value"])
    assert assets == both
    # The balance sheet's A/R is what customers owe: the sum of open invoices less credits.
    receivable = Decimal(summary(sheet, "Total Accounts Receivable")[0]["value"])
    open_invoices = sum(Decimal(str(i.Balance)) for i in Invoice.all(qb=qb, max_results=1000))
    assert receivable == open_invoices - Decimal("35.00")  # less the Cool Cars credit memo
    aged = qb.get_report("AgedReceivables")
    assert Decimal(summary(aged, "TOTAL")[-1]["value"]) == receivable
    assert Decimal(str(account(qb, "Accounts Receivable (A/R)").CurrentBalance)) == receivable

    trial = qb.get_report("TrialBalance", everything)
    debit, credit = (Decimal(v["value"]) for v in summary(trial, "TOTAL"))
    assert debit == credit and debit > 0

    balances = qb.get_report("CustomerBalance")
    assert Decimal(summary(balances, "TOTAL")[-1]["value"]) == receivable
    cool_cars = next(cols for kind, cols in rows_of(balances) if cols[0]["value"] == "Cool Cars")
    assert Decimal(cool_cars[1]["value"]) == Decimal(
        str(Customer.filter(DisplayName="Cool Cars", qb=qb)[0].Balance)
    )

    payable = qb.get_report("AgedPayables")
    open_bills = sum(Decimal(str(b.Balance)) for b in Bill.all(qb=qb))
    assert Decimal(summary(payable, "TOTAL")[-1]["value"]) == open_bills
    vendors = qb.get_report("VendorBalance")
    assert Decimal(summary(vendors, "TOTAL")[-1]["value"]) == open_bills

    ledger = qb.get_report("GeneralLedger", everything)
    checking = account(qb, "Checking")
    total = summary(ledger, f"Total for {checking.Name}")
    assert Decimal(total[-1]["value"]) == Decimal(str(checking.CurrentBalance))


def test_a_report_the_emulator_does_not_have_is_404_and_cash_basis_is_refused(pyqb):
    with pytest.raises(QuickbooksException) as unknown:
        pyqb.get_report("CashFlowForecast")
    assert unknown.value.error_code == 404
    with pytest.raises(QuickbooksException) as cash:
        pyqb.get_report("ProfitAndLoss", {"accounting_method": "Cash"})
    assert cash.value.error_code == 2010


def test_profit_and_loss_by_month(pyqb, customer, item):
    for day, amount in (("2026-01-10", "100.00"), ("2026-01-20", "50.00"), ("2026-03-05", "70.00")):
        invoice = Invoice()
        invoice.CustomerRef = customer.to_ref()
        invoice.TxnDate = day
        invoice.Line.append(sales_line(item, amount))
        invoice.save(qb=pyqb)
    report = pyqb.get_report(
        "ProfitAndLoss",
        {"start_date": "2026-01-01", "end_date": "2026-03-31", "summarize_column_by": "Month"},
    )
    assert report["Header"]["SummarizeColumnsBy"] == "Month"
    assert [c["ColTitle"] for c in report["Columns"]["Column"]] == [
        "",
        "Jan 2026",
        "Feb 2026",
        "Mar 2026",
        "Total",
    ]
    assert [v["value"] for v in summary(report, "Net Income")] == [
        "150.00",
        "0.00",
        "70.00",
        "220.00",
    ]

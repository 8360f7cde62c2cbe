"""An independent client, python-quickbooks, used unchanged but for its base URL, runs a whole
bookkeeping flow against the emulator — once against the in-process server and once against the
CLI server started as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import (
    AuthorizationException,
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.account import Account
from quickbooks.objects.bill import Bill
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    ItemBasedExpenseLine,
    ItemBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.purchaseorder import PurchaseOrder
from quickbooks.objects.vendor import Vendor

VENV_BIN = Path(sys.executable).parent
# requests-oauthlib refuses plain http unless told this is local development (its documented
# switch); the emulator serves http on 127.0.0.1.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# The app conftest.py registers for tests (kept in step with tests/emulator/conftest.py).
TEST_CLIENT_ID = "emulator-tests"
TEST_CLIENT_SECRET = "emulator-tests-secret"
TEST_REDIRECT_URI = "http://127.0.0.1:9/callback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CliServer:
    """``qbo-emulator serve`` in a subprocess: only its HTTP surface is reachable."""

    emulator = None

    def __init__(self):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(VENV_BIN / "qbo-emulator"), "serve", "--port", str(port), "--no-rate-limits"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_emulator/settings", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("qbo-emulator serve did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module", params=["thread", "cli"])
def target(request, _emulator_thread):
    if request.param == "thread":
        yield _emulator_thread
        return
    server = CliServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(target):
    httpx.post(f"{target.url}/_emulator/reset", timeout=10).raise_for_status()
    return target


@pytest.fixture
def company(server, emulator_tools) -> str:
    return emulator_tools.create_company(
        server, name="Fidelity Phones LLC", plan="plus", purchase_orders_enabled=True
    )


def make_client(server, realm_id: str, access_token: str) -> QuickBooks:
    # intuit-oauth reads the emulator's discovery document (its "environment" may be a URL).
    discovery = f"{server.url}/.well-known/openid_sandbox_configuration/"
    auth_client = AuthClient(
        TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI, discovery, access_token=access_token
    )
    client = QuickBooks(
        auth_client=auth_client, refresh_token="unused", company_id=realm_id, minorversion=75
    )
    # The one change: python-quickbooks' base URL points at the emulator.
    client.api_url_v3 = f"{server.url}/v3"
    return client


@pytest.fixture
def qb(server, company, emulator_tools) -> QuickBooks:
    return make_client(server, company, emulator_tools.issue_token(server, company))


def account_named(qb, name: str) -> Account:
    return Account.filter(Name=name, qb=qb)[0]


def new_item(qb, name: str, price: str) -> Item:
    item = Item()
    item.Name = name
    item.Type = "NonInventory"
    item.UnitPrice = price
    item.IncomeAccountRef = account_named(qb, "Sales of Product Income").to_ref()
    item.ExpenseAccountRef = account_named(qb, "Cost of Goods Sold").to_ref()
    return item.save(qb=qb)


def new_invoice(qb, customer: Customer, item: Item, amount: str, qty: int = 1) -> Invoice:
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.Description = f"{qty} x {item.Name}"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = Decimal(amount) / qty
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    return invoice.save(qb=qb)


def test_a_whole_bookkeeping_flow(qb, server, company):
    # CompanyInfo and the chart of accounts a fresh company has.
    info = CompanyInfo.get(company, qb=qb)
    assert info.CompanyName == "Fidelity Phones LLC"
    names = {a.Name for a in Account.all(qb=qb, max_results=1000)}
    assert {
        "Accounts Receivable (A/R)",
        "Undeposited Funds",
        "Sales of Product Income",
        "Services",
    } <= names

    # Name lists.
    item = new_item(qb, "iPhone 15 128GB", "700")
    customer = Customer()
    customer.DisplayName = "Amy's Bird Sanctuary"
    customer = customer.save(qb=qb)
    vendor = Vendor()
    vendor.DisplayName = "Phone Supply Co"
    vendor = vendor.save(qb=qb)
    assert customer.Id.isdigit() and vendor.Id.isdigit() and item.Id.isdigit()

    # Invoice: create, read, sparse update, full update.
    invoice = new_invoice(qb, customer, item, "1400.00", qty=2)
    assert invoice.TotalAmt == 1400.0 and invoice.Balance == 1400.0
    assert invoice.SyncToken == "0"
    read = Invoice.get(invoice.Id, qb=qb)
    assert read.CustomerRef.value == customer.Id and read.CustomerRef.name == "Amy's Bird Sanctuary"
    # python-quickbooks serialises every attribute, so a sparse body is written by hand.
    sparse_body = {
        "Id": read.Id,
        "SyncToken": read.SyncToken,
        "sparse": True,
        "PrivateNote": "sparse note",
    }
    updated = Invoice.from_json(qb.update_object("Invoice", json.dumps(sparse_body))["Invoice"])
    assert (
        updated.SyncToken == "1"
        and updated.PrivateNote == "sparse note"
        and updated.TotalAmt == 1400.0
    )
    full = Invoice.get(invoice.Id, qb=qb)
    full.Line[0].Amount = 1500
    full.Line[0].SalesItemLineDetail.UnitPrice = 750
    full = full.save(qb=qb)
    assert full.SyncToken == "2" and full.TotalAmt == 1500.0 and full.Balance == 1500.0

    # Queries.
    found = Invoice.filter(CustomerRef=customer.Id, qb=qb)
    assert [i.Id for i in found] == [invoice.Id]
    assert Customer.count("DisplayName LIKE 'Amy%'", qb=qb) == 1
    assert Invoice.where("Balance > '0'", order_by="TxnDate DESC", qb=qb)[0].Id == invoice.Id

    # Payment: the invoice's balance drops to 0 and it links the payment.
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 1500
    line = PaymentLine()
    line.Amount = 1500
    line.LinkedTxn.append(full.to_linked_txn())
    payment.Line.append(line)
    payment = payment.save(qb=qb)
    assert payment.UnappliedAmt == 0
    paid = Invoice.get(invoice.Id, qb=qb)
    assert paid.Balance == 0
    assert [(link.TxnType, link.TxnId) for link in paid.LinkedTxn] == [("Payment", payment.Id)]

    # Bill and purchase order.
    bill_line = AccountBasedExpenseLine()
    bill_line.Amount = 250
    bill_line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    bill_line.AccountBasedExpenseLineDetail.AccountRef = account_named(
        qb, "Cost of Goods Sold"
    ).to_ref()
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.Line.append(bill_line)
    bill = bill.save(qb=qb)
    assert bill.TotalAmt == 250 and bill.Balance == 250
    po_line = ItemBasedExpenseLine()
    po_line.Amount = 3500
    po_line.ItemBasedExpenseLineDetail = ItemBasedExpenseLineDetail()
    po_line.ItemBasedExpenseLineDetail.ItemRef = item.to_ref()
    po_line.ItemBasedExpenseLineDetail.Qty = 5
    po_line.ItemBasedExpenseLineDetail.UnitPrice = 700
    po = PurchaseOrder()
    po.VendorRef = vendor.to_ref()
    po.APAccountRef = account_named(qb, "Accounts Payable (A/P)").to_ref()
    po.Line.append(po_line)
    po = po.save(qb=qb)
    assert po.TotalAmt == 3500 and po.POStatus == "Open"

    # Batch: one customer created, one refused as a duplicate name (6240).
    fresh, duplicate = Customer(), Customer()
    fresh.DisplayName = "Batch Customer"
    duplicate.DisplayName = "Amy's Bird Sanctuary"
    results = batch_create([fresh, duplicate], qb=qb)
    assert [c.DisplayName for c in results.successes] == ["Batch Customer"]
    [fault] = results.faults
    error = fault.Error[0]
    assert (error.code, error.Message) == ("6240", "Duplicate Name Exists Error")
    assert error.Detail == (
        "The name supplied already exists. : Another customer, vendor or employee is already using "
        "this name. Please use a different name."
    )

    # CDC sees the invoice and the payment.
    # A naive changedSince is read in the company's time zone, so send an explicit offset.
    since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    cdc = change_data_capture([Invoice, Payment], since, qb=qb)
    assert {i.Id for i in cdc.Invoice} == {invoice.Id}
    assert {p.Id for p in cdc.Payment} == {payment.Id}

    # Void the payment (include=void): the invoice is open again.
    voided = payment.void(qb=qb)["Payment"]
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"].startswith("Voided")
    reopened = Invoice.get(invoice.Id, qb=qb)
    assert reopened.Balance == 1500.0 and not reopened.LinkedTxn

    # Void the invoice, then delete it: a read afterwards is 610.
    void_response = reopened.void(qb=qb)["Invoice"]
    assert void_response["TotalAmt"] == 0 and void_response["Balance"] == 0
    latest = Invoice.get(invoice.Id, qb=qb)
    latest.delete(qb=qb)
    with pytest.raises(ObjectNotFoundException) as missing:
        Invoice.get(invoice.Id, qb=qb)
    assert (missing.value.error_code, missing.value.message) == (610, "Object Not Found")
    assert missing.value.detail == "Object Not Found : Another user has deleted this transaction."
    deleted = change_data_capture([Invoice], since, qb=qb)
    assert [(i.Id, i.status) for i in deleted.Invoice] == [(invoice.Id, "Deleted")]


def test_pdf_send_and_request_ids(qb):
    item = new_item(qb, "Galaxy S24", "650")
    customer = Customer()
    customer.DisplayName = "Request Id Ltd"
    first = customer.save(qb=qb, request_id="fidelity-rid-1")
    again = Customer()
    again.DisplayName = "Request Id Ltd"
    # The same request id: the stored answer comes back instead of a 6240.
    assert again.save(qb=qb, request_id="fidelity-rid-1").Id == first.Id
    invoice = new_invoice(qb, first, item, "650.00")
    pdf = invoice.download_pdf(qb=qb)
    assert pdf.startswith(b"%PDF-")
    sent = invoice.send(qb=qb, send_to="ap@example.com")["Invoice"]
    assert (sent["EmailStatus"], sent["BillEmail"]["Address"]) == ("EmailSent", "ap@example.com")


def test_a_stale_sync_token_is_5010(qb):
    customer = Customer()
    customer.DisplayName = "Stale Sam"
    customer = customer.save(qb=qb)
    first, second = Customer.get(customer.Id, qb=qb), Customer.get(customer.Id, qb=qb)
    first.CompanyName = "First"
    first.save(qb=qb)
    second.CompanyName = "Second"
    # python-quickbooks maps codes 5000-9999 to its base QuickbooksException.
    with pytest.raises(QuickbooksException) as stale:
        second.save(qb=qb)
    assert (stale.value.error_code, stale.value.message) == (5010, "Stale Object Error")
    assert stale.value.detail == (
        "Stale Object Error : You and QuickBooks User were working on this at the same time. "
        "QuickBooks User finished before you did, so your work was not saved."
    )


def test_a_duplicate_display_name_is_6240(qb):
    vendor = Vendor()
    vendor.DisplayName = "Shared Name"
    vendor.save(qb=qb)
    customer = Customer()
    customer.DisplayName = "shared name"
    with pytest.raises(QuickbooksException) as duplicate:
        customer.save(qb=qb)
    assert (duplicate.value.error_code, duplicate.value.message) == (
        6240,
        "Duplicate Name Exists Error",
    )


def test_a_missing_required_field_is_2020(qb):
    invoice = Invoice()
    customer = Customer()
    customer.DisplayName = "No Lines Ltd"
    invoice.CustomerRef = customer.save(qb=qb).to_ref()
    with pytest.raises(ValidationException) as missing:
        invoice.save(qb=qb)
    assert (missing.value.error_code, missing.value.message) == (
        2020,
        "Required param missing, need to supply the required value for the API",
    )
    assert missing.value.detail == "Required parameter Line is missing in the request"


def test_a_bad_query_is_4000(qb):
    with pytest.raises(ValidationException) as bad:
        qb.query("SELECT * FROM Customer WHERE DisplayName = 'x' OR Active = true")
    assert (bad.value.error_code, bad.value.message) == (4000, "Error parsing query")
    assert (
        bad.value.detail
        == 'QueryParserError: Encountered " <IDENTIFIER> "OR "" at line 1, column 48.'
    )


def test_a_bad_token_is_401(server, company):
    client = make_client(server, company, "not-a-real-token")
    with pytest.raises(AuthorizationException) as denied:
        CompanyInfo.get(company, qb=client)
    assert denied.value.error_code == 401
    body = httpx.get(
        f"{server.url}/v3/company/{company}/companyinfo/{company}",
        headers={"Authorization": "Bearer not-a-real-token", "Accept": "application/json"},
    ).json()
    [error] = body["fault"]["error"]
    assert (error["code"], error["message"]) == (
        "3200",
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
    )
    assert body["fault"]["type"] == "AUTHENTICATION"


def test_purchase_orders_are_refused_on_essentials(server, emulator_tools):
    realm_id = emulator_tools.create_company(server, name="Essentials Co", plan="essentials")
    qb = make_client(server, realm_id, emulator_tools.issue_token(server, realm_id))
    vendor = Vendor()
    vendor.DisplayName = "Any Vendor"
    vendor = vendor.save(qb=qb)
    line = AccountBasedExpenseLine()
    line.Amount = 10
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = account_named(qb, "Cost of Goods Sold").to_ref()
    po = PurchaseOrder()
    po.VendorRef = vendor.to_ref()
    po.Line.append(line)
    with pytest.raises(QuickbooksException) as refused:
        po.save(qb=qb)
    assert (refused.value.error_code, refused.value.message) == (5020, "Permission Denied Error")
    assert (
        refused.value.detail
        == "Permission Denied Error : Purchase Order creation is available only in QBO Plus"
    )


if os.environ.get("QBO_FIDELITY_DEBUG"):  # pragma: no cover - handy when a flow step fails
    import logging

    logging.basicConfig(level=logging.DEBUG)

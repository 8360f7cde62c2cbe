"""The human UI over HTTP: companies, read-only lists and details, Receive payment, editing,
voiding and deleting a payment, the Apps page's Disconnect, and the webhook log."""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from qbo_emulator.server import run_in_thread

CLIENT_ID = "ui-app"
CLIENT_SECRET = "ui-secret"
DISCONNECT_URL = "http://127.0.0.1:9/qbo/disconnected"


class Receiver:
    """A webhook receiver that answers 200 and keeps every CloudEvent it gets."""

    def __init__(self):
        self.events: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.events.extend(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def types(self) -> list[tuple[str, str]]:
        return [(e["type"], e["intuitentityid"]) for e in self.events]


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(port=0)
    yield running
    running.stop()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def browser(server):
    server.emulator.reset()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.emulator = server.emulator
        yield client


@pytest.fixture
def books(browser, receiver):
    """A company with the app connected (webhooks to ``receiver``), a customer, an item and a
    two-line invoice of 100.00."""
    em = browser.emulator
    store = em.store
    realm = str(store.create_company(name="UI Test Co", plan="plus"))
    em.auth.register_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=["http://127.0.0.1:9/cb"],
        webhook_url=receiver.url,
        verifier_token="v",
        disconnect_url=DISCONNECT_URL,
        name="Cellbooks UI test",
    )
    tokens = em.auth.issue_tokens(CLIENT_ID, realm)
    income = next(a for a in store.list_entities(realm, "Account") if a["Name"] == "Services")
    customer = store.create_entity(realm, "Customer", {"DisplayName": "Ada Buyer"})
    item = store.create_entity(
        realm,
        "Item",
        {"Name": "Repair", "Type": "Service", "IncomeAccountRef": {"value": income["Id"]}},
    )
    line = {"DetailType": "SalesItemLineDetail"}
    invoice = store.create_entity(
        realm,
        "Invoice",
        {
            "DocNumber": "INV-1",
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                {**line, "Amount": "60.00", "Description": "Screen swap",
                 "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 2, "UnitPrice": "30.00"}},
                {**line, "Amount": "40.00", "Description": "Battery",
                 "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": "40.00"}},
            ],
        },
    )  # fmt: skip
    assert em.webhooks.flush()
    receiver.events.clear()
    return {"realm": realm, "invoice": invoice, "customer": customer, "tokens": tokens}


def invoice_url(books) -> str:
    return f"/companies/{books['realm']}/invoices/{books['invoice']['Id']}"


def balance(browser, books) -> Decimal:
    invoice = browser.emulator.store.get_entity(books["realm"], "Invoice", books["invoice"]["Id"])
    return Decimal(str(invoice["Balance"]))


def receive(browser, books, amount, **extra) -> httpx.Response:
    return browser.post(f"{invoice_url(books)}/receive-payment", data={"amount": amount, **extra})


def only_payment(browser, books) -> dict:
    [payment] = browser.emulator.store.list_entities(books["realm"], "Payment")
    return payment


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---------------------------------------------------------------------- companies


def test_home_lists_companies_and_creates_one(browser):
    created = browser.post("/companies", data={"name": "Fresh & Co", "plan": "essentials"})
    assert created.status_code == 303
    realm = created.headers["location"].split("/")[2]
    home = browser.get("/")
    assert home.status_code == 200
    row = text_of(home.text)
    assert f"Fresh &amp; Co {realm} essentials off" in row
    [company] = browser.emulator.store.companies()
    assert (company["name"], company["plan"], company["purchase_orders_enabled"]) == (
        "Fresh & Co",
        "essentials",
        False,
    )


def test_creating_a_company_needs_a_name(browser):
    response = browser.post("/companies", data={"name": " ", "plan": "plus"})
    assert response.status_code == 400
    assert "Give a name and a plan." in response.text


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("invoices", "INV-1 Ada Buyer"),
        ("customers", "Ada Buyer"),
        ("items", "Repair Service"),
        ("accounts", "Undeposited Funds"),
        ("bills", "Nothing here yet."),
        ("purchase-orders", "Nothing here yet."),
        ("payments", "Nothing here yet."),
        ("vendors", "Nothing here yet."),
        ("credit-memos", "Nothing here yet."),
        ("refund-receipts", "Nothing here yet."),
        ("vendor-credits", "Nothing here yet."),
    ],
)
def test_company_tabs_are_tables(browser, books, tab, expected):
    page = browser.get(f"/companies/{books['realm']}/{tab}")
    assert page.status_code == 200
    assert expected in text_of(page.text)


def test_an_unknown_company_is_not_found(browser):
    page = browser.get("/companies/123/invoices")
    assert page.status_code == 404
    assert "Unknown company (realmId 123)" in page.text


# ---------------------------------------------------------------------- invoices and payments


def test_the_invoice_page_shows_its_lines(browser, books):
    page = browser.get(invoice_url(books))
    assert page.status_code == 200
    text = text_of(page.text)
    assert "# Item / account Description Qty Rate Amount" in text
    assert "Repair Screen swap 2 30.00 60.00" in text
    assert "Repair Battery 1 40.00 40.00" in text
    assert 'id="receive-payment"' in page.text
    assert '<label for="amount">Amount</label>' in page.text


def test_receiving_a_partial_payment_lowers_the_balance_and_fires_the_webhook(browser, books):
    response = receive(browser, books, "40.00", date="2026-03-01", reference="CHK-7")
    assert response.status_code == 303
    page = browser.get(response.headers["location"])
    assert re.search(r"Payment \d+ of 40\.00 received\.", page.text)
    assert 'id="balance">60.00<' in page.text
    assert "partially paid" in page.text
    assert balance(browser, books) == Decimal("60.00")

    payment = only_payment(browser, books)
    assert Decimal(str(payment["TotalAmt"])) == Decimal("40.00")
    assert payment["PaymentRefNum"] == "CHK-7"
    assert payment["TxnDate"] == "2026-03-01"
    assert payment["Line"][0]["LinkedTxn"] == [
        {"TxnId": books["invoice"]["Id"], "TxnType": "Invoice"}
    ]
    invoice = browser.emulator.store.get_entity(books["realm"], "Invoice", books["invoice"]["Id"])
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in invoice["LinkedTxn"]

    assert browser.emulator.webhooks.flush()
    receiver_types = books_receiver_types(browser)
    assert ("qbo.payment.created.v1", payment["Id"]) in receiver_types


def books_receiver_types(browser) -> list[tuple[str, str]]:
    """What the app's receiver got, read back from the delivery log."""
    out = []
    for entry in browser.emulator.webhooks.log():
        if entry["outcome"] == "delivered":
            out += [(e["type"], e["intuitentityid"]) for e in json.loads(entry["body"])]
    return out


def test_receiving_the_full_balance_marks_the_invoice_paid(browser, books):
    receive(browser, books, "100.00")
    page = browser.get(invoice_url(books))
    assert 'id="balance">0.00<' in page.text
    assert "badge paid" in page.text
    assert 'id="receive-payment"' not in page.text


@pytest.mark.parametrize(
    ("amount", "message"),
    [("abc", "Amount must be a number."), ("0", "Amount must be greater than zero.")],
)
def test_a_bad_amount_is_refused_with_a_message(browser, books, amount, message):
    response = receive(browser, books, amount)
    assert response.status_code == 400
    assert message in response.text
    assert browser.emulator.store.list_entities(books["realm"], "Payment") == []


def test_editing_a_payment_amount_moves_the_invoice_balance(browser, books, receiver):
    receive(browser, books, "40.00")
    payment = only_payment(browser, books)
    page = browser.get(f"/companies/{books['realm']}/payments/{payment['Id']}")
    assert 'id="save-amount"' in page.text and 'id="void-payment"' in page.text
    response = browser.post(
        f"/companies/{books['realm']}/payments/{payment['Id']}/amount", data={"amount": "55"}
    )
    assert response.status_code == 303
    assert balance(browser, books) == Decimal("45.00")
    assert Decimal(str(only_payment(browser, books)["TotalAmt"])) == Decimal("55.00")
    assert browser.emulator.webhooks.flush()
    assert ("qbo.payment.updated.v1", payment["Id"]) in receiver.types()


def test_voiding_a_payment_restores_the_balance(browser, books, receiver):
    receive(browser, books, "40.00")
    payment = only_payment(browser, books)
    response = browser.post(f"/companies/{books['realm']}/payments/{payment['Id']}/void")
    assert response.status_code == 303
    assert balance(browser, books) == Decimal("100.00")
    page = browser.get(response.headers["location"])
    assert "Payment voided." in page.text
    assert "badge voided" in page.text
    assert browser.emulator.webhooks.flush()
    assert ("qbo.payment.voided.v1", payment["Id"]) in receiver.types()


def test_deleting_a_payment_restores_the_balance(browser, books, receiver):
    receive(browser, books, "40.00")
    payment = only_payment(browser, books)
    response = browser.post(f"/companies/{books['realm']}/payments/{payment['Id']}/delete")
    assert response.status_code == 303
    assert balance(browser, books) == Decimal("100.00")
    assert browser.emulator.store.list_entities(books["realm"], "Payment") == []
    page = browser.get(response.headers["location"])
    assert f"Payment {payment['Id']} deleted." in page.text
    assert browser.emulator.webhooks.flush()
    assert ("qbo.payment.deleted.v1", payment["Id"]) in receiver.types()


# ---------------------------------------------------------------------- apps


def test_disconnect_revokes_the_app_and_sends_the_browser_to_its_disconnect_url(browser, books):
    realm = books["realm"]
    apps = browser.get(f"/companies/{realm}/apps")
    assert "Cellbooks UI test" in apps.text
    assert f'id="disconnect-{CLIENT_ID}"' in apps.text

    response = browser.post(f"/companies/{realm}/apps/{CLIENT_ID}/disconnect")
    assert response.status_code == 303
    location = urlparse(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == DISCONNECT_URL
    assert parse_qs(location.query) == {"realmId": [realm]}

    tokens = books["tokens"]
    api = browser.get(
        f"/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
    )
    assert api.status_code == 401
    refreshed = browser.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    assert refreshed.status_code == 400
    assert refreshed.json() == {"error": "invalid_grant"}
    assert "No apps are connected to this company." in browser.get(f"/companies/{realm}/apps").text


def test_the_webhook_log_pages_show_deliveries(browser, books):
    receive(browser, books, "10.00")
    assert browser.emulator.webhooks.flush()
    for url in ("/webhooks", f"/companies/{books['realm']}/webhooks"):
        page = browser.get(url)
        assert page.status_code == 200
        assert "badge delivered" in page.text
        assert "qbo.payment.created.v1" in page.text


# ---------------------------------------------------------------------- reports


def test_the_reports_tab_shows_what_the_invoice_did_to_the_books(browser, books):
    realm = books["realm"]
    pnl = browser.get(f"/companies/{realm}/reports")
    assert pnl.status_code == 200
    text = text_of(pnl.text)
    assert "Profit and Loss" in text and 'id="tab-reports"' in pnl.text
    # The 100.00 invoice: income on its item's account, and net income.
    assert "Total Income 100.00" in text and "Net Income 100.00" in text
    sheet = text_of(browser.get(f"/companies/{realm}/reports/BalanceSheet").text)
    assert "Accounts Receivable (A/R) 100.00" in sheet
    assert "TOTAL ASSETS 100.00" in sheet and "TOTAL LIABILITIES AND EQUITY 100.00" in sheet
    aged = text_of(browser.get(f"/companies/{realm}/reports/AgedReceivables").text)
    assert "Ada Buyer 100.00" in aged
    # A period with nothing in it, and a report the emulator does not have.
    empty = browser.get(
        f"/companies/{realm}/reports/ProfitAndLoss",
        params={"start_date": "2001-01-01", "end_date": "2001-12-31"},
    )
    assert "Total Income 0.00" in text_of(empty.text)
    assert browser.get(f"/companies/{realm}/reports/CashFlow").status_code == 404
    bad = browser.get(f"/companies/{realm}/reports/ProfitAndLoss", params={"end_date": "x"})
    assert bad.status_code == 200 and "end_date has an invalid date: x (code 2010)" in bad.text


def test_the_credit_memos_tab(browser, books):
    realm, customer = books["realm"], books["customer"]
    item = browser.emulator.store.list_entities(realm, "Item")[0]
    memo = browser.emulator.store.create_entity(
        realm,
        "CreditMemo",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                {
                    "Amount": "25.00",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                }
            ],
        },
    )
    listing = text_of(browser.get(f"/companies/{realm}/credit-memos").text)
    assert (
        f"{memo.get('DocNumber') or memo['Id']} Ada Buyer" in listing and "25.00 25.00" in listing
    )
    detail = browser.get(f"/companies/{realm}/credit-memos/{memo['Id']}")
    assert detail.status_code == 200 and "Repair" in text_of(detail.text)


def test_a_company_with_sample_data_from_the_home_page(browser):
    created = browser.post(
        "/companies", data={"name": "Sandbox Look-alike", "plan": "advanced", "sample_data": "1"}
    )
    assert created.status_code == 303
    realm = created.headers["location"].split("/")[2]
    customers = text_of(browser.get(f"/companies/{realm}/customers").text)
    assert "Amy&#x27;s Bird Sanctuary" in customers and "Weiskopf Consulting" in customers
    plain = browser.post("/companies", data={"name": "Empty Co", "plan": "plus"})
    empty = plain.headers["location"].split("/")[2]
    assert "Nothing here yet." in browser.get(f"/companies/{empty}/customers").text

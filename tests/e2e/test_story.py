"""The whole story in a real browser: Cellbooks and the QBO emulator as `make run` starts them.

A new business (an empty install): set up the company and the owner's account → invite a warehouse
worker, who signs up from the emailed link, receives a purchase order and is refused QuickBooks'
settings → an API key created, used and revoked → ten wrong passwords lock the account.

The demo company: log in → connect QuickBooks → settings → receive a PO from pasted CSV → sync it as a Bill → check
the Bill in the emulator → sync another PO as a Purchase Order → open an invoice → sync it →
receive a partial payment in the emulator → Partially paid → the rest → Paid → disconnect from the
emulator's Apps page → Needs reconnect → reconnect → a sync works again.
"""

from __future__ import annotations

import csv
import io
import re
import time
from contextlib import contextmanager
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cellbooks.core.identifiers import luhn_check_digit

# The story takes about a minute; the bound covers the waits below when something is wrong.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

DEMO_EMAIL, DEMO_PASSWORD = "demo@cellbooks.test", "demo"
PLUS_COMPANY = "Demo Phones Wholesale LLC"
ITEM_NAME = "Used devices"
# How long the worker and the webhook may take. Generous bounds on waits, not timing assertions:
# the payment sweep (QBO_SWEEP_MINUTES=1, checked every minute) backs up a lost webhook.
SYNC_SECONDS = 90
PAYMENT_SECONDS = 150


def imei(n: int) -> str:
    body = f"86423100{n:06d}"  # a TAC the demo company does not use
    return body + luhn_check_digit(body)


def csv_rows(rows) -> str:
    header = "imei,manufacturer,model,capacity,colour,network,condition,cost"
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"


FIRST_PO = [
    (imei(1), "Apple", "iPhone 14 Pro", "128GB", "Deep Purple", "Unlocked", "A", "455.50"),
    (imei(2), "Apple", "iPhone 14 Pro", "128GB", "Deep Purple", "Unlocked", "A", "455.50"),
    (imei(3), "Apple", "iPhone 14 Pro", "128GB", "Space Black", "Unlocked", "B", "401.25"),
    (imei(4), "Samsung", "Galaxy S22", "128GB", "Phantom Black", "Unlocked", "A", "289.99"),
    (imei(5), "Samsung", "Galaxy S22", "128GB", "Phantom Black", "Unlocked", "A", "289.99"),
]
SECOND_PO = [
    (imei(11), "Google", "Pixel 7", "128GB", "Obsidian", "Unlocked", "A", "199.00"),
    (imei(12), "Google", "Pixel 7", "128GB", "Obsidian", "Unlocked", "A", "199.00"),
]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def total_of(rows) -> Decimal:
    return sum((Decimal(r[-1]) for r in rows), Decimal("0"))


def money(value: Decimal) -> str:
    """An amount as the emulator (QuickBooks) shows it."""
    return f"{value:,.2f}"


def dollars(value: Decimal) -> str:
    """An amount as Cellbooks shows it: with the company's currency."""
    return f"${value:,.2f}"


class Story:
    """Named steps: each one asserts what the page shows, then saves a screenshot."""

    def __init__(self, page, shots, stack):
        self.page, self.shots, self.stack = page, shots, stack
        self.passed: list[str] = []

    @contextmanager
    def step(self, name: str, *, readme: str | None = None, focus: str | None = None):
        """``readme``: also copy the screenshot for the README; ``focus``: scroll it into view."""
        started = time.monotonic()
        try:
            yield
        except BaseException as exc:
            path = self.shots.take(self.page, f"FAILED-{name}")
            exc.add_note(f"step '{name}' failed on {self.page.url}; screenshot {path}")
            exc.add_note("steps passed: " + (", ".join(self.passed) or "none"))
            exc.add_note("servers' log (tail):\n" + self.stack.log_tail())
            exc.add_note("emulator's last requests:\n" + self.stack.emulator_requests())
            raise
        if focus:
            self.page.locator(focus).scroll_into_view_if_needed()
        self.shots.take(self.page, name, readme=readme)
        self.passed.append(name)
        print(f"  ✓ {name} ({time.monotonic() - started:.1f}s)")


def reload_until(page, selector: str, pattern: str, *, seconds: float) -> str:
    """Reload the page until ``selector``'s text matches ``pattern``; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        text = page.locator(selector).inner_text().strip()
        if re.search(pattern, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{selector} still shows {text!r} after {seconds}s; wanted /{pattern}/"
            )
        page.wait_for_timeout(1000)
        page.reload()


def open_emulator_tab(page, stack, company: str, tab: str) -> None:
    """In the emulator's UI: Companies → the company → a tab (Bills, Purchase orders, Apps…)."""
    page.goto(stack.emulator_url + "/")
    page.locator("#companies").get_by_role("link", name=company).click()
    page.locator("nav.tabs").get_by_role("link", name=tab, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tab)


def create_draft_po(page, vendor: str) -> str:
    """Purchase orders → New purchase order → the vendor → Create; returns the PO number."""
    page.get_by_role("navigation").get_by_role("link", name="Purchase orders").click()
    page.get_by_role("link", name="New purchase order").click()
    page.get_by_label("Vendor").select_option(label=vendor)
    page.get_by_role("button", name="Create purchase order").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Draft")
    return re.search(r"Purchase order (\S+)", heading.inner_text()).group(1)


def import_and_receive(page, rows) -> None:
    """The pasted CSV → Import devices → Receive."""
    if not page.get_by_label("Paste CSV").input_value():
        page.get_by_label("Paste CSV").fill(csv_rows(rows))
    page.get_by_role("button", name="Import devices").click()
    expect(page.locator(".messages")).to_contain_text(f"{len(rows)} device")
    expect(page.locator("#po-total")).to_have_text(dollars(total_of(rows)))
    page.get_by_role("button", name="Receive").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Received")


def create_received_po(page, vendor: str, rows) -> str:
    number = create_draft_po(page, vendor)
    import_and_receive(page, rows)
    return number


def sync_this_document(page) -> str:
    """Press Sync in the QuickBooks panel; the panel updates itself once the worker has synced
    (bounded wait, no reload: the person sees the outcome without doing anything)."""
    page.locator("#qbo-sync-button").click()
    expect(page.locator("#qbo-sync-state")).to_have_text(
        re.compile(r"^\s*Synced "), timeout=SYNC_SECONDS * 1000
    )
    expect(page.locator("#qbo-sync-waiting")).to_have_count(0)
    # The "queued" note of the click goes once the box shows the result.
    expect(page.locator(".messages li.qbo-queued")).to_have_count(0)
    return page.locator("#qbo-sync").inner_text()


def test_a_person_connects_quickbooks_syncs_and_gets_paid(page, shots, stack):
    story = Story(page, shots, stack)
    emu = stack.emulator_url

    with story.step("log-in", readme="01-dashboard"):
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        page.get_by_label("Email").fill(DEMO_EMAIL)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")

    with story.step("integrations", readme="02-integrations"):
        page.get_by_role("navigation").get_by_role("link", name="Integrations").click()
        card = page.locator("#quickbooks-card")
        expect(card.locator("#qbo-status")).to_have_text("Not connected")

    with story.step("get-started"):
        card.get_by_role("link", name="Get started").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("QuickBooks Online")
        expect(page.locator("#qbo-connect")).to_have_text("Connect to QuickBooks")

    with story.step("consent", readme="03-consent"):
        page.locator("#qbo-connect").click()
        expect(page).to_have_url(re.compile(re.escape(emu)))
        expect(page.locator("#consent h1")).to_contain_text("to QuickBooks")
        plus = page.locator("#realm_id option", has_text=PLUS_COMPANY).get_attribute("value")
        page.locator("#realm_id").select_option(plus)

    with story.step("settings", readme="04-settings"):
        page.locator("#connect").click()
        expect(page).to_have_url(re.compile(r"/integrations/quickbooks/settings/"))
        expect(page.locator(".messages")).to_contain_text(f"Connected to {PLUS_COMPANY}")
        expect(page.locator("#qbo-status")).to_have_text(f"Connected to {PLUS_COMPANY}")
        form = page.locator("#qbo-settings-form")
        form.get_by_label("Inventory item name").fill(ITEM_NAME)
        form.get_by_label("Bill").check()

    with story.step("settings-saved"):
        page.locator("#save-settings").click()
        expect(page.locator(".messages")).to_contain_text(f"QuickBooks item '{ITEM_NAME}' is ready")

    with story.step("purchase-order-pasted", readme="05-purchase-order-paste", focus="#import-csv"):
        first_po = create_draft_po(page, "Global Phone Supply")
        page.get_by_label("Paste CSV").fill(csv_rows(FIRST_PO))

    with story.step("purchase-order-received"):
        import_and_receive(page, FIRST_PO)
        expect(page.locator("#qbo-sync-state")).to_have_text("Not synced")
        # Grouped by product and grade: 3 groups of the 5 devices.
        expect(page.locator("tr.group-head")).to_have_count(3)

    with story.step("purchase-order-synced-as-bill", readme="06-po-synced", focus="#qbo-sync"):
        panel = sync_this_document(page)
        assert f"Bill {first_po}" in panel, panel
        assert f"total ${money(total_of(FIRST_PO))}" in panel, panel

    with story.step("bill-in-emulator", readme="07-emulator-bill"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Bills")
        page.locator("#bills").get_by_role("link", name=first_po, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Bill {first_po}")
        lines = page.locator("#lines tbody tr")
        expect(lines).to_have_count(3)
        # (qty, rate, amount) per group: 2 × 455.50, 1 × 401.25, 2 × 289.99, every line the one item
        got = sorted(
            tuple(lines.nth(i).locator("td").nth(c).inner_text() for c in (3, 4, 5))
            for i in range(3)
        )
        assert got == sorted(
            [("2", "455.50", "911.00"), ("1", "401.25", "401.25"), ("2", "289.99", "579.98")]
        ), got
        for i in range(3):
            expect(lines.nth(i).locator("td").nth(1)).to_have_text(ITEM_NAME)
        expect(page.locator("main dl")).to_contain_text(money(total_of(FIRST_PO)))

    with story.step("settings-purchase-orders"):
        page.goto("/integrations/")
        page.locator("#quickbooks-card").get_by_role("link", name="Settings").click()
        form = page.locator("#qbo-settings-form")
        expect(form.get_by_label("Inventory item name")).to_have_value(ITEM_NAME)
        form.get_by_label("Purchase Orders", exact=True).check()
        page.locator("#save-settings").click()
        expect(page.locator(".messages")).to_contain_text("Settings saved")
        expect(form.get_by_label("Purchase Orders", exact=True)).to_be_checked()

    with story.step("second-po-synced-as-purchase-order"):
        second_po = create_received_po(page, "Pacific Device Traders", SECOND_PO)
        panel = sync_this_document(page)
        assert f"Purchase order {second_po}" in panel, panel
        assert f"total ${money(total_of(SECOND_PO))}" in panel, panel

    with story.step("purchase-order-in-emulator", readme="08-emulator-purchase-orders"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Purchase orders")
        row = page.locator("#purchase-orders tbody tr", has_text=second_po)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Pacific Device Traders")
        expect(row.locator("td").nth(3)).to_have_text(money(total_of(SECOND_PO)))
        # The first PO stays a Bill: nothing was moved behind the person's back.
        expect(page.locator("#purchase-orders tbody tr", has_text=first_po)).to_have_count(0)

    sold = [FIRST_PO[0][0], FIRST_PO[3][0], SECOND_PO[0][0]]
    price = Decimal("520.00")
    invoice_total = price * len(sold)
    partial = Decimal("600.00")

    with story.step("invoice-opened", readme="09-invoice"):
        page.goto("/")
        page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
        page.get_by_role("link", name="New invoice").click()
        page.get_by_label("Customer").select_option(label="Metro Mobile Repair")
        page.get_by_role("button", name="Create invoice").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Draft")
        invoice_number = re.search(r"Invoice (\S+)", heading.inner_text()).group(1)
        page.get_by_label("Scan or paste IMEIs / serials").fill("\n".join(sold))
        page.get_by_label("Unit price").first.fill(str(price))
        page.get_by_role("button", name="Add to invoice").click()
        expect(page.locator("#invoice-total")).to_have_text(dollars(invoice_total))
        page.get_by_role("button", name="Open invoice").click()
        expect(heading).to_contain_text("Open")
        expect(page.locator("#balance-due")).to_have_text(dollars(invoice_total))

    with story.step("invoice-documents"):
        # The invoice and its packing list, downloaded from the invoice page: every IMEI sold.
        for link, title in (("#invoice-pdf", "Invoice"), ("#packing-list-pdf", "Packing list")):
            href = page.locator(link).get_attribute("href")
            response = page.request.get(href + "?download=1")
            assert response.ok and response.headers["content-type"] == "application/pdf"
            assert "attachment" in response.headers["content-disposition"]
            text = pdf_text(response.body())
            assert title in text and invoice_number in text, text[:300]
            assert all(identifier in text for identifier in sold), text

    with story.step("invoice-synced", focus="#qbo-sync"):
        panel = sync_this_document(page)
        assert f"Invoice {invoice_number}" in panel, panel
        assert f"total ${money(invoice_total)}" in panel, panel
        invoice_url = page.url

    with story.step("partial-payment-in-emulator", readme="10-emulator-receive-payment"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Invoices")
        page.locator("#invoices").get_by_role("link", name=invoice_number, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice_number}")
        expect(page.locator("#amount")).to_have_value(f"{invoice_total:.2f}")
        page.locator("#amount").fill(str(partial))
        page.locator("#receive-payment").click()
        expect(page.locator("#notice")).to_contain_text(f"of {money(partial)} received")
        expect(page.locator("#balance")).to_have_text(money(invoice_total - partial))

    with story.step("partially-paid-in-cellbooks", readme="11-partially-paid"):
        page.goto(invoice_url)
        reload_until(page, "h1 .badge", r"^Partially paid$", seconds=PAYMENT_SECONDS)
        expect(page.locator("#balance-due")).to_have_text(dollars(invoice_total - partial))
        expect(page.locator("#payments tbody tr")).to_have_count(1)

    with story.step("rest-paid-in-emulator"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Invoices")
        page.locator("#invoices").get_by_role("link", name=invoice_number, exact=True).click()
        expect(page.locator("#amount")).to_have_value(f"{invoice_total - partial:.2f}")
        page.locator("#receive-payment").click()
        expect(page.locator("#status")).to_have_text("paid")
        expect(page.locator("#balance")).to_have_text("0.00")

    with story.step("paid-in-cellbooks", readme="12-paid"):
        page.goto(invoice_url)
        reload_until(page, "h1 .badge", r"^Paid$", seconds=PAYMENT_SECONDS)
        expect(page.locator("#balance-due")).to_have_text("$0.00")
        expect(page.locator("#payments tbody tr")).to_have_count(2)

    returned = sold[:2]
    with story.step("return-completed", readme="26-return", focus="#return-lines"):
        # Two devices come back from the paid invoice: a return keeps the credit for the
        # customer; the devices go back in stock, the invoice stays as it was sent.
        page.goto(invoice_url)
        page.locator("#start-return").click()
        page.get_by_label("Reason").fill("Ordered the wrong colour")
        page.get_by_label("Kept as the customer's credit").check()
        page.get_by_role("button", name="Start the return").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Draft")
        return_number = re.search(r"Return (\S+)", heading.inner_text()).group(1)
        page.get_by_label("Scan or paste IMEIs / serials").fill("\n".join(returned))
        page.get_by_role("button", name="Add to the return").click()
        expect(page.locator("#return-total")).to_have_text(dollars(price * len(returned)))
        page.locator("#complete-return").click()
        expect(heading).to_contain_text("Completed")
        return_url = page.url

    with story.step("return-in-quickbooks", focus="#qbo-sync"):
        # The invoice is in QuickBooks, so its return goes there too, on its own.
        reload_until(page, "#qbo-sync-state", r"^Synced ", seconds=SYNC_SECONDS)

    with story.step("credit-memo-in-emulator", readme="27-emulator-credit-memo"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Credit memos")
        memos = page.locator("#credit-memos tbody tr")
        expect(memos).to_have_count(1)
        expect(memos.first).to_contain_text(money(price * len(returned)))

    with story.step("returned-devices-back-in-stock", focus="#device-timeline"):
        page.goto(invoice_url)
        expect(page.locator("#invoice-returns")).to_contain_text(return_number)
        for identifier in returned:
            page.goto(return_url)
            page.locator("#return-lines").get_by_role("link", name=identifier).click()
            expect(page.locator("#device-timeline")).to_contain_text("Returned by the customer")
            expect(page.locator(".subtitle .badge")).to_have_text("In stock")

    with story.step("devices-exported", readme="22-devices"):
        # The device list, filtered, exported as CSV: the file holds exactly the rows shown.
        page.get_by_role("navigation").get_by_role("link", name="Devices").click()
        page.get_by_label("IMEI, serial or product").fill("iphone 14 pro")
        page.get_by_label("Status").select_option(label="In stock")
        page.get_by_role("button", name="Search").click()
        shown = page.locator("tbody tr td.mono").all_inner_texts()
        # The unsold iPhones and the one the customer returned are in stock again.
        still_sold = set(sold) - set(returned)
        in_stock = {row[0] for row in FIRST_PO if row[2] == "iPhone 14 Pro"} - still_sold
        assert shown and set(shown) == in_stock, shown
        with page.expect_download() as download:
            page.locator("#export-csv").click()
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
        assert [row["IMEI / serial"] for row in rows] == shown
        assert {row["Status"] for row in rows} == {"In stock"}
        with page.expect_download() as download:
            page.locator("#export-xlsx").click()
        assert download.value.suggested_filename.endswith(".xlsx")

    with story.step("price-sheet", readme="23-price-sheet"):
        page.get_by_role("navigation").get_by_role("link", name="Price sheet").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Price sheet")
        row = page.locator("#price-sheet tbody tr", has_text="Google Pixel 7 128GB Obsidian")
        expect(row.locator("td").nth(2)).to_have_text("1")  # one of the two was sold
        row.get_by_role("textbox").fill("349.00")
        row.get_by_role("button", name="Set").click()
        expect(page.locator(".messages")).to_contain_text("set to $349.00")

    with story.step("margins", readme="24-margins"):
        page.get_by_role("navigation").get_by_role("link", name="Reports").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Margins")
        expect(page.locator("svg.chart")).to_have_count(1)
        expect(page.locator("#margin-total")).to_contain_text("$")

    with story.step("receivables", readme="25-receivables"):
        page.locator("nav.tabs").get_by_role("link", name="Receivables").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Receivables")
        expect(page.locator("#aging tbody tr").first).to_be_visible()

    with story.step("emulator-apps", readme="13-emulator-apps"):
        open_emulator_tab(page, stack, PLUS_COMPANY, "Apps")
        app = page.locator("#apps tbody tr", has_text="cellbooks-demo-client")
        expect(app).to_contain_text(f"{stack.base_url}/integrations/quickbooks/webhook/")

    with story.step("disconnected-from-emulator", readme="14-disconnected"):
        app.get_by_role("button", name="Disconnect").click()
        expect(page).to_have_url(
            re.compile(re.escape(stack.base_url) + r"/integrations/quickbooks/disconnected/")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Cellbooks was disconnected in QuickBooks"
        )

    with story.step("needs-reconnect", readme="15-needs-reconnect"):
        page.goto("/integrations/")
        banner = page.locator("#qbo-reconnect-banner")
        expect(banner).to_contain_text("QuickBooks needs to be reconnected")
        expect(banner).to_contain_text("nothing is lost")
        expect(page.locator("#quickbooks-card #qbo-status")).to_have_text("Needs reconnect")

    with story.step("reconnected"):
        page.locator("#quickbooks-card").get_by_role("link", name="Reconnect").click()
        expect(page.locator("#qbo-connect")).to_have_text("Reconnect to QuickBooks")
        page.locator("#qbo-connect").click()
        plus = page.locator("#realm_id option", has_text=PLUS_COMPANY).get_attribute("value")
        page.locator("#realm_id").select_option(plus)
        page.locator("#connect").click()
        expect(page.locator("#qbo-status")).to_have_text(f"Connected to {PLUS_COMPANY}")
        expect(page.locator(".messages")).to_contain_text("Your settings are kept")
        expect(page.locator("#qbo-reconnect-banner")).to_have_count(0)
        expect(
            page.locator("#qbo-settings-form").get_by_label("Inventory item name")
        ).to_have_value(ITEM_NAME)

    with story.step("sync-works-again"):
        third = [(imei(21), "Google", "Pixel 7", "128GB", "Obsidian", "Unlocked", "B", "171.40")]
        third_po = create_received_po(page, "ReCell Logistics", third)
        panel = sync_this_document(page)
        assert f"Purchase order {third_po}" in panel, panel
        open_emulator_tab(page, stack, PLUS_COMPANY, "Purchase orders")
        expect(page.locator("#purchase-orders tbody tr", has_text=third_po)).to_have_count(1)


# ---- a new business on an empty install -----------------------------------------------------------
VIEWPORT = {"width": 1280, "height": 800}
OWNER_EMAIL, OWNER_PASSWORD = "olive@newleaf.test", "green shoots 2026"
WAREHOUSE_EMAIL, WAREHOUSE_PASSWORD = "wes@newleaf.test", "boxes and shelves"
NEW_COMPANY = "New Leaf Phones"
NEW_PO = [
    (imei(31), "Apple", "iPhone 13", "128GB", "Midnight", "Unlocked", "A", "312.00"),
    (imei(32), "Apple", "iPhone 13", "128GB", "Midnight", "Unlocked", "B", "268.50"),
]


def invitation_link(stack, email: str, *, seconds: float = 15) -> str:
    """The link in the last invitation emailed to ``email`` (the servers write email to files)."""
    deadline = time.monotonic() + seconds
    while True:
        for recipient, body in reversed(stack.emails()):
            if recipient == email:
                return re.search(r"(http://\S+/invitations/\S+/)", body).group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no invitation was emailed to {email} in {seconds}s")
        time.sleep(0.2)


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_new_business_sets_up_invites_its_team_and_locks_out_a_guesser(
    browser, empty_stack, shots
):
    stack = empty_stack
    owner_context = browser.new_context(viewport=VIEWPORT, base_url=stack.base_url)
    warehouse_context = browser.new_context(viewport=VIEWPORT, base_url=stack.base_url)
    owner_context.set_default_timeout(15_000)
    warehouse_context.set_default_timeout(15_000)
    page, worker = owner_context.new_page(), warehouse_context.new_page()
    story, worker_story = Story(page, shots, stack), Story(worker, shots, stack)
    api = f"{stack.base_url}/api/v1"
    try:
        with story.step("first-run-setup", readme="16-first-run", focus="h1"):
            page.goto("/")
            expect(page).to_have_url(re.compile(r"/setup/$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Cellbooks")
            page.get_by_label("Your first name").fill("Olive")
            page.get_by_label("Your last name").fill("Green")
            page.get_by_label("Your email").fill(OWNER_EMAIL)
            page.get_by_label("Password", exact=True).fill(OWNER_PASSWORD)
            page.get_by_label("Password again").fill(OWNER_PASSWORD)
            page.get_by_label("Company name").fill(NEW_COMPANY)
            page.get_by_label("Address").fill("12 Orchard Lane\nPortland, OR 97201")
            page.get_by_label("Currency").fill("USD")
            page.get_by_label("Time zone").select_option("America/Los_Angeles")
            page.get_by_label("Purchase order numbers start with").fill("NL-PO-")
            page.get_by_label("Invoice numbers start with").fill("NL-INV-")

        with story.step("company-created"):
            page.locator("#setup-submit").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
            expect(page.locator(".messages")).to_contain_text(f"{NEW_COMPANY} is ready")
            expect(page.locator(".usermenu")).to_contain_text(NEW_COMPANY)

        with story.step("warehouse-invited", readme="17-team"):
            page.locator("#settings-link").click()
            expect(page.locator("#members")).to_contain_text(OWNER_EMAIL)
            invite = page.locator("#invite-form")
            invite.get_by_label("Email", exact=True).fill(WAREHOUSE_EMAIL)
            invite.get_by_label("Role", exact=True).select_option("warehouse")
            invite.get_by_role("button", name="Send invitation").click()
            expect(page.locator(".messages")).to_contain_text(
                f"Invitation sent to {WAREHOUSE_EMAIL} as warehouse"
            )
            expect(page.locator("#invitations")).to_contain_text(WAREHOUSE_EMAIL)
            link = invitation_link(stack, WAREHOUSE_EMAIL)

        with story.step("purchase-order-to-receive"):
            page.get_by_role("navigation").get_by_role("link", name="Partners").click()
            page.get_by_role("link", name="Add a partner").click()
            page.get_by_label("Name").fill("Evergreen Devices")
            page.get_by_label("Vendor (we buy from them)").check()
            page.get_by_role("button", name="Add partner").click()
            po_number = create_draft_po(page, "Evergreen Devices")
            assert po_number == "NL-PO-1001", po_number
            page.get_by_label("Paste CSV").fill(csv_rows(NEW_PO))
            page.get_by_role("button", name="Import devices").click()
            expect(page.locator("#po-total")).to_have_text(dollars(total_of(NEW_PO)))

        with worker_story.step("invitation-accepted", readme="18-invitation"):
            worker.goto(link)
            expect(worker.locator("#invitation-heading")).to_have_text(f"Join {NEW_COMPANY}")
            worker.get_by_label("First name").fill("Wes")
            worker.get_by_label("Password", exact=True).fill(WAREHOUSE_PASSWORD)
            worker.get_by_label("Password again").fill(WAREHOUSE_PASSWORD)
            worker.locator("#accept-invitation").click()
            expect(worker.locator(".messages")).to_contain_text(
                f"Welcome to {NEW_COMPANY}. You joined as warehouse."
            )
            # The link worked once.
            again = httpx.get(stack.base_url + link.split(stack.base_url, 1)[-1])
            assert again.status_code == 410 and "already been used" in again.text

        with worker_story.step("warehouse-receives-the-po"):
            worker.get_by_role("navigation").get_by_role("link", name="Purchase orders").click()
            worker.get_by_role("link", name=po_number, exact=True).click()
            expect(worker.get_by_role("link", name="Void")).to_have_count(0)
            expect(worker.get_by_role("link", name="Edit")).to_have_count(0)
            worker.get_by_role("button", name="Receive").click()
            expect(worker.get_by_role("heading", level=1)).to_contain_text("Received")

        with worker_story.step("warehouse-refused-quickbooks-settings", readme="19-refused"):
            response = worker.goto("/integrations/quickbooks/settings/")
            assert response.status == 403
            expect(worker.locator("#refusal-reason")).to_contain_text(
                "Your role (Warehouse) cannot connect, set up or sync QuickBooks"
            )

        with story.step("api-key-created", readme="20-api-key"):
            page.goto("/settings/api-keys/")
            form = page.locator("#api-key-form")
            form.get_by_label("Name").fill("Shop sync")
            form.get_by_label("Role").select_option("viewer")
            form.get_by_role("button", name="Create key").click()
            expect(page.locator("#new-key")).to_contain_text("shown only this once")
            raw = page.locator("#new-key-value").inner_text().strip()
            headers = {"Authorization": f"Bearer {raw}"}
            devices = httpx.get(f"{api}/devices", headers=headers)
            assert devices.status_code == 200 and devices.json()["count"] == len(NEW_PO)
            refused = httpx.post(f"{api}/vendors", json={"name": "Nope"}, headers=headers)
            assert refused.status_code == 403, refused.text

        with story.step("api-key-shown-once"):
            page.reload()  # the key is never shown again, and no second key is made
            expect(page.locator("#new-key")).to_have_count(0)
            expect(page.locator('#api-keys tr[data-key="Shop sync"]')).to_have_count(1)
            expect(page.locator('#api-keys tr[data-key="Shop sync"]')).to_contain_text("Viewer")

        with story.step("api-key-revoked"):
            page.once("dialog", lambda dialog: dialog.accept())
            row = page.locator('#api-keys tr[data-key="Shop sync"]')
            row.get_by_role("button", name="Revoke").click()
            expect(page.locator(".messages")).to_contain_text("is revoked: it no longer works")
            expect(row.locator(".key-state")).to_contain_text("Revoked")
            assert httpx.get(f"{api}/devices", headers=headers).status_code == 401

        with story.step("activity-log"):
            page.goto("/settings/activity/")
            activity = page.locator("#activity")
            for what in (
                "Created the company",
                "Invited someone",
                "Joined the company",
                "Received a purchase order",
                "Created an API key",
                "Revoked an API key",
            ):
                expect(activity).to_contain_text(what)

        with story.step("locked-after-ten-wrong-passwords", readme="21-locked"):
            page.locator(".usermenu").get_by_role("button", name="Log out").click()
            for attempt in range(10):
                log_in(page, OWNER_EMAIL, f"not my password {attempt}")
                expect(page.locator(".errorlist")).to_be_visible()
            expect(page.locator("#locked-out")).to_contain_text(
                "Too many failed attempts to log in"
            )
            log_in(page, OWNER_EMAIL, OWNER_PASSWORD)  # even the right one, for a while
            expect(page.locator("#locked-out")).to_contain_text("locked for 15 minutes")
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
    finally:
        owner_context.close()
        warehouse_context.close()

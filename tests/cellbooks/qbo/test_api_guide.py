"""docs/api.md is true: its Python tour runs as written against a live Cellbooks (with the QuickBooks
emulator), its signature snippet accepts real deliveries and refuses forgeries, and every curl
command calls an operation that exists."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from event_inbox import EventInbox
from qbo_helpers import account_named, connect_directly, qbo_documents

from cellbooks.accounts.models import ApiKey
from cellbooks.events import services as events
from cellbooks.events.models import Subscription
from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import services as quickbooks

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "api.md"
TOUR_MARK = "# cellbooks_api_tour.py"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.S)


def tour() -> str:
    [program] = [block for block in code_blocks("python") if block.startswith(TOUR_MARK)]
    return program


def verify_snippet():
    [snippet] = [
        block
        for block in code_blocks("python")
        if "def verify_signature" in block and not block.startswith(TOUR_MARK)
    ]
    namespace: dict = {}
    exec(compile(snippet, str(GUIDE), "exec"), namespace)  # the guide's code, as a reader copies it
    return namespace["verify_signature"]


def test_the_python_tour_runs_as_written(live_server, transactional_db, qbo, company, tmp_path):
    connect_directly(qbo, company)
    quickbooks.save_settings(
        company=company,
        item_name="Cellbooks Inventory",
        income_account_id=account_named(qbo, "Sales of Product Income")["Id"],
        expense_account_id=account_named(qbo, "Cost of Goods Sold")["Id"],
        sync_pos_to="bill",
    )
    _, raw = ApiKey.issue(company=company, name="web shop")
    program = tmp_path / "cellbooks_api_tour.py"
    program.write_text(tour())

    finished = subprocess.run(
        [sys.executable, str(program)],
        env={**os.environ, "CELLBOOKS_URL": live_server.url, "CELLBOOKS_API_KEY": raw},
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    out = finished.stdout
    assert "Received PO-1001: 2 devices, total 600.00" in out
    assert re.search(r"Sold \d{15} on INV-1001: total 415.00, due \d{4}-\d\d-\d\d", out)
    for event_type in ("purchase_order.received", "device.sold", "invoice.synced"):
        assert re.search(
            rf"event {re.escape(event_type)} \(evt_[0-9a-f]{{32}}\): signature ok", out
        )
    [qbo_invoice] = qbo_documents(qbo, "Invoice")
    assert (
        f"In QuickBooks (Northwind Books LLC) as Invoice {qbo_invoice['Id']}, total 415.00" in out
    )
    assert str(qbo_invoice["TotalAmt"]) in ("415.00", "415.0", "415")
    assert out.rstrip().endswith("Tour complete.")
    assert not Subscription.objects.filter(company=company).exists()  # it cleaned up


@pytest.fixture
def inbox():
    receiver = EventInbox()
    yield receiver
    receiver.close()


def test_the_signature_snippet_accepts_a_real_delivery_and_refuses_forgeries(
    company, customer, stock, inbox, django_capture_on_commit_callbacks
):
    verify_signature = verify_snippet()
    subscription, secret = events.create_subscription(
        company=company, url=inbox.url, event_types=["invoice.opened"]
    )
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=[stock[0].identifier])
    with django_capture_on_commit_callbacks(execute=True):
        inventory.open_invoice(invoice=invoice)
    raw_headers, body = inbox.next()
    headers = {name.title(): value for name, value in raw_headers.items()}

    assert verify_signature(secret, headers, body) is True
    assert verify_signature(secret, headers, body.replace(b'"open"', b'"paid"')) is False
    assert verify_signature("whsec_not-the-secret-at-all", headers, body) is False
    stale = {**headers, "Cellbooks-Timestamp": str(int(time.time()) - 301)}
    assert verify_signature(secret, stale, body) is False
    assert verify_signature(secret, {**headers, "Cellbooks-Signature": ""}, body) is False


def test_every_curl_in_the_guide_calls_an_operation_that_exists(db):
    document = Client().get("/api/v1/openapi.json").json()
    templates = [
        (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", path) + "$"))
        for path, methods in document["paths"].items()
        for method in methods
    ]
    commands = re.findall(r"curl [^\n]*", "\n".join(code_blocks("sh")))
    calls = []
    for command in commands:
        method = re.search(r"-X (\w+)", command)
        url = re.search(r'"\$CELLBOOKS(/api/v1/[^"?]*)', command)
        calls.append(((method.group(1) if method else "GET"), url.group(1)))
    assert len(calls) >= 12
    missing = [
        (method, path)
        for method, path in calls
        if not any(m == method and pattern.match(path) for m, pattern in templates)
    ]
    assert missing == []

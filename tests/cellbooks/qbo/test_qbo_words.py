"""QuickBooks, worded for a bookkeeper: what they see in QuickBooks ("Purchase order", "Bill"), a
memo they can read (with the marker Cellbooks finds documents by), no error codes or ids where a
sentence does, and money like everywhere else."""

import re
from datetime import date
from decimal import Decimal

from django.urls import reverse
from qbo_helpers import qbo_documents, run_pending

from cellbooks.quickbooks import mapping, tokens
from cellbooks.quickbooks.mapping import DocumentInput
from cellbooks.quickbooks.models import Connection


def document(kind: str, number: str, notes: str = "") -> DocumentInput:
    return DocumentInput(
        kind=kind,
        local_id=12,
        company_key="demo",
        number=number,
        txn_date=date(2026, 11, 2),
        due_date=None,
        lines=(),
        notes=notes,
    )


def test_the_memo_reads_as_a_sentence_and_keeps_the_marker():
    po = document("purchase_order", "PO-1013", notes="Second look: box damaged")
    note = mapping.private_note(po)
    assert note.splitlines()[0] == (
        "Cellbooks PO-1013 — keep this line: it links this purchase to Cellbooks "
        "[cellbooks:demo:purchase_order:12]"
    )
    assert mapping.marker(po) in note and note.endswith("Second look: box damaged")
    invoice = mapping.private_note(document("invoice", "INV-1001"))
    assert invoice.startswith("Cellbooks INV-1001 — keep this line: it links this invoice")


def test_the_document_box_names_the_quickbooks_document_as_quickbooks_does(
    ready, qbo, company, received_po
):
    settings_page = ready.get(reverse("quickbooks_settings"))
    assert settings_page.status_code == 200
    ready.post(reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk]))
    run_pending()
    [bill] = qbo_documents(qbo, "Bill")
    assert bill["PrivateNote"].startswith(f"Cellbooks {received_po.number} — keep this line")
    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    box = page.split('id="qbo-sync"')[1].split("</section>")[0]
    assert f"Bill {received_po.number}" in box
    total = Decimal(str(bill["TotalAmt"]))
    assert f"total ${total:,.2f}" in box  # the same money format as every other amount
    assert "Request id" not in box and ">ms<" not in box
    assert "<td>Send</td>" in box  # the action, in words
    # The "queued" note of the click is removed by the box once it shows the result.
    assert "li.qbo-queued" in page


def test_the_reconnect_banner_is_a_sentence_without_codes(ready, qbo, company):
    connection = Connection.objects.get(company=company)
    realm = connection.realm_id
    tokens.mark_needs_reconnect(
        connection, reason="QuickBooks no longer accepts Cellbooks' sign-in (invalid_grant)."
    )
    page = ready.get(reverse("dashboard")).content.decode()
    banner = page.split('id="qbo-reconnect-banner"')[1].split("</div>")[0]
    assert "QuickBooks needs to be reconnected." in banner
    assert "invalid_grant" not in banner and realm not in banner
    overview = ready.get(reverse("quickbooks_overview")).content.decode()
    assert "invalid_grant" not in overview


def test_the_sync_log_speaks_of_documents_not_request_ids(ready, qbo, company, received_po):
    ready.post(reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk]))
    run_pending()
    page = ready.get(reverse("quickbooks_sync_log")).content.decode()
    assert f"Purchase order {received_po.number}" in page
    main = page.split("<main>")[1]
    for engineer in ("Request id", '<th class="num">Calls</th>', '<th class="num">ms</th>'):
        assert engineer not in main, engineer
    assert not re.search(r"#\d", main)  # documents by their number, never "invoice #14"


def test_the_card_says_when_quickbooks_last_reported_in_words(ready):
    page = ready.get(reverse("integrations")).content.decode()
    assert "QuickBooks last told Cellbooks about a change" in page
    assert "Last webhook" not in page and "last sweep" not in page

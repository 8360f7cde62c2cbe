"""The activity log: who did what and when, through pages, the API and background work; entries
are immutable; the company's page filters and exports them; each document shows its history."""

import csv
import html
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from test_api_support import ApiClient, ok

from cellbooks.accounts.audit import Actor, acting_as, record
from cellbooks.accounts.models import ApiKey, AuditEntry
from cellbooks.core.permissions import Role
from cellbooks.inventory import services


def text(response) -> str:
    return html.unescape(response.content.decode())


def entries(company, action):
    return list(AuditEntry.objects.filter(company=company, action=action))


@pytest.fixture
def open_invoice(company, customer, stock):
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=[stock[0].identifier])
    return services.open_invoice(invoice=invoice)


def test_pages_record_who_voided_and_who_recorded_or_deleted_a_payment(
    client_logged_in, company, open_invoice
):
    response = client_logged_in.post(
        reverse("invoice_record_payment", args=[open_invoice.pk]),
        {"amount": "150.00", "date": "2026-11-02", "method": "wire", "reference": "W-77"},
    )
    assert response.status_code == 302
    (recorded,) = entries(company, "payment.recorded")
    assert recorded.actor_label == "owner@northwind.test"
    assert recorded.actor_user.email == "owner@northwind.test"
    assert (recorded.target_kind, recorded.target_id) == ("invoice", open_invoice.pk)
    assert recorded.target_label == f"Invoice {open_invoice.number}"
    assert recorded.summary == "Payment of 150.00 by wire / bank transfer, reference W-77 recorded"
    assert Decimal(recorded.details["amount"]) == Decimal("150.00")

    payment = open_invoice.payments.get()
    client_logged_in.post(reverse("invoice_delete_payment", args=[open_invoice.pk, payment.pk]))
    (deleted,) = entries(company, "payment.deleted")
    assert deleted.summary == "Payment of 150.00 by wire / bank transfer, reference W-77 deleted"
    assert deleted.details["payment"] == payment.pk

    client_logged_in.post(reverse("invoice_void", args=[open_invoice.pk]))
    (voided,) = entries(company, "invoice.voided")
    assert voided.actor_label == "owner@northwind.test" and voided.target_id == open_invoice.pk


def test_the_api_records_the_key_that_acted(company, draft_po, imei):
    key, raw = ApiKey.issue(company=company, name="shop sync", role=Role.BOOKKEEPER)
    api = ApiClient(raw)
    services.add_device_to_purchase_order(
        purchase_order=draft_po,
        identifier=imei(70),
        manufacturer="Apple",
        model="iPhone 13",
        condition="A",
        cost="300",
    )
    ok(api.post(f"/purchase-orders/{draft_po.pk}/receive"))
    ok(api.post(f"/purchase-orders/{draft_po.pk}/void"))
    received, voided = (
        entries(company, "purchase_order.received")[0],
        entries(company, "purchase_order.voided")[0],
    )
    for entry in (received, voided):
        assert entry.actor_api_key == key and entry.actor_user is None
        assert entry.actor_label == f"API key “shop sync” ({key.key_prefix}…)"
        assert entry.target_label == f"Purchase order {draft_po.number}"


def test_background_work_is_labelled_by_what_did_it(company, open_invoice):
    """No person and no key: a payment an integration brought in is its doing; other work is
    Cellbooks'."""
    services.record_payment(
        invoice=open_invoice, amount="10.00", source="quickbooks", external_id="501"
    )
    (entry,) = entries(company, "payment.recorded")
    assert entry.actor_label == "QuickBooks" and entry.actor_user is None
    # Even inside someone's request, an integration's payment is the integration's.
    with acting_as(Actor(label="someone@example.com", user_id=None)):
        services.record_payment(
            invoice=open_invoice, amount="5.00", source="quickbooks", external_id="502"
        )
    assert [e.actor_label for e in entries(company, "payment.recorded")] == ["QuickBooks"] * 2
    entry = record(company=company, action="test.system")
    assert entry.actor_label == "Cellbooks"


def test_entries_cannot_be_changed_or_deleted(company):
    entry = record(company=company, action="test.thing", summary="as it was")
    entry.summary = "rewritten"
    with pytest.raises(TypeError, match="cannot be changed"):
        entry.save()
    with pytest.raises(TypeError, match="cannot be deleted"):
        entry.delete()
    with pytest.raises(TypeError, match="cannot be changed"):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(TypeError, match="cannot be deleted"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "as it was"


@pytest.fixture
def history(company, other_company):
    """Entries on three days, by two people, and one of another company."""
    start = timezone.now() - timedelta(days=3)
    for days, who, action, label in [
        (0, "dana@example.com", "invoice.voided", "Invoice INV-1001"),
        (1, "wes@example.com", "purchase_order.received", "Purchase order PO-1001"),
        (2, "dana@example.com", "payment.recorded", "Invoice INV-1002"),
    ]:
        with time_machine.travel(start + timedelta(days=days), tick=False):
            record(
                company=company,
                action=action,
                target_label=label,
                summary=f"{action} by {who}",
                actor=Actor(label=who),
            )
    record(company=other_company, action="invoice.voided", target_label="Invoice SECRET-1")
    return start


def test_the_activity_page_filters_by_what_who_about_and_when(client_logged_in, company, history):
    page = text(client_logged_in.get(reverse("activity")))
    assert page.count("<tr>") == 1 + 3  # header + the three entries; not the other company's
    assert "SECRET" not in page
    assert "Voided an invoice" in page and "Received a purchase order" in page

    def shown(**query):
        response = client_logged_in.get(reverse("activity"), query)
        return [e.target_label for e in response.context["page_obj"]]

    assert shown(action="invoice.voided") == ["Invoice INV-1001"]
    assert shown(who="wes") == ["Purchase order PO-1001"]
    assert shown(document="INV-") == ["Invoice INV-1002", "Invoice INV-1001"]
    day = (history + timedelta(days=1)).date()
    assert shown(since=day.isoformat()) == ["Invoice INV-1002", "Purchase order PO-1001"]
    assert shown(until=day.isoformat()) == ["Purchase order PO-1001", "Invoice INV-1001"]


def test_the_activity_exports_as_csv_with_the_filters(client_logged_in, company, history):
    response = client_logged_in.get(reverse("activity_export"), {"who": "dana"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when", "who", "what", "about", "details", "action"]
    assert [(r[1], r[3], r[5]) for r in rows[1:]] == [
        ("dana@example.com", "Invoice INV-1002", "payment.recorded"),
        ("dana@example.com", "Invoice INV-1001", "invoice.voided"),
    ]


def test_the_export_neutralises_spreadsheet_formulas(client_logged_in, company):
    record(company=company, action="test", target_label="=HYPERLINK(1)", actor=Actor(label="+x"))
    response = client_logged_in.get(reverse("activity_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == "'+x" and rows[1][3] == "'=HYPERLINK(1)"


def test_a_document_page_shows_its_history(client_logged_in, company, open_invoice, vendor):
    client_logged_in.post(
        reverse("invoice_record_payment", args=[open_invoice.pk]),
        {"amount": "20.00", "date": "2026-11-02", "method": "cash"},
    )
    page = text(client_logged_in.get(reverse("invoice_detail", args=[open_invoice.pk])))
    assert 'id="history"' in page
    history = page[page.index('id="history"') :]
    assert "owner@northwind.test · Recorded a payment: Payment of 20.00 by cash recorded" in history
    assert "Opened an invoice" in history  # the fixture opened it, with no one signed in
    # A draft PO with nothing recorded shows no history box.
    draft_po = services.create_purchase_order(company=company, vendor=vendor)
    po_page = text(client_logged_in.get(reverse("purchase_order_detail", args=[draft_po.pk])))
    assert 'id="history"' not in po_page


def test_a_return_taken_back_by_the_warehouse_and_completed_by_the_bookkeeper(
    client, company, open_invoice, stock
):
    from cellbooks.accounts.services import add_member
    from cellbooks.inventory import returns

    rma = returns.create_customer_return(
        company=company, invoice=open_invoice, reason="Screen flickers", credit="apply"
    )
    wes = add_member(
        company=company, email="wes@northwind.test", password=None, role=Role.WAREHOUSE
    )
    bea = add_member(
        company=company, email="bea@northwind.test", password=None, role=Role.BOOKKEEPER
    )
    client.force_login(wes)
    page = text(client.get(reverse("return_detail", args=[rma.pk])))
    assert 'id="add-return-devices"' in page and "Complete return" not in page
    client.post(
        reverse("return_add_devices", args=[rma.pk]),
        {"identifiers": stock[0].identifier, "disposition": "restock"},
    )
    assert rma.lines.count() == 1
    assert client.post(reverse("return_complete", args=[rma.pk])).status_code == 403

    client.force_login(bea)
    client.post(reverse("return_complete", args=[rma.pk]))
    (entry,) = entries(company, "customer_return.completed")
    assert entry.actor_label == "bea@northwind.test"
    assert entry.target_label == f"Return {rma.number}"
    page = text(client.get(reverse("return_detail", args=[rma.pk])))
    assert "bea@northwind.test · Completed a customer return" in page

"""Syncing POs and invoices to QuickBooks against the emulator: grouped lines, exact totals,
exactly once under faults, updates in place, failures explained, work paused while disconnected."""

from decimal import Decimal

import pytest
from django.urls import reverse
from qbo_helpers import qbo_documents, request_log, run_pending, settings_form, writes
from waiting import wait_for

from cellbooks.inventory import services as inventory
from cellbooks.inventory.models import Invoice
from cellbooks.quickbooks import outbox
from cellbooks.quickbooks.models import Binding, Connection, SyncAttempt, SyncRequest


def sync_now(client, kind, document):
    response = client.post(reverse("quickbooks_sync_document", args=[kind, document.pk]))
    assert response.status_code == 302
    return run_pending(once=True)


def lines_of(entity: dict, detail: str) -> list[tuple]:
    """(description, qty, unit price, amount) with numbers compared as Decimals, as QBO's JSON
    numbers carry no fixed number of decimals."""
    return [
        (
            ln["Description"],
            Decimal(str(ln[detail]["Qty"])),
            Decimal(str(ln[detail]["UnitPrice"])),
            Decimal(str(ln["Amount"])),
        )
        for ln in entity["Line"]
        if ln.get("DetailType") == detail
    ]


def row(description, qty, unit, amount):
    return (description, Decimal(qty), Decimal(unit), Decimal(amount))


def test_a_received_po_becomes_one_bill_with_grouped_lines_and_the_exact_total(
    ready, qbo, company, received_po
):
    sync_now(ready, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill")
    assert Decimal(str(bill["TotalAmt"])) == Decimal("1340.55")
    assert lines_of(bill, "ItemBasedExpenseLineDetail") == [
        row("Apple iPhone 13 128GB Blue Unlocked — Grade A", 2, "300.00", "600.00"),
        row("Apple iPhone 13 128GB Blue Unlocked — Grade A", 1, "310.00", "310.00"),
        row("Apple iPhone 13 128GB Blue Unlocked — Grade B", 1, "250.00", "250.00"),
        row("Samsung Galaxy S22 256GB Black Unlocked — Grade C", 1, "180.55", "180.55"),
    ]
    assert bill["DocNumber"] == received_po.number
    assert bill["VendorRef"]["name"] == "Global Phone Supply"
    binding = Binding.objects.get(company=company, kind="purchase_order", local_id=received_po.pk)
    assert (binding.qbo_entity, binding.qbo_id) == ("Bill", bill["Id"])
    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert "Synced" in page and "Open in QuickBooks" in page


def test_an_open_invoice_becomes_one_invoice_with_sales_lines_not_taxable(
    ready, qbo, company, open_invoice
):
    sync_now(ready, "invoice", open_invoice)

    [invoice] = qbo_documents(qbo, "Invoice")
    assert Decimal(str(invoice["TotalAmt"])) == open_invoice.total == Decimal("1850.09")
    assert lines_of(invoice, "SalesItemLineDetail")[0] == row(
        "Apple iPhone 13 128GB Blue Unlocked — Grade A", 1, "399.99", "399.99"
    )
    assert all(
        ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
        for ln in invoice["Line"]
        if ln.get("DetailType") == "SalesItemLineDetail"
    )
    assert invoice["CustomerRef"]["name"] == "Metro Mobile Repair"
    assert f"[cellbooks:{company.slug}:invoice:{open_invoice.pk}]" in invoice["PrivateNote"]


def test_resyncing_an_unchanged_document_writes_nothing(ready, qbo, received_po):
    sync_now(ready, "purchase_order", received_po)
    before = len(writes(qbo))

    sync_now(ready, "purchase_order", received_po)

    assert len(writes(qbo)) == before
    attempt = SyncAttempt.objects.filter(local_id=received_po.pk).first()
    assert attempt.outcome == "unchanged"


def test_resyncing_an_edited_po_updates_the_same_bill(ready, qbo, company, received_po):
    sync_now(ready, "purchase_order", received_po)
    inventory.update_purchase_order(purchase_order=received_po, notes="Second look: box damaged")
    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert "Changed since last sync" in page

    sync_now(ready, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill")
    assert "Second look: box damaged" in bill["PrivateNote"]
    assert bill["SyncToken"] == "1"
    assert SyncAttempt.objects.filter(local_id=received_po.pk).first().outcome == "updated"


def test_a_partner_who_is_both_gets_a_deterministic_second_name(ready, qbo, company, imei):
    acme = inventory.create_partner(
        company=company, name="Acme Wireless", is_vendor=True, is_customer=True
    )
    po = inventory.create_purchase_order(company=company, vendor=acme)
    inventory.add_device_to_purchase_order(
        purchase_order=po,
        identifier=imei(90),
        manufacturer="Apple",
        model="iPad Air",
        condition="A",
        cost="200.00",
        price="300.00",
    )
    inventory.receive_purchase_order(purchase_order=po)
    invoice = inventory.create_invoice(company=company, customer=acme)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(90)])
    inventory.open_invoice(invoice=invoice)

    sync_now(ready, "purchase_order", po)
    sync_now(ready, "invoice", invoice)

    assert [v["DisplayName"] for v in qbo_documents(qbo, "Vendor")] == ["Acme Wireless"]
    assert [c["DisplayName"] for c in qbo_documents(qbo, "Customer")] == [
        "Acme Wireless (Customer)"
    ]
    customer_binding = Binding.objects.get(company=company, kind="customer", local_id=acme.pk)
    assert customer_binding.qbo_name == "Acme Wireless (Customer)"


def test_an_existing_qbo_customer_of_that_name_is_reused(ready, qbo, company, open_invoice):
    existing = qbo.emulator.store.create_entity(
        qbo.realm, "Customer", {"DisplayName": "Metro Mobile Repair"}
    )

    sync_now(ready, "invoice", open_invoice)

    assert len(qbo_documents(qbo, "Customer")) == 1
    assert qbo_documents(qbo, "Invoice")[0]["CustomerRef"]["value"] == existing["Id"]


@pytest.mark.parametrize("kind", ["http_500", "throttle", "reset_before", "reset_after"])
def test_injected_faults_leave_exactly_one_qbo_document(ready, qbo, company, open_invoice, kind):
    qbo.http.post(
        "/_emulator/faults", json={"kind": kind, "method": "POST", "entity": "invoice", "count": 1}
    )

    sync_now(ready, "invoice", open_invoice)
    request = SyncRequest.objects.get(local_id=open_invoice.pk)
    assert request.status == SyncRequest.Status.PENDING  # waiting to retry, with backoff
    outcomes = run_pending()

    request.refresh_from_db()
    assert request.status == SyncRequest.Status.DONE, request.last_error
    assert len(qbo_documents(qbo, "Invoice")) == 1
    assert (
        outcomes and Binding.objects.filter(kind="invoice", local_id=open_invoice.pk).count() == 1
    )
    retry = SyncAttempt.objects.filter(local_id=open_invoice.pk).last()
    assert retry.outcome == "retry"


def test_a_lost_answer_after_commit_is_adopted_not_duplicated(ready, qbo, company, open_invoice):
    qbo.http.post(
        "/_emulator/faults",
        json={"kind": "reset_after", "method": "POST", "entity": "invoice", "count": 1},
    )
    sync_now(ready, "invoice", open_invoice)
    assert len(qbo_documents(qbo, "Invoice")) == 1  # QuickBooks saved it; we never heard
    # The document's link remembers that it may exist in QuickBooks unlinked.
    pending = Binding.objects.get(kind="invoice", local_id=open_invoice.pk)
    assert pending.qbo_id == "" and pending.create_sent_at is not None

    run_pending()

    [invoice] = qbo_documents(qbo, "Invoice")
    latest = SyncAttempt.objects.filter(local_id=open_invoice.pk).first()
    assert latest.outcome == "adopted"
    linked = Binding.objects.get(kind="invoice", local_id=open_invoice.pk)
    assert (linked.qbo_id, linked.create_sent_at) == (invoice["Id"], None)


def test_a_timeout_past_the_clients_limit_creates_one_document(
    ready, qbo, company, open_invoice, settings
):
    settings.QBO = {**settings.QBO, "TIMEOUT": 0.5}
    qbo.http.post(
        "/_emulator/faults",
        json={
            "kind": "delay",
            "delay_seconds": 1.5,
            "method": "POST",
            "entity": "invoice",
            "count": 1,
        },
    )

    sync_now(ready, "invoice", open_invoice)
    # The delayed request completes in QuickBooks after Cellbooks gave up waiting for it.
    wait_for(lambda: len(qbo_documents(qbo, "Invoice")) == 1, what="the delayed create to land")
    run_pending()

    assert len(qbo_documents(qbo, "Invoice")) == 1
    assert SyncRequest.objects.get(local_id=open_invoice.pk).status == SyncRequest.Status.DONE


def test_an_inactive_item_fails_with_qbos_code_and_a_hint(ready, qbo, company, open_invoice):
    from cellbooks.quickbooks.models import IntegrationSettings

    item = qbo.emulator.store.get_entity(
        qbo.realm, "Item", IntegrationSettings.objects.get(company=company).item_qbo_id
    )
    qbo.emulator.store.update_entity(
        qbo.realm, "Item", {"Id": item["Id"], "SyncToken": item["SyncToken"], "Active": False}
    )

    sync_now(ready, "invoice", open_invoice)

    request = SyncRequest.objects.get(local_id=open_invoice.pk)
    assert request.status == SyncRequest.Status.FAILED
    assert request.last_error["code"] in ("610", "2500")
    assert "inactive" in (request.last_error["hint"] + request.last_error["detail"]).lower()
    page = ready.get(reverse("invoice_detail", args=[open_invoice.pk])).content.decode()
    assert "Sync failed" in page and request.last_error["hint"][:40] in page
    log = ready.get(reverse("quickbooks_sync_log")).content.decode()
    assert "Retry" in log


def test_work_is_paused_while_quickbooks_needs_reconnecting(ready, qbo, company, open_invoice):
    from cellbooks.quickbooks import tokens

    tokens.mark_needs_reconnect(Connection.objects.get(company=company), reason="test")
    before = len(request_log(qbo))

    request = outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk)
    run_pending()

    request.refresh_from_db()
    assert request.status == SyncRequest.Status.PAUSED
    assert len(request_log(qbo)) == before


def test_a_bulk_request_joins_the_open_request_and_pauses_with_the_connection(
    ready, qbo, company, open_invoice
):
    from cellbooks.quickbooks import tokens

    single = outbox.request_sync(
        company=company, kind="invoice", local_id=open_invoice.pk, wake=False
    )
    key = outbox.request_many(
        company=company, kind="invoice", local_ids=[open_invoice.pk, open_invoice.pk]
    )
    rows = SyncRequest.objects.filter(company=company, kind="invoice", local_id=open_invoice.pk)
    assert list(rows.values_list("pk", "batch_key", "status")) == [(single.pk, key, "pending")]

    tokens.mark_needs_reconnect(Connection.objects.get(company=company), reason="test")
    before = len(request_log(qbo))
    again = outbox.request_many(company=company, kind="invoice", local_ids=[open_invoice.pk])
    run_pending()

    assert list(rows.values_list("pk", "batch_key", "status")) == [(single.pk, again, "paused")]
    assert len(request_log(qbo)) == before
    assert outbox.batch_progress(company=company, batch_key=again)["paused"] == 1


@pytest.mark.parametrize("ask", ["single", "bulk"])
def test_a_po_edited_while_it_is_being_synced_is_synced_once_more(
    ready, qbo, company, received_po, monkeypatch, ask
):
    """The worker mapped the PO, then someone edits it and asks for a sync (the Sync button, or a
    bulk sync): the open request is the one running. It runs once more when it ends, so the Bill
    gets the edit — and the request that was running is the only one."""
    from cellbooks.quickbooks import exporters

    prepare = exporters.Exporter.prepare

    def edited_meanwhile(self, document, **kwargs):
        prepared = prepare(self, document, **kwargs)
        if not document.notes:
            inventory.update_purchase_order(purchase_order=document, notes="Edited meanwhile")
            if ask == "single":
                outbox.request_sync(company=company, kind="purchase_order", local_id=document.pk)
            else:
                outbox.request_many(company=company, kind="purchase_order", local_ids=[document.pk])
        return prepared

    monkeypatch.setattr(exporters.Exporter, "prepare", edited_meanwhile)
    request = outbox.request_sync(
        company=company, kind="purchase_order", local_id=received_po.pk, wake=False
    )
    first = run_pending(once=True)
    assert [r.pk for r in first] == [request.pk] and first[0].status == "pending"

    run_pending()

    [bill] = qbo_documents(qbo, "Bill")
    assert "Edited meanwhile" in bill["PrivateNote"] and bill["SyncToken"] == "1"
    rows = SyncRequest.objects.filter(kind="purchase_order", local_id=received_po.pk)
    assert list(rows.values_list("pk", "status", "asked_again")) == [(request.pk, "done", False)]
    outcomes = SyncAttempt.objects.filter(request=request).order_by("pk")
    assert list(outcomes.values_list("outcome", flat=True)) == ["created", "updated"]


def test_purchase_orders_go_to_qbo_purchase_orders_on_a_plus_company(
    ready, qbo, company, received_po
):
    ready.post(reverse("quickbooks_settings"), settings_form(qbo, sync_pos_to="purchase_order"))

    sync_now(ready, "purchase_order", received_po)

    assert qbo_documents(qbo, "Bill") == []
    [po] = qbo_documents(qbo, "PurchaseOrder")
    assert Decimal(str(po["TotalAmt"])) == Decimal("1340.55")


def test_changing_the_target_leaves_synced_pos_where_they_are_until_moved(
    ready, qbo, company, received_po
):
    sync_now(ready, "purchase_order", received_po)
    ready.post(reverse("quickbooks_settings"), settings_form(qbo, sync_pos_to="purchase_order"))
    inventory.update_purchase_order(purchase_order=received_po, notes="edited")

    sync_now(ready, "purchase_order", received_po)
    assert len(qbo_documents(qbo, "Bill")) == 1 and qbo_documents(qbo, "PurchaseOrder") == []

    ready.post(
        reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk]),
        {"action": "move"},
    )
    run_pending()

    assert qbo_documents(qbo, "Bill") == []
    assert len(qbo_documents(qbo, "PurchaseOrder")) == 1
    assert (
        Binding.objects.get(kind="purchase_order", local_id=received_po.pk).qbo_entity
        == "PurchaseOrder"
    )


def test_voiding_a_synced_invoice_voids_it_in_quickbooks(ready, qbo, company, open_invoice):
    sync_now(ready, "invoice", open_invoice)

    inventory.void_invoice(invoice=open_invoice)
    outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk, action="void")
    run_pending()

    [invoice] = qbo_documents(qbo, "Invoice")
    assert Decimal(str(invoice["TotalAmt"])) == 0
    assert Binding.objects.get(kind="invoice", local_id=open_invoice.pk).remote_state == "voided"


def test_voiding_a_synced_po_deletes_its_bill(ready, qbo, company, received_po):
    sync_now(ready, "purchase_order", received_po)

    inventory.void_purchase_order(purchase_order=received_po)
    outbox.request_sync(
        company=company, kind="purchase_order", local_id=received_po.pk, action="void"
    )
    run_pending()

    assert qbo_documents(qbo, "Bill") == []


def test_sync_all_not_yet_synced_reports_progress(ready, qbo, company, received_po, open_invoice):
    response = ready.post(reverse("quickbooks_sync_bulk", args=["invoice"]), {"scope": "unsynced"})
    assert response.status_code == 302
    run_pending()

    progress = ready.get(response["Location"] + "?format=json").json()

    assert progress == {
        "total": 1,
        "done": 1,
        "failed": 0,
        "paused": 0,
        "finished": True,
        "percent": 100,
    }
    assert len(qbo_documents(qbo, "Invoice")) == 1


def test_another_companys_document_cannot_be_synced(ready, other_company):
    other_po = inventory.create_purchase_order(
        company=other_company,
        vendor=inventory.create_partner(company=other_company, name="Their Vendor", is_vendor=True),
    )

    response = ready.post(reverse("quickbooks_sync_document", args=["purchase_order", other_po.pk]))

    assert response.status_code == 404
    assert not SyncRequest.objects.exists()


def test_a_bulk_sync_creates_documents_thirty_to_a_batch_call(ready, qbo, company, customer, imei):
    from cellbooks.quickbooks.worker import process_batch

    po = inventory.create_purchase_order(
        company=company,
        vendor=inventory.create_partner(company=company, name="Bulk Vendor", is_vendor=True),
    )
    for n in range(200, 235):
        inventory.add_device_to_purchase_order(
            purchase_order=po,
            identifier=imei(n),
            manufacturer="Google",
            model="Pixel 7",
            condition="B",
            cost="150.00",
            price=f"{200 + n}.00",
        )
    inventory.receive_purchase_order(purchase_order=po)
    customers = [customer] + [
        inventory.create_partner(company=company, name=f"Shop {i}", is_customer=True)
        for i in range(4)
    ]
    invoices = []
    for i, n in enumerate(range(200, 235)):
        invoice = inventory.create_invoice(company=company, customer=customers[i % len(customers)])
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n)])
        invoices.append(inventory.open_invoice(invoice=invoice))
    key = outbox.request_many(company=company, kind="invoice", local_ids=[i.pk for i in invoices])
    before = len(writes(qbo))

    process_batch(list(SyncRequest.objects.filter(batch_key=key).values_list("pk", flat=True)))

    new_writes = writes(qbo)[before:]
    assert len(qbo_documents(qbo, "Invoice")) == 35
    assert (
        sum(1 for w in new_writes if w["path"].endswith("/batch")) == 3
    )  # customers, 30 invoices, 5 invoices
    assert not any(w["path"].endswith("/invoice") for w in new_writes)
    assert outbox.batch_progress(company=company, batch_key=key)["done"] == 35
    totals = {b.local_id: b.qbo_total for b in Binding.objects.filter(kind="invoice")}
    assert all(totals[i.pk] == i.total for i in invoices)
    # Syncing them again writes nothing.
    outbox.request_many(company=company, kind="invoice", local_ids=[i.pk for i in invoices])
    run_pending()
    assert len(writes(qbo)) == before + len(new_writes)


def test_voiding_a_synced_invoice_in_cellbooks_voids_it_in_quickbooks_after_confirming(
    ready, qbo, company, open_invoice
):
    sync_now(ready, "invoice", open_invoice)
    confirm = ready.get(reverse("invoice_void", args=[open_invoice.pk])).content.decode()
    assert "It is in QuickBooks as Invoice" in confirm and "voids it there too" in confirm

    ready.post(reverse("invoice_void", args=[open_invoice.pk]))
    run_pending()

    [invoice] = qbo_documents(qbo, "Invoice")
    assert Decimal(str(invoice["TotalAmt"])) == 0
    assert Binding.objects.get(kind="invoice", local_id=open_invoice.pk).remote_state == "voided"


def test_automatic_sync_queues_a_po_when_it_is_received(ready, qbo, company, vendor, imei):
    ready.post(reverse("quickbooks_settings"), settings_form(qbo, auto_sync="on"))
    po = inventory.create_purchase_order(company=company, vendor=vendor)
    inventory.add_device_to_purchase_order(
        purchase_order=po,
        identifier=imei(77),
        manufacturer="Apple",
        model="iPhone 14",
        condition="A",
        cost="500.00",
    )

    inventory.receive_purchase_order(purchase_order=po)
    run_pending()

    assert (
        SyncRequest.objects.get(local_id=po.pk, kind="purchase_order").status
        == SyncRequest.Status.DONE
    )
    assert len(qbo_documents(qbo, "Bill")) == 1


def test_without_automatic_sync_nothing_is_queued(ready, qbo, company, received_po):
    assert not SyncRequest.objects.filter(kind="purchase_order", local_id=received_po.pk).exists()


def test_an_edited_open_invoice_updates_the_same_qbo_invoice(ready, qbo, company, open_invoice):
    sync_now(ready, "invoice", open_invoice)
    line = open_invoice.lines.order_by("unit_price").first()
    inventory.set_invoice_line_price(line=line, unit_price="405.00")

    sync_now(ready, "invoice", open_invoice)

    [invoice] = qbo_documents(qbo, "Invoice")
    assert (
        Decimal(str(invoice["TotalAmt"]))
        == Decimal("1994.99")
        == Invoice.objects.get(pk=open_invoice.pk).total
    )


def test_a_change_below_what_quickbooks_has_been_paid_is_refused_with_the_reason(
    ready, qbo, company, open_invoice
):
    sync_now(ready, "invoice", open_invoice)
    binding = Binding.objects.get(kind="invoice", local_id=open_invoice.pk)
    qbo_invoice = qbo.emulator.store.get_entity(qbo.realm, "Invoice", binding.qbo_id)
    qbo.emulator.store.create_entity(
        qbo.realm,
        "Payment",
        {
            "CustomerRef": qbo_invoice["CustomerRef"],
            "TotalAmt": "1800.00",
            "Line": [
                {
                    "Amount": "1800.00",
                    "LinkedTxn": [{"TxnId": binding.qbo_id, "TxnType": "Invoice"}],
                }
            ],
        },
    )
    line = open_invoice.lines.order_by(
        "-unit_price"
    ).first()  # Cellbooks has not heard of the payment yet
    inventory.remove_invoice_line(line=line)

    sync_now(ready, "invoice", open_invoice)

    request = SyncRequest.objects.filter(local_id=open_invoice.pk, kind="invoice").latest("pk")
    assert request.status == SyncRequest.Status.FAILED
    assert "QuickBooks has $1,800.00 paid against this invoice" in request.last_error["message"]
    assert Decimal(
        str(qbo.emulator.store.get_entity(qbo.realm, "Invoice", binding.qbo_id)["TotalAmt"])
    ) == Decimal("1850.09")


def test_a_stale_sync_token_is_reread_once_and_the_update_succeeds(
    ready, qbo, company, received_po, monkeypatch
):
    from cellbooks.quickbooks.client import QBOClient

    sync_now(ready, "purchase_order", received_po)
    inventory.update_purchase_order(purchase_order=received_po, notes="changed")
    original_read = QBOClient.read
    calls = {"n": 0}

    def read_then_someone_edits(self, entity, entity_id):
        current = original_read(self, entity, entity_id)
        calls["n"] += 1
        if calls["n"] == 1:  # a bookkeeper saves the bill between our read and our write
            qbo.emulator.store.update_entity(
                qbo.realm,
                "Bill",
                {
                    "Id": entity_id,
                    "SyncToken": current["SyncToken"],
                    "PrivateNote": "edited in QuickBooks",
                },
            )
        return current

    monkeypatch.setattr(QBOClient, "read", read_then_someone_edits)
    sync_now(ready, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill")
    assert "changed" in bill["PrivateNote"] and bill["SyncToken"] == "2"  # theirs 1, ours 2
    assert calls["n"] == 2
    assert [e["status"] for e in writes(qbo)[-2:]] == [400, 200]


def test_bills_on_an_essentials_company(client_logged_in, qbo, company, received_po):
    from qbo_helpers import account_named, connect

    essentials = qbo.emulator.store.create_company(
        name="Plain Essentials", plan="essentials", purchase_orders_enabled=False
    )
    connect(client_logged_in, qbo, essentials)
    form = settings_form(
        qbo,
        income_account_id=account_named(qbo, "Sales of Product Income", essentials)["Id"],
        expense_account_id=account_named(qbo, "Cost of Goods Sold", essentials)["Id"],
    )
    assert client_logged_in.post(reverse("quickbooks_settings"), form).status_code == 302

    sync_now(client_logged_in, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill", essentials)
    assert Decimal(str(bill["TotalAmt"])) == Decimal("1340.55")


def test_sync_selected_from_the_invoice_list(ready, qbo, company, open_invoice):
    page = ready.get(reverse("invoice_list")).content.decode()
    assert (
        "Sync selected to QuickBooks" in page
        and f'value="{open_invoice.pk}" form="qbo-sync-form"' in page
    )

    response = ready.post(
        reverse("quickbooks_sync_bulk", args=["invoice"]),
        {"scope": "selected", "ids": [open_invoice.pk]},
    )
    run_pending()

    assert response.status_code == 302
    assert ready.get(response["Location"] + "?format=json").json()["done"] == 1
    assert "In QuickBooks" in ready.get(reverse("invoice_list")).content.decode()


def test_a_document_deleted_in_quickbooks_can_be_unlinked_and_created_again(
    ready, qbo, company, received_po
):
    from cellbooks.quickbooks import inbound

    sync_now(ready, "purchase_order", received_po)
    binding = Binding.objects.get(kind="purchase_order", local_id=received_po.pk)
    qbo.emulator.store.delete_entity(qbo.realm, "Bill", binding.qbo_id)
    inbound.sweep_connection(Connection.objects.get(company=company))
    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert "Deleted in QuickBooks" in page and "qbo-unlink-button" in page

    ready.post(reverse("quickbooks_unlink", args=["purchase_order", received_po.pk]))
    sync_now(ready, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill")
    assert bill["Id"] != binding.qbo_id


def test_the_move_button_appears_once_the_target_changed(ready, qbo, company, received_po):
    sync_now(ready, "purchase_order", received_po)
    assert (
        "qbo-move-button"
        not in ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    )

    ready.post(reverse("quickbooks_settings"), settings_form(qbo, sync_pos_to="purchase_order"))

    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert "Move to a QuickBooks Purchase Order" in page


def test_paused_work_resumes_after_reconnecting(ready, qbo, company, open_invoice):
    from qbo_helpers import connect

    from cellbooks.quickbooks import tokens

    tokens.mark_needs_reconnect(Connection.objects.get(company=company), reason="test")
    request = outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk)
    assert SyncRequest.objects.get(pk=request.pk).status == SyncRequest.Status.PAUSED

    connect(ready, qbo)
    run_pending()

    assert SyncRequest.objects.get(pk=request.pk).status == SyncRequest.Status.DONE
    assert len(qbo_documents(qbo, "Invoice")) == 1

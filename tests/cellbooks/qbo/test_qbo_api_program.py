"""A program drives QuickBooks through the REST API alone (issue 16's "done when"): it edits an open
synced invoice and re-syncs it, changes the settings and follows a bulk sync, retries a failure,
and hears about syncs and payments through signed webhooks."""

import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from event_inbox import EventInbox
from qbo_helpers import account_named, qbo_documents, run_pending
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock
from test_qbo_payments import WebhookInbox, customer_of, deliver, receive_payment, use_webhooks

from cellbooks.quickbooks.models import Binding, SyncRequest


@pytest.fixture
def api(company):
    return ApiClient.for_company(company, name="Web shop")


@pytest.fixture
def events():
    receiver = EventInbox()
    yield receiver
    receiver.close()


@pytest.fixture
def qbo_webhooks(qbo):
    receiver = WebhookInbox()
    yield receiver
    receiver.close()


def signed_by(secret: str, headers: dict, body: bytes) -> bool:
    signed = headers["cellbooks-timestamp"].encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["cellbooks-signature"], expected)


def sell(api, identifiers, prices=None) -> dict:
    customer = create_customer(api)
    invoice = ok(
        api.post(
            "/invoices",
            {"customer": customer["id"], "identifiers": identifiers, "unit_prices": prices or {}},
        ),
        201,
    )
    return ok(api.post(f"/invoices/{invoice['id']}/open"))


def qbo_lines(qbo_invoice) -> list[tuple]:
    return sorted(
        (
            Decimal(str(line["SalesItemLineDetail"]["Qty"])),
            Decimal(str(line["SalesItemLineDetail"]["UnitPrice"])),
            Decimal(str(line["Amount"])),
        )
        for line in qbo_invoice["Line"]
        if line.get("DetailType") == "SalesItemLineDetail"
    )


def test_an_open_synced_invoice_takes_a_device_at_a_new_price_and_quickbooks_follows(
    ready, qbo, api
):
    receive_stock(api, [device_row(n, price="420.00") for n in (1, 2, 3)])
    invoice = sell(api, [imei_for(1), imei_for(2)])
    ok(api.post(f"/invoices/{invoice['id']}/sync"), 202)
    run_pending()
    [before] = qbo_documents(qbo, "Invoice")
    assert Decimal(str(before["TotalAmt"])) == Decimal("840.00")

    edited = ok(
        api.post(
            f"/invoices/{invoice['id']}/devices",
            {"identifiers": [imei_for(3)], "unit_prices": {imei_for(3): "399.99"}},
        ),
        201,
    )
    assert edited["total"] == "1239.99"
    assert ok(api.get(f"/invoices/{invoice['id']}"))["quickbooks"]["state"] == "changed"
    ok(api.post(f"/invoices/{invoice['id']}/sync"), 202)
    run_pending()

    [after] = qbo_documents(qbo, "Invoice")
    assert after["Id"] == before["Id"]  # the same invoice, updated
    assert Decimal(str(after["TotalAmt"])) == Decimal("1239.99")
    assert qbo_lines(after) == [
        (Decimal("1"), Decimal("399.99"), Decimal("399.99")),
        (Decimal("2"), Decimal("420.00"), Decimal("840.00")),
    ]
    status = ok(api.get(f"/invoices/{invoice['id']}"))["quickbooks"]
    assert (status["state"], status["qbo_id"], status["qbo_total"]) == (
        "synced",
        after["Id"],
        "1239.99",
    )


def test_a_program_changes_the_settings_runs_a_bulk_sync_and_follows_it(connected, qbo, api):
    connection = ok(api.get("/quickbooks/connection"))
    assert (connection["state"], connection["company_name"], connection["realm_id"]) == (
        "connected",
        "Northwind Books LLC",
        qbo.realm,
    )
    assert ok(api.get("/quickbooks/settings"))["complete"] is False
    choices = ok(api.get("/quickbooks/settings/choices"))
    assert choices["purchase_orders_allowed"] is True
    income = next(a for a in choices["income_accounts"] if a["name"] == "Sales of Product Income")
    expense = next(a for a in choices["expense_accounts"] if a["name"] == "Cost of Goods Sold")

    saved = ok(
        api.patch(
            "/quickbooks/settings",
            {
                "item_name": "Phones and tablets",
                "income_account_id": income["id"],
                "expense_account_id": expense["id"],
                "sync_pos_to": "purchase_order",
            },
        )
    )
    assert (saved["complete"], saved["sync_pos_to"], saved["income_account_name"]) == (
        True,
        "purchase_order",
        "Sales of Product Income",
    )
    [item] = [i for i in qbo_documents(qbo, "Item") if i["Name"] == "Phones and tablets"]
    assert saved["item_qbo_id"] == item["Id"]

    first = receive_stock(api, [device_row(1), device_row(2)])
    vendor_id = first["vendor"]["id"]
    second = ok(
        api.post("/purchase-orders", {"vendor": vendor_id, "devices": [device_row(3)]}), 201
    )
    ok(api.post(f"/purchase-orders/{second['id']}/receive"))

    started = api.post("/quickbooks/syncs", {"kind": "purchase_order", "scope": "unsynced"})
    job = ok(started, 202)
    assert started["Location"] == f"/api/v1/quickbooks/syncs/{job['id']}"
    assert (job["kind"], job["total"], job["done"], job["finished"]) == (
        "purchase_order",
        2,
        0,
        False,
    )
    run_pending()

    progress = ok(api.get(f"/quickbooks/syncs/{job['id']}"))
    assert (progress["done"], progress["failed"], progress["finished"], progress["percent"]) == (
        2,
        0,
        True,
        100,
    )
    outcomes = ok(api.get(f"/quickbooks/syncs/{job['id']}/documents"))
    assert outcomes["count"] == 2
    pos = {po["Id"]: po for po in qbo_documents(qbo, "PurchaseOrder")}
    for outcome in outcomes["items"]:
        assert (outcome["status"], outcome["outcome"], outcome["qbo_entity"]) == (
            "done",
            "created",
            "PurchaseOrder",
        )
        assert outcome["qbo_id"] in pos
        assert outcome["requested_by"] == {"user": None, "api_key": "Web shop"}
    assert {o["document"]["number"] for o in outcomes["items"]} == {
        first["number"],
        second["number"],
    }
    assert len(pos) == 2 and qbo_documents(qbo, "Bill") == []

    nothing = api.post("/quickbooks/syncs", {"kind": "purchase_order", "scope": "unsynced"})
    assert nothing.status_code == 422
    assert nothing.json()["detail"][0]["loc"] == ["body", "scope"]


def test_settings_are_refused_as_the_page_refuses_them(connected, qbo, api):
    expense = account_named(qbo, "Cost of Goods Sold")["Id"]
    income = account_named(qbo, "Sales of Product Income")["Id"]
    wrong = api.patch(
        "/quickbooks/settings", {"income_account_id": expense, "expense_account_id": expense}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == [
        {
            "loc": ["body", "income_account_id"],
            "msg": "'Cost of Goods Sold' is a Cost of Goods Sold account; the income account "
            "must be one of: Income.",
            "type": "invalid",
        }
    ]
    colon = api.patch(
        "/quickbooks/settings",
        {"item_name": "Phones: used", "income_account_id": income, "expense_account_id": expense},
    )
    assert colon.status_code == 422
    assert colon.json()["detail"][0]["loc"] == ["body", "item_name"]

    existing = qbo.emulator.store.create_entity(
        qbo.realm,
        "Item",
        {"Name": "Phones", "Type": "NonInventory", "IncomeAccountRef": {"value": income}},
    )
    fields = {"item_name": "Phones", "income_account_id": income, "expense_account_id": expense}
    asked = api.patch("/quickbooks/settings", fields)
    assert asked.status_code == 409
    assert "send adopt_existing_item: true to use it" in asked.json()["detail"][0]["msg"]
    assert ok(api.get("/quickbooks/settings"))["item_qbo_id"] == ""
    adopted = ok(api.patch("/quickbooks/settings", {**fields, "adopt_existing_item": True}))
    assert adopted["item_qbo_id"] == existing["Id"]


def test_without_a_connection_quickbooks_operations_say_so(qbo, api, company):
    for response in (
        api.get("/quickbooks/settings/choices"),
        api.patch("/quickbooks/settings", {"item_name": "Phones"}),
        api.post("/quickbooks/syncs", {"kind": "invoice", "scope": "unsynced"}),
    ):
        assert response.status_code == 409, response.content
        assert "not connected" in response.json()["detail"][0]["msg"].lower()
    assert ok(api.get("/quickbooks/connection"))["state"] == "not_connected"


def test_a_failure_is_listed_with_who_asked_and_retried(connected, qbo, api, events):
    subscription = ok(
        api.post("/webhooks/subscriptions", {"url": events.url, "event_types": ["sync.failed"]}),
        201,
    )
    receive_stock(api, [device_row(1, price="420.00")])
    invoice = sell(api, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/sync"), 202)  # the settings were never saved
    run_pending()

    [failure] = ok(api.get("/quickbooks/failures"))["items"]
    assert failure["document"] == {
        "kind": "invoice",
        "id": invoice["id"],
        "number": invoice["number"],
    }
    assert failure["status"] == "failed"
    assert failure["last_error"]["message"] == "The QuickBooks settings have not been saved yet."
    assert failure["requested_by"] == {"user": None, "api_key": "Web shop"}
    [attempt] = ok(api.get("/quickbooks/attempts", kind="invoice", document=invoice["id"]))["items"]
    assert (attempt["outcome"], attempt["document"]["number"]) == ("failed", invoice["number"])

    # The failure was announced, signed.
    from cellbooks.events import delivery as sender

    sender.process(sender.due_ids())
    headers, body = events.next()
    event = json.loads(body)
    assert event["type"] == "sync.failed" and signed_by(subscription["secret"], headers, body)
    assert event["data"]["document"]["number"] == invoice["number"]
    assert event["data"]["error"]["message"] == "The QuickBooks settings have not been saved yet."

    retried = ok(api.post(f"/quickbooks/failures/{failure['id']}/retry"), 202)
    assert retried["status"] == "pending" and retried["id"] != failure["id"]
    assert ok(api.get("/quickbooks/failures"))["items"] == []  # being retried: not listed
    twice = ok(api.post(f"/quickbooks/failures/{failure['id']}/retry"), 202)
    assert twice["id"] == retried["id"]  # the queued retry is reused, never doubled
    assert api.post(f"/quickbooks/failures/{retried['id']}/retry").status_code == 404  # not failed
    request = SyncRequest.objects.get(pk=retried["id"])
    assert request.requested_by_key.name == "Web shop"


def test_the_endpoint_hears_a_signed_invoice_paid_when_quickbooks_takes_the_payment(
    ready, qbo, api, events, qbo_webhooks, client, django_capture_on_commit_callbacks, company
):
    subscription = ok(
        api.post(
            "/webhooks/subscriptions",
            {"url": events.url, "event_types": ["invoice.synced", "invoice.paid"]},
        ),
        201,
    )
    receive_stock(api, [device_row(1, price="420.00"), device_row(2, price="380.50")])
    invoice = sell(api, [imei_for(1), imei_for(2)])
    with django_capture_on_commit_callbacks(execute=True):
        ok(api.post(f"/invoices/{invoice['id']}/sync"), 202)
        run_pending()
    from cellbooks.events import delivery as sender

    sender.process(sender.due_ids())
    synced_headers, synced_body = events.next()
    synced = json.loads(synced_body)
    binding = Binding.objects.get(company=company, kind="invoice", local_id=invoice["id"])
    assert synced["type"] == "invoice.synced"
    assert synced["data"]["quickbooks"]["id"] == binding.qbo_id
    assert synced["data"]["quickbooks"]["total"] == "800.50"

    use_webhooks(qbo, qbo_webhooks)
    receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "800.50"))
    [response] = deliver(client, qbo_webhooks, django_capture_on_commit_callbacks)
    assert response.status_code == 200

    headers, body = events.next()
    event = json.loads(body)
    assert headers["cellbooks-event-type"] == event["type"] == "invoice.paid"
    assert signed_by(subscription["secret"], headers, body)
    assert (event["data"]["id"], event["data"]["status"], event["data"]["balance_due"]) == (
        invoice["id"],
        "paid",
        "0.00",
    )
    assert ok(api.get(f"/invoices/{invoice['id']}"))["status"] == "paid"

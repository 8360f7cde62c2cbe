"""The REST API's sync endpoints and the QuickBooks status in GET responses."""

from decimal import Decimal

from qbo_helpers import qbo_documents, run_pending
from test_api_support import ApiClient, ok


def test_syncing_an_invoice_through_the_api_and_reading_its_status(
    ready, qbo, company, open_invoice
):
    api = ApiClient.for_company(company)
    assert ok(api.get(f"/invoices/{open_invoice.pk}"))["quickbooks"]["state"] == "not_synced"

    queued = ok(api.post(f"/invoices/{open_invoice.pk}/sync"), 202)
    assert queued["quickbooks"]["state"] == "queued"
    run_pending()

    status = ok(api.get(f"/invoices/{open_invoice.pk}"))["quickbooks"]
    [invoice] = qbo_documents(qbo, "Invoice")
    assert status["state"] == "synced"
    assert (status["qbo_entity"], status["qbo_id"]) == ("Invoice", invoice["Id"])
    assert Decimal(status["qbo_total"]) == open_invoice.total
    assert status["url"].endswith(f"/companies/{qbo.realm}/invoices/{invoice['Id']}")
    listed = ok(api.get("/invoices"))["items"]
    assert [i["quickbooks"]["state"] for i in listed] == ["synced"]


def test_syncing_a_po_through_the_api(ready, qbo, company, received_po):
    api = ApiClient.for_company(company)

    ok(api.post(f"/purchase-orders/{received_po.pk}/sync"), 202)
    run_pending()

    status = ok(api.get(f"/purchase-orders/{received_po.pk}"))["quickbooks"]
    assert status["state"] == "synced" and status["qbo_entity"] == "Bill"
    assert len(qbo_documents(qbo, "Bill")) == 1


def test_a_failure_is_explained_in_the_status(connected, qbo, company, open_invoice):
    api = ApiClient.for_company(company)  # settings were never saved

    ok(api.post(f"/invoices/{open_invoice.pk}/sync"), 202)
    run_pending()

    status = ok(api.get(f"/invoices/{open_invoice.pk}"))["quickbooks"]
    assert status["state"] == "failed"
    assert status["last_error"]["message"] == "The QuickBooks settings have not been saved yet."
    assert "Settings" in status["last_error"]["hint"]


def test_another_companys_document_answers_404(
    ready, company, other_company, open_invoice, received_po
):
    api = ApiClient.for_company(other_company)

    assert api.post(f"/invoices/{open_invoice.pk}/sync").status_code == 404
    assert api.post(f"/purchase-orders/{received_po.pk}/sync").status_code == 404

"""The QuickBooks box on a document page refreshes itself from a small endpoint (the box alone,
204 while the document is still queued), never by reloading the whole page."""

from django.urls import reverse
from qbo_helpers import run_pending

from cellbooks.quickbooks import outbox


def panel_url(kind, pk, **query):
    url = reverse("quickbooks_sync_panel", args=[kind, pk])
    return url + ("?while=queued" if query.get("queued") else "")


def test_a_queued_box_polls_its_endpoint_which_answers_204_until_the_bill_is_there(
    ready, qbo, company, received_po
):
    outbox.request_sync(company=company, kind="purchase_order", local_id=received_po.pk, wake=False)

    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert 'id="qbo-sync-waiting"' in page
    assert f"{panel_url('purchase_order', received_po.pk)}?while=queued" in page
    assert "location.href" not in page  # the page itself is never fetched again

    waiting = ready.get(panel_url("purchase_order", received_po.pk, queued=True))
    assert waiting.status_code == 204 and waiting.content == b""

    run_pending()
    done = ready.get(panel_url("purchase_order", received_po.pk, queued=True))
    assert done.status_code == 200
    box = done.content.decode()
    assert box.lstrip().startswith('<section class="card" id="qbo-sync">')
    assert "<html" not in box and "<nav" not in box  # the box only
    assert "Synced" in box and 'id="qbo-sync-waiting"' not in box
    (bill,) = qbo.emulator.store.list_entities(qbo.realm, "Bill")
    assert f"Bill {bill.get('DocNumber') or bill['Id']}" in box
    assert "total $1,340.55" in box  # the PO's total, from QuickBooks


def test_without_the_query_the_endpoint_always_renders_the_box(ready, company, received_po):
    outbox.request_sync(company=company, kind="purchase_order", local_id=received_po.pk, wake=False)
    response = ready.get(panel_url("purchase_order", received_po.pk))
    assert response.status_code == 200
    assert "Queued" in response.content.decode()


def test_another_companys_document_or_an_unknown_kind_is_404(
    ready, received_po, other_user, client
):
    assert ready.get(panel_url("device", received_po.pk)).status_code == 404
    client.force_login(other_user)
    assert client.get(panel_url("purchase_order", received_po.pk)).status_code == 404


def test_the_box_needs_a_login(client, user, received_po):
    response = client.get(panel_url("purchase_order", received_po.pk, queued=True))
    assert response.status_code == 302 and "/login" in response["Location"]

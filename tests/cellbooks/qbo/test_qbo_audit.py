"""QuickBooks in the activity log: who connected, saved the settings, synced (one document or
many), and disconnected — and a warehouse worker cannot do any of it."""

from django.urls import reverse
from qbo_helpers import connect, settings_form
from test_api_support import ApiClient, ok

from cellbooks.accounts.models import ApiKey, AuditEntry
from cellbooks.accounts.services import add_member
from cellbooks.core.permissions import Role
from cellbooks.quickbooks.models import Connection, SyncRequest


def actions(company) -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.filter(company=company, action__startswith="quickbooks.")
        .order_by("id")
        .values_list("action", "actor_label", "target_label")
    )


def test_connect_settings_sync_bulk_sync_and_disconnect_are_recorded(
    client_logged_in, qbo, company, received_po
):
    connected = connect(client_logged_in, qbo)
    assert connected.status_code == 302
    response = client_logged_in.post(reverse("quickbooks_settings"), settings_form(qbo))
    assert response.status_code == 302
    client_logged_in.post(
        reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk])
    )
    client_logged_in.post(
        reverse("quickbooks_sync_bulk", args=["purchase_order"]),
        {"scope": "selected", "ids": [received_po.pk]},
    )
    client_logged_in.post(reverse("quickbooks_disconnect"))

    me = "owner@northwind.test"
    po = f"Purchase order {received_po.number}"
    recorded = actions(company)
    assert [a for a, _, _ in recorded] == [
        "quickbooks.connected",
        "quickbooks.settings_saved",
        "quickbooks.sync_requested",
        "quickbooks.bulk_sync_requested",
        "quickbooks.disconnected",
    ]
    assert all(actor == me for _, actor, _ in recorded)
    assert recorded[0][2] == "Northwind Books LLC"
    assert ("quickbooks.sync_requested", me, po) in recorded
    saved = AuditEntry.objects.get(company=company, action="quickbooks.settings_saved")
    assert saved.details["sync_pos_to"] == settings_form(qbo)["sync_pos_to"]
    # The PO's page lists the sync in its history.
    page = client_logged_in.get(reverse("purchase_order_detail", args=[received_po.pk]))
    assert "Synced to QuickBooks: Sync requested" in page.content.decode()


def test_a_bulk_sync_of_selected_documents_is_recorded_with_them(ready, company, received_po):
    ready.post(
        reverse("quickbooks_sync_bulk", args=["purchase_order"]),
        {"scope": "selected", "ids": [received_po.pk]},
    )
    entry = AuditEntry.objects.get(company=company, action="quickbooks.bulk_sync_requested")
    assert entry.details["ids"] == [received_po.pk] and entry.details["kind"] == "purchase_order"
    assert entry.summary == "Bulk sync of 1 purchase order(s) requested"


def test_an_api_sync_is_recorded_with_its_key(ready, company, received_po):
    key, raw = ApiKey.issue(company=company, name="nightly", role=Role.BOOKKEEPER)
    ok(ApiClient(raw).post(f"/purchase-orders/{received_po.pk}/sync"), 202)
    entry = AuditEntry.objects.get(company=company, action="quickbooks.sync_requested")
    assert entry.actor_api_key == key
    assert entry.target_id == received_po.pk


def test_a_warehouse_worker_can_neither_sync_nor_change_quickbooks(
    connected, client, company, received_po
):
    wes = add_member(
        company=company, email="wes@northwind.test", password=None, role=Role.WAREHOUSE
    )
    client.force_login(wes)
    assert client.get(reverse("quickbooks_settings")).status_code == 403
    assert client.post(reverse("quickbooks_disconnect")).status_code == 403
    sync = client.post(reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk]))
    assert sync.status_code == 403
    page = client.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert 'id="qbo-sync"' in page and 'id="qbo-sync-button"' not in page
    assert not SyncRequest.objects.filter(company=company).exists()
    assert Connection.objects.get(company=company).status == Connection.Status.CONNECTED
    assert actions(company) == []
    _, raw = ApiKey.issue(company=company, name="scanner", role=Role.WAREHOUSE)
    assert ApiClient(raw).post(f"/purchase-orders/{received_po.pk}/sync").status_code == 403

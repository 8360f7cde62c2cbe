"""Books that stay right when things go wrong: no duplicate after a lost answer whatever path the
next push takes, crashed claims heal themselves, a failure is retried from the sync log."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from qbo_helpers import qbo_documents, run_pending, writes

from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import outbox, worker
from cellbooks.quickbooks.leases import keeper
from cellbooks.quickbooks.models import Binding, SyncAttempt, SyncRequest


def fault(qbo, **rule):
    assert qbo.http.post("/_emulator/faults", json=rule).status_code in (200, 201)


def sync_now(client, kind, document):
    client.post(reverse("quickbooks_sync_document", args=[kind, document.pk]))
    return run_pending(once=True)


def lost_create_then_failed(ready, qbo, settings, kind, document, entity):
    """The create commits in QuickBooks but its answer is lost; every try after that fails until
    the request gives up (the chaos tester's path to a duplicate)."""
    settings.QBO = {**settings.QBO, "MAX_ATTEMPTS": 3}
    fault(qbo, kind="reset_after", method="POST", entity=entity, count=1)
    fault(qbo, kind="http_503", method="GET", entity="query", count=2)
    sync_now(ready, kind, document)
    run_pending()
    request = SyncRequest.objects.get(kind=kind, local_id=document.pk)
    assert (request.status, request.attempts) == (SyncRequest.Status.FAILED, 3)
    assert len(qbo_documents(qbo, entity.capitalize() if entity != "bill" else "Bill")) == 1


def test_a_bulk_sync_after_a_lost_create_adopts_instead_of_duplicating(
    ready, qbo, company, received_po, settings
):
    lost_create_then_failed(ready, qbo, settings, "purchase_order", received_po, "bill")
    assert outbox.unsynced_ids(company=company, kind="purchase_order") == [received_po.pk]

    # "Sync all not yet synced": the bulk path, through the batch worker.
    ready.post(reverse("quickbooks_sync_bulk", args=["purchase_order"]), {"scope": "unsynced"})
    worker.process_batch(
        list(SyncRequest.objects.filter(status="pending").values_list("pk", flat=True))
    )

    [bill] = qbo_documents(qbo, "Bill")
    binding = Binding.objects.get(kind="purchase_order", local_id=received_po.pk)
    assert binding.qbo_id == bill["Id"] and binding.create_sent_at is None
    assert SyncAttempt.objects.filter(local_id=received_po.pk).first().outcome == "adopted"


def test_an_invoice_already_in_quickbooks_is_linked_not_refused_for_its_number(
    ready, qbo, company, open_invoice, settings
):
    """Its create was lost and the document forgotten; the next create is refused with 6140
    (the number exists): the one in QuickBooks is ours (by its marker), so it is linked."""
    lost_create_then_failed(ready, qbo, settings, "invoice", open_invoice, "invoice")
    Binding.objects.filter(kind="invoice").update(create_sent_at=None)  # as if nothing noted it

    sync_now(ready, "invoice", open_invoice)

    [invoice] = qbo_documents(qbo, "Invoice")
    assert Binding.objects.get(kind="invoice", local_id=open_invoice.pk).qbo_id == invoice["Id"]
    latest = SyncRequest.objects.filter(local_id=open_invoice.pk).latest("pk")
    assert latest.status == SyncRequest.Status.DONE


def test_a_number_taken_by_a_document_that_is_not_ours_is_still_refused(
    ready, qbo, company, open_invoice
):
    from cellbooks.quickbooks.models import IntegrationSettings

    item = IntegrationSettings.objects.get(company=company).item_qbo_id
    customer = qbo.emulator.store.create_entity(qbo.realm, "Customer", {"DisplayName": "Other"})
    qbo.emulator.store.create_entity(
        qbo.realm,
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": open_invoice.number,
            "Line": [
                {
                    "Amount": "1.00",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": item}},
                }
            ],
        },
    )

    sync_now(ready, "invoice", open_invoice)

    request = SyncRequest.objects.get(local_id=open_invoice.pk)
    assert request.status == SyncRequest.Status.FAILED and request.last_error["code"] == "6140"
    assert Binding.objects.get(kind="invoice", local_id=open_invoice.pk).create_sent_at is None


def test_a_dead_workers_claim_is_reclaimed_once_its_lease_lapses(ready, qbo, company, open_invoice):
    request = outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk)
    claimed = worker._claim(request.pk)  # the worker takes it … and dies
    keeper.release([request.pk])
    assert claimed.status == SyncRequest.Status.RUNNING and claimed.attempts == 0

    assert worker.due_request_ids() == []  # the lease is still good
    SyncRequest.objects.filter(pk=request.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert worker.due_request_ids() == [request.pk]

    run_pending()
    request.refresh_from_db()
    assert (request.status, request.attempts) == (SyncRequest.Status.DONE, 1)
    assert len(qbo_documents(qbo, "Invoice")) == 1


def test_a_live_worker_keeps_its_lease(ready, company, open_invoice):
    request = outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk)
    worker._claim(request.pk)
    SyncRequest.objects.filter(pk=request.pk).update(
        lease_expires_at=timezone.now() + timedelta(seconds=1)
    )
    try:
        assert keeper.renew() == 1
        assert worker.due_request_ids(now=timezone.now() + timedelta(seconds=5)) == []
    finally:
        keeper.release([request.pk])


def test_a_bulk_sync_claims_only_the_chunk_it_is_about_to_send(
    ready, qbo, company, customer, imei, monkeypatch
):
    invoices = []
    po = inventory.create_purchase_order(
        company=company,
        vendor=inventory.create_partner(company=company, name="Chunk Vendor", is_vendor=True),
    )
    for n in range(400, 440):
        inventory.add_device_to_purchase_order(
            purchase_order=po,
            identifier=imei(n),
            manufacturer="Google",
            model="Pixel 7",
            condition="A",
            cost="100.00",
            price="150.00",
        )
    inventory.receive_purchase_order(purchase_order=po)
    for n in range(400, 440):
        invoice = inventory.create_invoice(company=company, customer=customer)
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n)])
        invoices.append(inventory.open_invoice(invoice=invoice))
    key = outbox.request_many(company=company, kind="invoice", local_ids=[i.pk for i in invoices])
    ids = list(SyncRequest.objects.filter(batch_key=key).values_list("pk", flat=True))
    running_when_sending = []
    original = worker._process_company_batch

    def spy(requests, config):
        running_when_sending.append(SyncRequest.objects.filter(status="running").count())
        return original(requests, config)

    monkeypatch.setattr(worker, "_process_company_batch", spy)
    worker.process_batch(ids)

    assert running_when_sending == [30, 10]
    assert len(qbo_documents(qbo, "Invoice")) == 40


def test_retry_on_the_sync_log_queues_the_document_again(
    ready, qbo, company, open_invoice, settings
):
    settings.QBO = {**settings.QBO, "MAX_ATTEMPTS": 1}
    fault(qbo, kind="http_500", method="POST", entity="invoice", count=1)
    sync_now(ready, "invoice", open_invoice)
    failed = SyncRequest.objects.get(local_id=open_invoice.pk)
    assert failed.status == SyncRequest.Status.FAILED
    log = ready.get(reverse("quickbooks_sync_log")).content.decode()
    assert f">Invoice {open_invoice.number}</a>" in log and "Invoice #" not in log

    retried = ready.post(reverse("quickbooks_sync_retry", args=[failed.pk]))

    assert retried.status_code == 302 and retried["Location"] == reverse("quickbooks_sync_log")
    run_pending()
    assert len(qbo_documents(qbo, "Invoice")) == 1
    log = ready.get(reverse("quickbooks_sync_log")).content.decode()
    assert "No failures." in log  # a failure a later sync resolved is not listed


def test_an_unknown_outcome_is_retried_no_sooner_than_the_client_timeout(settings):
    from cellbooks.quickbooks.errors import RetryableError, UnknownOutcomeError

    settings.QBO = {**settings.QBO, "TIMEOUT": 20, "RETRY_BASE_SECONDS": 2}
    assert worker.backoff(1, UnknownOutcomeError("lost")) >= timedelta(seconds=20)
    assert worker.backoff(1, RetryableError("503")) <= timedelta(seconds=2)


@pytest.mark.parametrize("visitor", ["anonymous", "member"])
def test_the_disconnect_landing_spends_no_quickbooks_call_per_anonymous_visit(
    ready, qbo, company, visitor
):
    from django.test import Client
    from qbo_helpers import request_log

    browser = Client() if visitor == "anonymous" else ready
    before = len([e for e in request_log(qbo) if "companyinfo" in e["path"]])
    for _ in range(20):
        assert (
            browser.get(f"/integrations/quickbooks/disconnected/?realmId={qbo.realm}").status_code
            == 200
        )
    checks = len([e for e in request_log(qbo) if "companyinfo" in e["path"]]) - before
    assert checks == (1 if visitor == "anonymous" else 20)
    page = browser.get(
        f"/integrations/quickbooks/disconnected/?realmId={qbo.realm}"
    ).content.decode()
    assert "Cellbooks was disconnected in QuickBooks" not in page  # it was not


def test_writes_are_counted_in_attempts_not_claims(ready, qbo, company, open_invoice):
    request = outbox.request_sync(company=company, kind="invoice", local_id=open_invoice.pk)
    for _ in range(3):  # three workers take it and die before doing anything
        worker._claim(request.pk)
        keeper.release([request.pk])
        SyncRequest.objects.filter(pk=request.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        worker.reclaim_lapsed()
    request.refresh_from_db()
    assert (request.status, request.attempts) == (SyncRequest.Status.PENDING, 0)
    run_pending()
    assert Decimal(str(qbo_documents(qbo, "Invoice")[0]["TotalAmt"])) == open_invoice.total
    assert len([w for w in writes(qbo) if w["path"].endswith("/invoice")]) == 1

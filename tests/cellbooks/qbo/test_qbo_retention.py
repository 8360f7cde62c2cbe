"""Retention: old sync history and applied webhook events are pruned; nothing exactly-once depends
on them (re-creations count on the binding), and failures nobody resolved are kept."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from qbo_helpers import qbo_documents, run_pending, writes

from cellbooks.quickbooks import inbound, retention
from cellbooks.quickbooks.models import (
    Binding,
    Connection,
    SyncAttempt,
    SyncRequest,
    WebhookEvent,
)


def sync_now(client, kind, document):
    client.post(reverse("quickbooks_sync_document", args=[kind, document.pk]))
    return run_pending()


def age(days: int):
    """Make every sync row and webhook event look ``days`` old."""
    then = timezone.now() - timedelta(days=days)
    SyncAttempt.objects.update(started_at=then)
    SyncRequest.objects.update(requested_at=then, finished_at=then)
    WebhookEvent.objects.update(received_at=then)


def event(key: str, status: str) -> WebhookEvent:
    return WebhookEvent.objects.create(
        realm_id="1",
        dedupe_key=key,
        entity="Payment",
        entity_id="9",
        operation="Create",
        payload={},
        status=status,
    )


def test_a_recreation_after_pruning_gets_a_fresh_requestid(ready, qbo, company, received_po):
    """The bill is deleted in QuickBooks and unlinked; the history that once counted creations is
    pruned; the next sync must still create a new bill, not replay the deleted one's answer."""
    sync_now(ready, "purchase_order", received_po)
    first = Binding.objects.get(kind="purchase_order", local_id=received_po.pk)
    qbo.emulator.store.delete_entity(qbo.realm, "Bill", first.qbo_id)
    inbound.sweep_connection(Connection.objects.get(company=company))
    ready.post(reverse("quickbooks_unlink", args=["purchase_order", received_po.pk]))
    age(days=400)
    pruned = retention.prune()
    assert pruned["sync attempts"] >= 1 and SyncAttempt.objects.count() == 0

    sync_now(ready, "purchase_order", received_po)

    [bill] = qbo_documents(qbo, "Bill")
    assert bill["Id"] != first.qbo_id
    binding = Binding.objects.get(kind="purchase_order", local_id=received_po.pk)
    assert (binding.qbo_id, binding.creations) == (bill["Id"], 2)
    creates = [e["query"] for e in writes(qbo) if e["path"].endswith("/bill")]
    assert creates[-1].endswith("-c1") and creates[0].endswith("-c0")


def test_it_prunes_old_history_and_keeps_what_is_young_or_unresolved(
    ready, qbo, company, received_po, open_invoice
):
    sync_now(ready, "purchase_order", received_po)  # done
    SyncRequest.objects.create(company=company, kind="invoice", local_id=open_invoice.pk)
    SyncRequest.objects.filter(kind="invoice").update(
        status=SyncRequest.Status.FAILED, finished_at=timezone.now()
    )  # a failure nobody has resolved
    event("applied", WebhookEvent.Status.PROCESSED)
    event("waiting", WebhookEvent.Status.RECEIVED)
    age(days=91)
    young = SyncAttempt.objects.create(
        company=company, kind="invoice", local_id=open_invoice.pk, action="push", outcome="retry"
    )

    counts = retention.prune()

    assert counts == {
        "sync attempts": 1,
        "sync requests": 1,
        "webhook events": 1,
        "sign-in states": 0,
    }
    assert list(SyncAttempt.objects.all()) == [young]
    assert list(SyncRequest.objects.values_list("kind", "status")) == [("invoice", "failed")]
    assert list(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == ["waiting"]
    # The document stays linked: links are not history.
    assert Binding.objects.filter(kind="purchase_order", local_id=received_po.pk).exists()


def test_a_failure_resolved_by_a_later_sync_is_pruned_with_the_rest(
    ready, qbo, company, received_po
):
    failed = SyncRequest.objects.create(
        company=company, kind="purchase_order", local_id=received_po.pk
    )
    SyncRequest.objects.filter(pk=failed.pk).update(
        status=SyncRequest.Status.FAILED,
        finished_at=timezone.now(),
        requested_at=timezone.now() - timedelta(minutes=5),
    )
    sync_now(ready, "purchase_order", received_po)
    SyncRequest.objects.update(finished_at=timezone.now() - timedelta(days=91))

    assert retention.prune()["sync requests"] == 2
    assert not SyncRequest.objects.exists()


def test_the_command_says_what_it_would_delete_and_then_deletes_it(ready, received_po, capsys):
    sync_now(ready, "purchase_order", received_po)
    age(days=10)

    call_command("qbo_prune", "--days", "7", "--dry-run")
    assert "Would delete 1 sync attempts, 1 sync requests" in capsys.readouterr().out
    assert SyncAttempt.objects.count() == 1

    call_command("qbo_prune", "--days", "7")
    assert "Deleted 1 sync attempts, 1 sync requests" in capsys.readouterr().out
    assert SyncAttempt.objects.count() == 0 and SyncRequest.objects.count() == 0

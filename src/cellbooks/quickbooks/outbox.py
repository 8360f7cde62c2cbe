"""The outbox: sync requests written in the caller's transaction, woken after commit.

``request_sync`` writes (or reuses) a ``SyncRequest`` row for a document and asks the queue to wake
a worker once the caller's transaction commits. The queue carries only wake-ups: the worker's
periodic sweep re-enqueues anything pending or due, so a lost message delays work and loses
nothing. How a worker carries a request out is worker.py's job.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cellbooks.inventory.models import Invoice, PurchaseOrder

from . import bindings, tasks
from .models import Connection, SyncRequest


def request_sync(
    *,
    company,
    kind: str,
    local_id: int,
    user=None,
    api_key=None,
    action: str = SyncRequest.Action.PUSH,
    batch_key: str = "",
    wake: bool = True,
) -> SyncRequest:
    """Queue a sync of one document (idempotent: an open request for it is reused). ``user`` and
    ``api_key`` say who asked (a person on a page, a program through the REST API). ``wake=False``
    leaves waking the worker to the caller (bulk requests wake it once for all)."""
    with transaction.atomic():
        existing = _reuse_open(company, kind, local_id, action=action, batch_key=batch_key)
        if existing:
            request = existing
        else:
            try:
                with transaction.atomic():
                    request = SyncRequest.objects.create(
                        company=company,
                        kind=kind,
                        local_id=local_id,
                        action=action,
                        requested_by=user,
                        requested_by_key=api_key,
                        batch_key=batch_key,
                    )
            except IntegrityError:  # raced with another request for the same document
                request = SyncRequest.objects.get(
                    company=company,
                    kind=kind,
                    local_id=local_id,
                    status__in=SyncRequest.OPEN_STATUSES,
                )
        if connection_paused(company):
            SyncRequest.objects.filter(pk=request.pk, status=SyncRequest.Status.PENDING).update(
                status=SyncRequest.Status.PAUSED
            )
        elif wake:
            transaction.on_commit(lambda: tasks.wake([request.pk]))
    return request


def _reuse_open(company, kind: str, local_id: int, *, action: str, batch_key: str):
    """The document's open request brought up to this ask, or None when it has none. One that is
    running is asked again: its worker may have read the document before this change, so it runs
    once more when this run ends (``worker._finish``). Each update is conditional on the status
    it was read in; one that changed meanwhile (the run ended) is looked at again."""
    for _ in range(3):
        existing = SyncRequest.objects.filter(
            company=company, kind=kind, local_id=local_id, status__in=SyncRequest.OPEN_STATUSES
        ).first()
        if existing is None:
            return None
        fields = {"batch_key": batch_key or existing.batch_key}
        if action != SyncRequest.Action.PUSH:
            fields["action"] = action
        if existing.status == SyncRequest.Status.PENDING:
            fields["next_attempt_at"] = timezone.now()
        if existing.status == SyncRequest.Status.RUNNING:
            fields["asked_again"] = True
        if SyncRequest.objects.filter(pk=existing.pk, status=existing.status).update(**fields):
            existing.refresh_from_db()
            return existing
    return None


def request_many(*, company, kind: str, local_ids, user=None, api_key=None) -> str:
    """Queue several documents under one batch key (for the progress bar); the worker takes them
    in chunks through the batch endpoint. Same rules as ``request_sync`` for each document (an open
    request is reused), set at a time: a few queries per thousand documents, one transaction, so a
    bulk sync of thousands starts at once."""
    batch_key = uuid.uuid4().hex[:16]
    local_ids = list(dict.fromkeys(local_ids))
    try:
        with transaction.atomic():
            ids = _request_many(company, kind, local_ids, user, api_key, batch_key)
    except IntegrityError:
        # Raced with another request for one of these documents: one at a time, each of which
        # knows how to join the request that won.
        with transaction.atomic():
            ids = [
                request_sync(
                    company=company,
                    kind=kind,
                    local_id=local_id,
                    user=user,
                    api_key=api_key,
                    batch_key=batch_key,
                    wake=False,
                ).pk
                for local_id in local_ids
            ]
            _pause_or_wake(company, ids)
    return batch_key


IDS_PER_QUERY = 900  # below SQLite's older limit of 999 parameters a statement


def _request_many(company, kind, local_ids, user, api_key, batch_key) -> list[int]:
    now = timezone.now()
    ids: list[int] = []
    for start in range(0, len(local_ids), IDS_PER_QUERY):
        chunk = local_ids[start : start + IDS_PER_QUERY]
        open_requests = SyncRequest.objects.filter(
            company=company, kind=kind, local_id__in=chunk, status__in=SyncRequest.OPEN_STATUSES
        )
        # Running ones first (see _reuse_open): one that ends before this is not open below.
        open_requests.filter(status=SyncRequest.Status.RUNNING).update(asked_again=True)
        existing = dict(open_requests.values_list("local_id", "pk"))
        if existing:
            open_requests.update(batch_key=batch_key)
            open_requests.filter(status=SyncRequest.Status.PENDING).update(next_attempt_at=now)
        created = SyncRequest.objects.bulk_create(
            SyncRequest(
                company=company,
                kind=kind,
                local_id=local_id,
                requested_by=user,
                requested_by_key=api_key,
                batch_key=batch_key,
            )
            for local_id in chunk
            if local_id not in existing
        )
        new = {request.local_id: request.pk for request in created}
        ids += [existing.get(local_id) or new[local_id] for local_id in chunk]
    _pause_or_wake(company, ids)
    return ids


def _pause_or_wake(company, ids: list[int]) -> None:
    """Inside the queuing transaction: pause the new work while the connection needs reconnecting,
    else wake a worker for it once the transaction commits."""
    if connection_paused(company):
        SyncRequest.objects.filter(pk__in=ids, status=SyncRequest.Status.PENDING).update(
            status=SyncRequest.Status.PAUSED
        )
    else:
        transaction.on_commit(lambda: tasks.wake(ids))


def batch_progress(*, company, batch_key: str) -> dict:
    rows = SyncRequest.objects.filter(company=company, batch_key=batch_key)
    total = rows.count()
    done = rows.filter(status=SyncRequest.Status.DONE).count()
    failed = rows.filter(status=SyncRequest.Status.FAILED).count()
    paused = rows.filter(status=SyncRequest.Status.PAUSED).count()
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "paused": paused,
        "finished": done + failed + paused == total,
        "percent": int(100 * (done + failed) / total) if total else 100,
    }


def connection_paused(company) -> bool:
    return Connection.objects.filter(
        company=company, status=Connection.Status.NEEDS_RECONNECT
    ).exists()


def resume_paused(*, company) -> int:
    """After a reconnect: paused work becomes pending again and is woken."""
    ids = list(
        SyncRequest.objects.filter(company=company, status=SyncRequest.Status.PAUSED).values_list(
            "pk", flat=True
        )
    )
    SyncRequest.objects.filter(pk__in=ids).update(
        status=SyncRequest.Status.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: tasks.wake(ids))
    return len(ids)


def failures(*, company):
    """What is still failing: each document whose latest sync request failed (a failure that a
    later sync resolved, or that is being retried, is not listed)."""
    later = SyncRequest.objects.filter(
        company=company, kind=OuterRef("kind"), local_id=OuterRef("local_id"), pk__gt=OuterRef("pk")
    )
    return (
        SyncRequest.objects.filter(company=company, status=SyncRequest.Status.FAILED)
        .exclude(Exists(later))
        .order_by("-finished_at")
    )


def retry(*, company, request_id: int, user=None, api_key=None) -> SyncRequest:
    failed = SyncRequest.objects.get(
        company=company, pk=request_id, status=SyncRequest.Status.FAILED
    )
    return request_sync(
        company=company,
        kind=failed.kind,
        local_id=failed.local_id,
        user=user,
        api_key=api_key,
        action=failed.action,
    )


def unsynced_ids(*, company, kind: str) -> list[int]:
    """Documents that can be synced and are not linked to QuickBooks yet."""
    if kind == SyncRequest.Kind.INVOICE:
        documents = Invoice.objects.filter(company=company).exclude(
            status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
        )
    else:
        documents = PurchaseOrder.objects.filter(company=company).exclude(
            status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.VOID]
        )
    return list(
        documents.exclude(pk__in=bindings.linked_local_ids(company=company, kind=kind))
        .order_by("date", "pk")
        .values_list("pk", flat=True)
    )

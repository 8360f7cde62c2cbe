"""Sync requests (the outbox) and how a worker carries one out.

``request_sync`` writes a row in the caller's transaction and wakes a worker after commit.
``process_request`` claims a row with a conditional UPDATE (so two workers never run the same row),
pushes the document, records the attempt, and decides: done, retry later (with backoff and jitter),
paused (the connection needs reconnecting), or failed (a person must act; the hint says how).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cellbooks.inventory.models import Invoice, PurchaseOrder

from .api import QBOClient
from .config import QBOConfig
from .errors import (
    AuthorizationLostError,
    NotConnectedError,
    PermanentError,
    QBOError,
    RetryableError,
    UnknownOutcomeError,
)
from .exporters import Exporter, Prepared, document_fingerprint
from .models import Binding, Connection, IntegrationSettings, SyncAttempt, SyncRequest

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=10)
DOCUMENT_MODELS = {
    SyncRequest.Kind.INVOICE: Invoice,
    SyncRequest.Kind.PURCHASE_ORDER: PurchaseOrder,
}


WAKE_CHUNK = 90  # three batch calls' worth per task, so several workers share a bulk sync


def _wake(request_ids: list[int]) -> None:
    from . import tasks  # the queue is an implementation detail of this module

    if len(request_ids) == 1:
        tasks.run_sync_request(request_ids[0])
        return
    for start in range(0, len(request_ids), WAKE_CHUNK):
        tasks.run_sync_batch(request_ids[start : start + WAKE_CHUNK])


def request_sync(
    *,
    company,
    kind: str,
    local_id: int,
    user=None,
    action: str = SyncRequest.Action.PUSH,
    batch_key: str = "",
    wake: bool = True,
) -> SyncRequest:
    """Queue a sync of one document (idempotent: an open request for it is reused). ``wake=False``
    leaves waking the worker to the caller (bulk requests wake it once for all)."""
    with transaction.atomic():
        existing = SyncRequest.objects.filter(
            company=company, kind=kind, local_id=local_id, status__in=SyncRequest.OPEN_STATUSES
        ).first()
        if existing:
            fields = {"batch_key": batch_key or existing.batch_key}
            if action != SyncRequest.Action.PUSH:
                fields["action"] = action
            if existing.status == SyncRequest.Status.PENDING:
                fields["next_attempt_at"] = timezone.now()
            SyncRequest.objects.filter(pk=existing.pk).update(**fields)
            existing.refresh_from_db()
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
                        batch_key=batch_key,
                    )
            except IntegrityError:  # raced with another request for the same document
                request = SyncRequest.objects.get(
                    company=company,
                    kind=kind,
                    local_id=local_id,
                    status__in=SyncRequest.OPEN_STATUSES,
                )
        if _connection_paused(company):
            SyncRequest.objects.filter(pk=request.pk, status=SyncRequest.Status.PENDING).update(
                status=SyncRequest.Status.PAUSED
            )
        elif wake:
            transaction.on_commit(lambda: _wake([request.pk]))
    return request


def request_many(*, company, kind: str, local_ids, user=None) -> str:
    """Queue several documents under one batch key (for the progress bar); the worker takes them
    in chunks through the batch endpoint."""
    batch_key = uuid.uuid4().hex[:16]
    with transaction.atomic():
        ids = [
            request_sync(
                company=company,
                kind=kind,
                local_id=local_id,
                user=user,
                batch_key=batch_key,
                wake=False,
            ).pk
            for local_id in local_ids
        ]
        if not _connection_paused(company):
            transaction.on_commit(lambda: _wake(ids))
    return batch_key


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


def _connection_paused(company) -> bool:
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
    transaction.on_commit(lambda: _wake(ids))
    return len(ids)


def _claim(request_id: int) -> SyncRequest | None:
    now = timezone.now()
    claimed = SyncRequest.objects.filter(
        pk=request_id, status=SyncRequest.Status.PENDING, next_attempt_at__lte=now
    ).update(status=SyncRequest.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    return SyncRequest.objects.select_related("company").get(pk=request_id) if claimed else None


def backoff(attempt: int) -> timedelta:
    """Exponential with full jitter: 2 s, 4 s, 8 s … capped at 10 minutes."""
    ceiling = min(600, 2**attempt)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _document(request: SyncRequest):
    return (
        DOCUMENT_MODELS[request.kind]
        .objects.select_related("company")
        .get(pk=request.local_id, company=request.company)
    )


def _context(company, config: QBOConfig | None) -> tuple[QBOClient, IntegrationSettings]:
    """A client for the company's connection, or the reason there can be none."""
    connection = Connection.objects.filter(company=company).first()
    if connection is None or connection.status == Connection.Status.NOT_CONNECTED:
        raise NotConnectedError()
    if connection.needs_reconnect:
        raise AuthorizationLostError(detail=connection.status_reason)
    integration_settings = IntegrationSettings.objects.filter(company=company).first()
    if not integration_settings or not integration_settings.is_complete:
        raise PermanentError(
            "The QuickBooks settings have not been saved yet.",
            hint="Open Integrations → QuickBooks → Settings, choose the accounts and save.",
        )
    return QBOClient(connection, config=config), integration_settings


def _run(exporter: Exporter, request: SyncRequest, document):
    if request.action == SyncRequest.Action.MOVE:
        return exporter.move(document)
    if request.action == SyncRequest.Action.VOID:
        return exporter.void(document)
    return exporter.push(document, outcome_unknown=request.outcome_unknown)


def _attempt(request: SyncRequest) -> SyncAttempt:
    return SyncAttempt(
        company=request.company,
        request=request,
        kind=request.kind,
        local_id=request.local_id,
        action=request.action,
        started_at=timezone.now(),
    )


def _settle(request: SyncRequest, attempt: SyncAttempt, outcome) -> None:
    """Record a result or an error: done, retry later, paused, or failed."""
    if isinstance(outcome, AuthorizationLostError):
        _finish(request, attempt, SyncRequest.Status.PAUSED, "paused", error=outcome)
    elif isinstance(outcome, RetryableError):
        if isinstance(outcome, UnknownOutcomeError):
            request.outcome_unknown = True
        if request.attempts >= MAX_ATTEMPTS:
            _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=outcome)
        else:
            request.next_attempt_at = timezone.now() + backoff(request.attempts)
            _finish(request, attempt, SyncRequest.Status.PENDING, "retry", error=outcome)
    elif isinstance(outcome, QBOError):
        _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=outcome)
    else:
        attempt.qbo_entity, attempt.qbo_id, attempt.requestid = (
            outcome.qbo_entity,
            outcome.qbo_id,
            outcome.requestid,
        )
        request.outcome_unknown = False
        _finish(request, attempt, SyncRequest.Status.DONE, outcome.outcome, message=outcome.message)


def process_request(request_id: int, *, config: QBOConfig | None = None) -> SyncRequest | None:
    request = _claim(request_id)
    if request is None:
        return None  # someone else has it, it is not due, or it is finished
    clock = time.monotonic()
    attempt = _attempt(request)
    client = None
    try:
        document = _document(request)
        client, integration_settings = _context(request.company, config)
        outcome = _run(
            Exporter(company=request.company, client=client, settings=integration_settings),
            request,
            document,
        )
    except ObjectDoesNotExist:
        outcome = PermanentError("The document no longer exists in Cellbooks.")
    except QBOError as exc:
        outcome = exc
    try:
        _settle(request, attempt, outcome)
    finally:
        attempt.duration_ms = int((time.monotonic() - clock) * 1000)
        if client is not None:
            attempt.api_calls = len(client.calls)
            if not attempt.requestid and client.calls:
                attempt.requestid = client.calls[-1].requestid
            client.close()
        attempt.save()
    return request


BATCH_SIZE = 30  # QBO's recommended maximum per batch call


def process_batch(request_ids: list[int], *, config: QBOConfig | None = None) -> list[SyncRequest]:
    """Bulk sync: new documents are created 30 to a batch call; anything else (updates, voids,
    moves, documents whose earlier outcome is unknown) goes through the one-by-one path.

    1. Claim each request (a conditional UPDATE: no two workers run the same one).
    2. Per company: resolve all partners at once (queries by name, batch creates).
    3. Prepare each document; create the new ones in batches; settle every request.
    """
    claimed = [r for r in (_claim(i) for i in request_ids) if r is not None]
    by_company: dict[int, list[SyncRequest]] = {}
    for request in claimed:
        by_company.setdefault(request.company_id, []).append(request)
    for requests in by_company.values():
        _process_company_batch(requests, config)
    return claimed


def _process_company_batch(requests: list[SyncRequest], config) -> None:
    company = requests[0].company
    clock = time.monotonic()
    try:
        client, integration_settings = _context(company, config)
    except QBOError as exc:
        for request in requests:
            attempt = _attempt(request)
            _settle(request, attempt, exc)
            attempt.save()
        return
    exporter = Exporter(company=company, client=client, settings=integration_settings)
    try:
        documents = {}
        for request in requests:
            try:
                documents[request.pk] = _document(request)
            except ObjectDoesNotExist:
                documents[request.pk] = None
        partners = [
            (d.customer, Binding.Kind.CUSTOMER)
            if isinstance(d, Invoice)
            else (d.vendor, Binding.Kind.VENDOR)
            for d in documents.values()
            if d is not None
        ]
        try:
            exporter.prime_partners(partners)
        except QBOError as exc:
            log.info("Bulk partner lookup failed (%s); partners resolve one by one", exc)
        creates: list[tuple[SyncRequest, SyncAttempt, object]] = []
        for request in requests:
            attempt = _attempt(request)
            document = documents[request.pk]
            if document is None:
                _settle(
                    request, attempt, PermanentError("The document no longer exists in Cellbooks.")
                )
                attempt.save()
                continue
            try:
                if request.action != SyncRequest.Action.PUSH or request.outcome_unknown:
                    outcome = _run(exporter, request, document)
                else:
                    prepared = exporter.prepare(document)
                    if isinstance(prepared, Prepared) and prepared.binding is None:
                        creates.append((request, attempt, prepared))
                        continue
                    outcome = (
                        prepared if not isinstance(prepared, Prepared) else exporter.push(document)
                    )
            except QBOError as exc:
                outcome = exc
            _settle(request, attempt, outcome)
            attempt.save()
        for start in range(0, len(creates), BATCH_SIZE):
            chunk = creates[start : start + BATCH_SIZE]
            prepared = [p for _, _, p in chunk]
            try:
                # One call for up to 30: waiting for the next batch slot (40 a minute, at most
                # 1.5 s) beats 30 single creates on the request budget (at least 3.6 s), as
                # measured in bench/bulk.py; a lone document goes alone.
                if len(chunk) > 1:
                    outcomes = exporter.create_batch(prepared)
                else:
                    outcomes = exporter.create_each(prepared)
            except QBOError as exc:
                outcomes = [exc] * len(chunk)
            for (request, attempt, _), outcome in zip(chunk, outcomes, strict=True):
                attempt.api_calls = 1
                _settle(request, attempt, outcome)
                attempt.duration_ms = int((time.monotonic() - clock) * 1000)
                attempt.save()
    finally:
        client.close()


def _finish(
    request: SyncRequest,
    attempt: SyncAttempt,
    status: str,
    outcome: str,
    *,
    error: QBOError | None = None,
    message: str = "",
) -> None:
    attempt.outcome = outcome
    if error is not None:
        attempt.qbo_code, attempt.message, attempt.detail, attempt.hint = (
            error.code,
            error.message,
            error.detail,
            error.hint,
        )
        request.last_error = error.as_dict()
    else:
        attempt.message = message
        if status == SyncRequest.Status.DONE:
            request.last_error = None
        elif message:
            request.last_error = {"message": message}
    request.status = status
    if status in (SyncRequest.Status.DONE, SyncRequest.Status.FAILED):
        request.finished_at = timezone.now()
    request.save(
        update_fields=["status", "next_attempt_at", "outcome_unknown", "last_error", "finished_at"]
    )


def due_request_ids(limit: int = 500) -> list[int]:
    """For the periodic sweep: pending work that is due, and running work whose worker vanished
    (its outcome is unknown, so the next attempt looks for an orphan before writing)."""
    now = timezone.now()
    SyncRequest.objects.filter(
        status=SyncRequest.Status.RUNNING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=SyncRequest.Status.PENDING, outcome_unknown=True, next_attempt_at=now)
    paused_companies = Connection.objects.filter(status=Connection.Status.NEEDS_RECONNECT).values(
        "company_id"
    )
    SyncRequest.objects.filter(
        status=SyncRequest.Status.PENDING, company_id__in=paused_companies
    ).update(status=SyncRequest.Status.PAUSED)
    return list(
        SyncRequest.objects.filter(status=SyncRequest.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# ---- what the pages show ------------------------------------------------------------------------
def status_summary(*, company, kind: str, document, detect_changes: bool = True) -> dict:
    """The document's QuickBooks status as plain data (for the REST API)."""
    from .links import qbo_record_url

    status = document_status(
        company=company, kind=kind, document=document, detect_changes=detect_changes
    )
    binding = status["binding"]
    summary = {"state": status["state"], "last_error": status["last_error"]}
    if binding:
        summary.update(
            qbo_entity=binding.qbo_entity,
            qbo_id=binding.qbo_id,
            qbo_doc_number=binding.qbo_doc_number or None,
            synced_at=binding.synced_at,
            qbo_total=binding.qbo_total,
            qbo_balance=binding.qbo_balance,
            url=qbo_record_url(binding.qbo_entity, binding.qbo_id, binding.realm_id),
        )
    return summary


def document_status(
    *, company, kind: str, document, detect_changes: bool = True, with_attempts: bool = True
) -> dict:
    """Not synced / queued / synced at … / changed since / failed, with the binding and history."""
    binding = Binding.objects.filter(company=company, kind=kind, local_id=document.pk).first()
    request = (
        SyncRequest.objects.filter(company=company, kind=kind, local_id=document.pk)
        .order_by("-requested_at", "-pk")
        .first()
    )
    attempts = (
        list(SyncAttempt.objects.filter(company=company, kind=kind, local_id=document.pk)[:20])
        if with_attempts
        else []
    )
    if request and request.status in (SyncRequest.Status.PENDING, SyncRequest.Status.RUNNING):
        state = "queued"
    elif request and request.status == SyncRequest.Status.PAUSED:
        state = "paused"
    elif request and request.status == SyncRequest.Status.FAILED:
        state = "failed"
    elif binding and binding.remote_state:
        state = binding.remote_state  # "deleted" or "voided" in QuickBooks
    elif binding:
        state = "changed" if detect_changes and _changed_since(binding, document) else "synced"
    else:
        state = "not_synced"
    return {
        "state": state,
        "binding": binding,
        "request": request,
        "attempts": attempts,
        "last_error": request.last_error if request and state == "failed" else None,
    }


def _changed_since(binding: Binding, document) -> bool:
    """Whether what Cellbooks would send differs from what it sent (partner, number, date, lines).
    Every edit bumps the document's updated_at, so a document untouched since its sync is not read
    again (a 50,000-device PO page stays quick)."""
    if not binding.local_hash:
        return False
    if binding.synced_at and document.updated_at and document.updated_at <= binding.synced_at:
        return False
    return binding.local_hash != document_fingerprint(document)


def unlink(*, company, kind: str, local_id: int) -> bool:
    """Forget a binding whose QBO document was deleted there; the next sync creates a new one."""
    deleted, _ = Binding.objects.filter(
        company=company, kind=kind, local_id=local_id, remote_state="deleted"
    ).delete()
    return bool(deleted)


def failures(*, company):
    """The sync log page: documents whose latest request failed."""
    return SyncRequest.objects.filter(company=company, status=SyncRequest.Status.FAILED).order_by(
        "-finished_at"
    )


def retry(*, company, request_id: int, user=None) -> SyncRequest:
    failed = SyncRequest.objects.get(
        company=company, pk=request_id, status=SyncRequest.Status.FAILED
    )
    return request_sync(
        company=company, kind=failed.kind, local_id=failed.local_id, user=user, action=failed.action
    )


def unsynced_ids(*, company, kind: str) -> list[int]:
    """Documents that can be synced and have no binding yet."""
    bound = Binding.objects.filter(company=company, kind=kind).values("local_id")
    if kind == SyncRequest.Kind.INVOICE:
        qs = Invoice.objects.filter(company=company).exclude(
            status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
        )
    else:
        qs = PurchaseOrder.objects.filter(company=company).exclude(
            status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.VOID]
        )
    return list(qs.exclude(pk__in=bound).order_by("date", "pk").values_list("pk", flat=True))

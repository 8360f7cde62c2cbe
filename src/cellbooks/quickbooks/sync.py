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
from .exporters import Exporter, document_fingerprint
from .models import Binding, Connection, IntegrationSettings, SyncAttempt, SyncRequest

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=10)
DOCUMENT_MODELS = {
    SyncRequest.Kind.INVOICE: Invoice,
    SyncRequest.Kind.PURCHASE_ORDER: PurchaseOrder,
}


def _wake(request_ids: list[int]) -> None:
    from . import tasks  # the queue is an implementation detail of this module

    for request_id in request_ids:
        tasks.run_sync_request(request_id)


def request_sync(
    *,
    company,
    kind: str,
    local_id: int,
    user=None,
    action: str = SyncRequest.Action.PUSH,
    batch_key: str = "",
) -> SyncRequest:
    """Queue a sync of one document (idempotent: an open request for it is reused)."""
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
        else:
            transaction.on_commit(lambda: _wake([request.pk]))
    return request


def request_many(*, company, kind: str, local_ids, user=None) -> str:
    """Queue several documents under one batch key (for the progress bar)."""
    batch_key = uuid.uuid4().hex[:16]
    for local_id in local_ids:
        request_sync(company=company, kind=kind, local_id=local_id, user=user, batch_key=batch_key)
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


def process_request(request_id: int, *, config: QBOConfig | None = None) -> SyncRequest | None:
    request = _claim(request_id)
    if request is None:
        return None  # someone else has it, it is not due, or it is finished
    started = timezone.now()
    clock = time.monotonic()
    company = request.company
    client = None
    attempt = SyncAttempt(
        company=company,
        request=request,
        kind=request.kind,
        local_id=request.local_id,
        action=request.action,
        started_at=started,
    )
    try:
        document = (
            DOCUMENT_MODELS[request.kind]
            .objects.select_related("company")
            .get(pk=request.local_id, company=company)
        )
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
        client = QBOClient(connection, config=config)
        exporter = Exporter(company=company, client=client, settings=integration_settings)
        if request.action == SyncRequest.Action.MOVE:
            result = exporter.move(document)
        elif request.action == SyncRequest.Action.VOID:
            result = exporter.void(document)
        else:
            result = exporter.push(document, outcome_unknown=request.outcome_unknown)
    except (DOCUMENT_MODELS[SyncRequest.Kind.INVOICE].DoesNotExist, PurchaseOrder.DoesNotExist):
        _finish(
            request,
            attempt,
            SyncRequest.Status.FAILED,
            "failed",
            message="The document no longer exists.",
        )
    except AuthorizationLostError as exc:
        _finish(request, attempt, SyncRequest.Status.PAUSED, "paused", error=exc)
    except NotConnectedError as exc:
        _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=exc)
    except RetryableError as exc:
        if isinstance(exc, UnknownOutcomeError):
            request.outcome_unknown = True
        if request.attempts >= MAX_ATTEMPTS:
            _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=exc)
        else:
            request.next_attempt_at = timezone.now() + backoff(request.attempts)
            _finish(request, attempt, SyncRequest.Status.PENDING, "retry", error=exc)
    except QBOError as exc:
        _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=exc)
    else:
        attempt.qbo_entity, attempt.qbo_id, attempt.requestid = (
            result.qbo_entity,
            result.qbo_id,
            result.requestid,
        )
        request.outcome_unknown = False
        _finish(request, attempt, SyncRequest.Status.DONE, result.outcome, message=result.message)
    finally:
        attempt.duration_ms = int((time.monotonic() - clock) * 1000)
        if client is not None:
            attempt.api_calls = len(client.calls)
            if not attempt.requestid and client.calls:
                attempt.requestid = client.calls[-1].requestid
            client.close()
        attempt.save()
    return request


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
def document_status(*, company, kind: str, document) -> dict:
    """Not synced / queued / synced at … / changed since / failed, with the binding and history."""
    binding = Binding.objects.filter(company=company, kind=kind, local_id=document.pk).first()
    request = (
        SyncRequest.objects.filter(company=company, kind=kind, local_id=document.pk)
        .order_by("-requested_at", "-pk")
        .first()
    )
    attempts = list(
        SyncAttempt.objects.filter(company=company, kind=kind, local_id=document.pk)[:20]
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
        state = "changed" if _changed_since(binding, document) else "synced"
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
    """Whether what Cellbooks would send differs from what it sent (partner, number, date, lines)."""
    return bool(binding.local_hash) and binding.local_hash != document_fingerprint(document)


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

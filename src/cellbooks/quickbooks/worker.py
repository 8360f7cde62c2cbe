"""How a worker carries out the outbox's sync requests.

``process_request`` claims a row with a conditional UPDATE (so two workers never run the same row),
pushes the document, records the attempt, and decides: done, retry later (with backoff and jitter),
paused (the connection needs reconnecting), or failed (a person must act; the hint says how).
``process_batch`` does the same for many, creating new documents 30 to a batch call.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from django.utils import timezone

from . import documents
from .client import QBOClient
from .config import QBOConfig
from .errors import (
    AuthorizationLostError,
    NotConnectedError,
    PermanentError,
    QBOError,
    RetryableError,
    UnknownOutcomeError,
)
from .exporters import Exporter, Prepared
from .models import Connection, IntegrationSettings, SyncAttempt, SyncRequest

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=10)
BATCH_SIZE = 30  # QBO's recommended maximum per batch call
GONE = "The document no longer exists in Cellbooks."


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
    return documents.load(company=request.company, kind=request.kind, local_id=request.local_id)


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
        outcome = PermanentError(GONE)
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
        loaded = {}
        for request in requests:
            try:
                loaded[request.pk] = _document(request)
            except ObjectDoesNotExist:
                loaded[request.pk] = None
        try:
            exporter.partners.prime(
                [documents.partner_of(d) for d in loaded.values() if d is not None]
            )
        except QBOError as exc:
            log.info("Bulk partner lookup failed (%s); partners resolve one by one", exc)
        creates: list[tuple[SyncRequest, SyncAttempt, Prepared]] = []
        for request in requests:
            attempt = _attempt(request)
            document = loaded[request.pk]
            if document is None:
                _settle(request, attempt, PermanentError(GONE))
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

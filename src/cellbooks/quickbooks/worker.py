"""How a worker carries out the outbox's sync requests.

``process_request`` claims a row with a lease (``claim``: ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional UPDATE elsewhere — two workers never run the same row),
pushes the document, records the attempt, and decides: done, retry later (with backoff and jitter),
paused (the connection needs reconnecting), or failed (a person must act; the hint says how).
``process_batch`` does the same for many, creating new documents 30 to a batch call while the
batch budget lasts and one by one from the rest of the request budget (two lanes).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import announcements, bindings, documents, ratelimit
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
from .leases import holder, keeper, lease_length
from .models import Connection, IntegrationSettings, SyncAttempt, SyncRequest

log = logging.getLogger(__name__)

BATCH_SIZE = 30  # QBO's recommended maximum per batch call
GONE = "The document no longer exists in Cellbooks."


def claim(request_ids, *, limit: int | None = None, skip_locked: bool | None = None):
    """Take a lease on up to ``limit`` of these requests that are due; return them (with their
    company). No two workers ever run the same request, and a claim is not an attempt: only a
    finished try counts, so a worker killed mid-way costs none.

    Where the database offers it (PostgreSQL), the due rows are selected ``FOR UPDATE SKIP
    LOCKED`` and leased in the same transaction: workers claiming from the same list at once each
    get different rows without waiting on each other. SQLite has one writer at a time and our
    transactions take the write lock as they begin, so the due rows are selected and leased the
    same way, by nobody else meanwhile. Elsewhere each row is leased by a conditional UPDATE that
    only a still-pending row passes. ``skip_locked`` forces one path (tests run both on
    PostgreSQL)."""
    ids = list(dict.fromkeys(request_ids))
    if limit is not None:
        limit = max(0, limit)
    if skip_locked is None:
        skip_locked = connection.features.has_select_for_update_skip_locked
    now = timezone.now()
    lease = {
        "status": SyncRequest.Status.RUNNING,
        "claimed_at": now,
        "claimed_by": holder(),
        "lease_expires_at": now + lease_length(),
    }
    due = SyncRequest.objects.filter(status=SyncRequest.Status.PENDING, next_attempt_at__lte=now)
    claimed: list[int] = []
    with transaction.atomic():
        if skip_locked or _writes_serialized():
            rows = due.filter(pk__in=ids).order_by("pk")
            if skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            claimed = list(rows.values_list("pk", flat=True)[:limit])
            if claimed:
                SyncRequest.objects.filter(pk__in=claimed).update(**lease)
        else:
            for request_id in ids:
                if limit is not None and len(claimed) >= limit:
                    break
                if due.filter(pk=request_id).update(**lease):
                    claimed.append(request_id)
    if not claimed:
        return []
    keeper.hold(claimed)
    found = SyncRequest.objects.select_related("company").in_bulk(claimed)
    return [found[pk] for pk in claimed if pk in found]


def _writes_serialized() -> bool:
    """Whether a transaction here holds the database's only write lock from its first statement
    (SQLite with ``BEGIN IMMEDIATE``, as settings.py configures it)."""
    return (
        connection.vendor == "sqlite"
        and connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") == "IMMEDIATE"
    )


def _claim(request_id: int) -> SyncRequest | None:
    """Lease one request (see ``claim``), or None when it is not there to take."""
    taken = claim([request_id])
    return taken[0] if taken else None


def backoff(attempt: int, outcome: QBOError | None = None) -> timedelta:
    """Exponential with jitter from ``RETRY_BASE_SECONDS`` (2 s, 4 s, 8 s …) up to
    ``RETRY_MAX_SECONDS``. After an unknown outcome, never sooner than the client's timeout: the
    lost write may still be on its way, and the next try looks for it before writing again."""
    base, cap = settings.QBO["RETRY_BASE_SECONDS"], settings.QBO["RETRY_MAX_SECONDS"]
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if isinstance(outcome, UnknownOutcomeError):
        delay = max(delay, float(settings.QBO["TIMEOUT"]))
    return timedelta(seconds=delay)


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
    return exporter.push(document)


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
    """Record a finished try: done, retry later, paused, or failed (a person must act)."""
    request.attempts += 1
    if isinstance(outcome, AuthorizationLostError):
        _finish(request, attempt, SyncRequest.Status.PAUSED, "paused", error=outcome)
    elif isinstance(outcome, RetryableError):
        if request.attempts >= settings.QBO["MAX_ATTEMPTS"]:
            _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=outcome)
        else:
            request.next_attempt_at = timezone.now() + backoff(request.attempts, outcome)
            _finish(request, attempt, SyncRequest.Status.PENDING, "retry", error=outcome)
    elif isinstance(outcome, QBOError):
        _finish(request, attempt, SyncRequest.Status.FAILED, "failed", error=outcome)
    else:
        attempt.qbo_entity, attempt.qbo_id, attempt.requestid = (
            outcome.qbo_entity,
            outcome.qbo_id,
            outcome.requestid,
        )
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
    request.lease_expires_at = None
    with transaction.atomic():  # the outcome and its announcement (webhooks) commit together
        finished = status in (SyncRequest.Status.DONE, SyncRequest.Status.FAILED)
        if _asked_again(request) and finished:
            # The document changed (or was synced again) while this run had it: once more, with
            # tries of its own. (A retry runs again anyway, at its time; paused work waits.)
            status, request.attempts = SyncRequest.Status.PENDING, 0
            request.next_attempt_at = timezone.now()
        request.status = status
        request.asked_again = False
        if status in (SyncRequest.Status.DONE, SyncRequest.Status.FAILED):
            request.finished_at = timezone.now()
        request.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "finished_at",
                "lease_expires_at",
                "asked_again",
            ]
        )
        announcements.sync_settled(request, outcome=outcome)
    keeper.release([request.pk])


def _asked_again(request: SyncRequest) -> bool:
    """Whether someone asked for this document again while it ran — read with the row locked,
    so an ask that comes later waits for this run's end and then opens a new request."""
    return bool(
        SyncRequest.objects.select_for_update()
        .filter(pk=request.pk)
        .values_list("asked_again", flat=True)
        .first()
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
    moves, documents whose earlier create may have reached QBO) goes through the one-by-one path.

    1. Claim the next 30 due requests only — what is about to be sent, so a worker that dies
       strands at most one chunk, and other workers take the rest meanwhile.
    2. Per company: resolve the chunk's partners at once (queries by name, batch creates).
    3. Prepare each document; create the new ones in one batch call; settle every request.
    """
    claimed: list[SyncRequest] = []
    for start in range(0, len(request_ids), BATCH_SIZE):
        chunk = claim(request_ids[start : start + BATCH_SIZE])
        by_company: dict[int, list[SyncRequest]] = {}
        for request in chunk:
            by_company.setdefault(request.company_id, []).append(request)
        for requests in by_company.values():
            _process_company_batch(requests, config)
        claimed.extend(chunk)
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
        keys = {request.pk: (request.kind, request.local_id) for request in requests}
        found = documents.load_many(company=company, keys=keys.values())
        loaded = {pk: found.get(key) for pk, key in keys.items()}
        rows = bindings.rows_of(company=company, keys=keys.values())
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
            row = rows.get(keys[request.pk])
            try:
                if request.action != SyncRequest.Action.PUSH or bindings.awaits_answer(row):
                    outcome = _run(exporter, request, document)
                else:
                    prepared = exporter.prepare(document, row=row)
                    if isinstance(prepared, Prepared) and prepared.binding is None:
                        creates.append((request, attempt, prepared))
                        continue
                    outcome = exporter.push(document)
            except QBOError as exc:
                outcome = exc
            _settle(request, attempt, outcome)
            attempt.save()
        for start in range(0, len(creates), BATCH_SIZE):
            chunk = creates[start : start + BATCH_SIZE]
            prepared = [p for _, _, p in chunk]
            outcomes = _create_in_lanes(exporter, client, prepared)
            exporter.payments.prime(p.doc.local_id for p in prepared if p.kind == documents.INVOICE)
            for (request, attempt, _), outcome in zip(chunk, outcomes, strict=True):
                if not isinstance(outcome, QBOError):
                    try:
                        outcome = exporter.bring_along(loaded[request.pk], outcome)
                    except QBOError as exc:
                        outcome = exc
                attempt.api_calls = 1
                _settle(request, attempt, outcome)
                attempt.duration_ms = int((time.monotonic() - clock) * 1000)
                attempt.save()
    finally:
        client.close()


class SingleLane:
    """Seats for the threads of this process that create documents one call each while a bulk
    sync is under way. QuickBooks' ceiling needs both lanes busy at once: batch calls alone spend
    their 40 a minute in the first seconds and leave the request budget idle, and while every
    thread is filling a batch call nobody sends single creates. A thread holding a seat sends
    its documents one by one even when the batch window has room; the others only ever send
    batch calls, waiting for the batch window when it is full, so that every batch call carries
    a whole chunk."""

    MOST = 3  # enough to keep QuickBooks' 10 calls a second going at 150 ms a call

    def __init__(self):
        self.taken = 0
        self._lock = threading.Lock()

    @property
    def seats(self) -> int:
        """Three, or fewer when the worker runs fewer than six threads: at least as many are
        left for the batch lane (a worker of one thread has no seat and works as it can)."""
        return min(self.MOST, int(settings.HUEY.get("consumer", {}).get("workers", 1)) // 2)

    @contextmanager
    def seat(self, wanted: bool = True):
        """Yields whether this thread got a seat (never when not ``wanted`` or all are taken)."""
        with self._lock:
            got = wanted and self.taken < self.seats
            self.taken += got
        try:
            yield got
        finally:
            if got:
                with self._lock:
                    self.taken -= 1


SINGLE_LANE = SingleLane()
# The lanes split once a bulk sync has sent this many batch calls this minute (smaller syncs go
# 30 to a call).
BULK_UNDER_WAY = 10


def _create_in_lanes(exporter: Exporter, client: QBOClient, prepared: list[Prepared]) -> list:
    """Create new documents in two lanes: 30 to a batch call from the realm's batch budget (40
    calls a minute), and one call each from the request budget the batch calls leave (500 a
    minute in all). QuickBooks' ceiling is reached only with both busy: 40 × 30 + 460 = 1,660
    documents a minute (bench/bulk.py).

    Outside a bulk sync a chunk goes as one batch call while the batch window has room, and one
    by one while it has none (sending the rest as one batch call as soon as a slot frees up). In
    a bulk sync the threads split (``SingleLane``): a few create one by one, the rest wait for the
    batch window with whole chunks (a worker of one thread goes on as outside). A lone document
    goes alone."""
    outcomes: list = [None] * len(prepared)
    waiting = list(range(len(prepared)))
    bulk = len(waiting) > 1 and _bulk_under_way(client)
    split = bulk and SINGLE_LANE.seats > 0  # else no thread would be creating one by one
    with SINGLE_LANE.seat(wanted=bulk) as seated:
        while waiting:
            if len(waiting) > 1 and not seated and client.take_batch_slot(wait=split):
                try:
                    results = exporter.create_batch([prepared[i] for i in waiting])
                except QBOError as exc:
                    results = [exc] * len(waiting)
                for i, result in zip(waiting, results, strict=True):
                    outcomes[i] = result
                break
            i = waiting.pop(0)
            outcomes[i] = exporter.create_each([prepared[i]])[0]
    return outcomes


def _bulk_under_way(client: QBOClient) -> bool:
    return ratelimit.recent_calls(client.realm_id).get("batch", 0) >= BULK_UNDER_WAY


def reclaim_lapsed(now=None) -> int:
    """Requests whose worker stopped renewing its lease (it died) go back to the queue. What it
    may have sent is known from the documents' links ("create sent"), not from the request."""
    now = now or timezone.now()
    return (
        SyncRequest.objects.filter(status=SyncRequest.Status.RUNNING)
        .filter(
            Q(lease_expires_at__lt=now)
            | Q(lease_expires_at__isnull=True, claimed_at__lt=now - lease_length())
        )
        .update(
            status=SyncRequest.Status.PENDING, next_attempt_at=now, claimed_by="", asked_again=False
        )
    )


def due_request_ids(limit: int = 500, *, now=None) -> list[int]:
    """For the periodic sweep: lapsed claims are reclaimed; then the pending work that is due."""
    now = now or timezone.now()
    reclaim_lapsed(now)
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

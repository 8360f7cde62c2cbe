"""Huey tasks and the worker's schedule. The queue carries only wake-ups: the state lives in the
outbox's rows, and the sweep re-enqueues anything pending or due, so a lost message delays work and
never loses it. This module calls the worker and the inbound side; they never import it back."""

import logging
from datetime import timedelta

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, on_startup

from cellbooks.core.coalesce import Coalescer

from . import inbound, retention, worker
from .leases import keeper, lease_length

log = logging.getLogger(__name__)

WAKE_CHUNK = 90  # three batch calls' worth per task, so several workers share a bulk sync

# What a free worker thread takes first: what QuickBooks told us (a payment: seconds matter), then
# what a person is waiting for (one document's Sync, a retry), before a bulk sync's next chunk —
# so neither waits behind thousands of documents.
FIRST, SOON = 20, 10


def wake(request_ids: list[int]) -> None:
    """Ask a worker to carry out these sync requests (a lone one alone, many in chunks)."""
    if len(request_ids) == 1:
        run_sync_request(request_ids[0])
        return
    for start in range(0, len(request_ids), WAKE_CHUNK):
        run_sync_batch(request_ids[start : start + WAKE_CHUNK])


def wake_new_webhook_events(dedupe_keys: list[str]) -> None:
    """The webhook endpoint stored these events: a worker applies them soon. The wake-ups of the
    deliveries a web process takes meanwhile are coalesced into one task (one queue message, sent
    by a thread of the process, not by the request); a process that dies before sending leaves
    the events "received", and the payment sweep applies those every minute. When the queue runs
    tasks at once (tests, ``HUEY_IMMEDIATE``) the events are applied here and now."""
    if HUEY.immediate:
        apply_webhook_events([], list(dedupe_keys))
    else:
        _webhook_wakeups.add(dedupe_keys)


@on_startup()
def keep_leases():
    """A worker process renews the leases on the sync requests it holds while it lives. A worker
    that starts — often a restart after a crash — also sweeps once more a lease later; and every
    renewal hands other workers' lapsed leases back (``hand_back_lapsed``)."""
    if keeper.start_renewing(after_renewing=hand_back_lapsed):
        sweep_sync_requests.schedule(delay=lease_length().total_seconds() + 1)


def hand_back_lapsed() -> int:
    """Run by every worker's lease keeper (a third of a lease apart): claims whose worker stopped
    renewing them (it died) go back to the queue and a sweep is enqueued to wake a worker for
    them, so a dead worker's share of a bulk sync resumes within about a lease, not a minute."""
    reclaimed = worker.reclaim_lapsed()
    if reclaimed:
        log.info("%d sync request(s) of a stopped worker are back in the queue", reclaimed)
        sweep_sync_requests()
    return reclaimed


def wake_retries(requests) -> None:
    """Requests that will try again: wake a worker when each is due (grouped by the second), so a
    retry happens at its time rather than at the next minute's sweep — which stays the safety net
    for a wake-up that is lost."""
    due: dict = {}
    for request in requests:
        if request is not None and request.status == request.Status.PENDING:
            eta = request.next_attempt_at.replace(microsecond=0) + timedelta(seconds=1)
            due.setdefault(eta, []).append(request.pk)
    for eta, ids in due.items():
        if len(ids) == 1:
            run_sync_request.schedule(args=(ids[0],), eta=eta)
        else:
            run_sync_batch.schedule(args=(ids,), eta=eta)


@db_task(priority=SOON)
def run_sync_request(request_id: int):
    wake_retries([worker.process_request(request_id)])


@db_task()
def run_sync_batch(request_ids: list[int]):
    wake_retries(worker.process_batch(request_ids))


@db_periodic_task(crontab(minute="*"))
def sweep_sync_requests():
    ids = worker.due_request_ids()
    for start in range(0, len(ids), WAKE_CHUNK):
        run_sync_batch(ids[start : start + WAKE_CHUNK])
    if ids:
        log.info("Sync sweep re-enqueued %d request(s)", len(ids))


@db_task(priority=FIRST)
def apply_webhook_events(event_ids: list[int], dedupe_keys: list[str] | None = None):
    inbound.process_events(event_ids, dedupe_keys=dedupe_keys)


# Chunks of 500 keys: a task's message stays a few tens of kilobytes.
_webhook_wakeups = Coalescer(
    lambda keys: apply_webhook_events([], keys), name="webhook-events", max_batch=500
)


@db_periodic_task(crontab(minute="*"))
def sweep_payments():
    """Change-data-capture sweep for every connection that is due (``settings.QBO["SWEEP_MINUTES"]``),
    plus webhook events left unapplied (e.g. received while the connection needed reconnecting)."""
    inbound.sweep_due_connections(interval=timedelta(minutes=settings.QBO["SWEEP_MINUTES"]))


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_history():
    """Once a day: forget sync history and webhook events older than the retention period."""
    pruned = retention.prune()
    log.info("Pruned QuickBooks history: %s", pruned)

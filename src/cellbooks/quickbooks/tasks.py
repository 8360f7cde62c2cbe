"""Huey tasks. The queue carries only wake-ups: the state lives in SyncRequest rows, and the
periodic sweep re-enqueues anything pending or due, so a lost message delays work, never loses it."""

import logging
import os
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_task()
def run_sync_request(request_id: int):
    from .sync import process_request

    process_request(request_id)


@db_task()
def run_sync_batch(request_ids: list[int]):
    from .sync import process_batch

    process_batch(request_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_sync_requests():
    from .sync import due_request_ids

    ids = due_request_ids()
    for start in range(0, len(ids), 90):
        run_sync_batch(ids[start : start + 90])
    if ids:
        log.info("Sync sweep re-enqueued %d request(s)", len(ids))


@db_task()
def apply_webhook_events(event_ids: list[int]):
    from .payments import process_events

    process_events(event_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_payments():
    """Change-data-capture sweep for every connection that is due (QBO_SWEEP_MINUTES, default 5),
    plus webhook events left unapplied (e.g. received while the connection needed reconnecting)."""
    from .errors import QBOError
    from .models import WebhookEvent
    from .payments import due_connections, process_events, sweep_connection

    interval = timedelta(minutes=float(os.environ.get("QBO_SWEEP_MINUTES", "5")))
    for connection in due_connections(interval=interval):
        try:
            sweep_connection(connection)
        except QBOError as exc:
            log.warning("Payment sweep for %s failed: %s", connection, exc)
    leftover = list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).values_list(
            "pk", flat=True
        )[:1000]
    )
    if leftover:
        process_events(leftover)

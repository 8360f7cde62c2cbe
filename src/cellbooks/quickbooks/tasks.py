"""Huey tasks. The queue carries only wake-ups: the state lives in SyncRequest rows, and the
periodic sweep re-enqueues anything pending or due, so a lost message delays work, never loses it."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_task()
def run_sync_request(request_id: int):
    from .sync import process_request

    process_request(request_id)


@db_periodic_task(crontab(minute="*"))
def sweep_sync_requests():
    from .sync import due_request_ids

    ids = due_request_ids()
    for request_id in ids:
        run_sync_request(request_id)
    if ids:
        log.info("Sync sweep re-enqueued %d request(s)", len(ids))

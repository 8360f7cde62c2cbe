"""The REST API's housekeeping on the worker: forget Idempotency-Keys older than 24 hours."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import idempotency

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="23"))
def prune_idempotency_keys():
    """Hourly: a key is honoured for 24 hours, then its stored answer is deleted."""
    pruned = idempotency.prune()
    if pruned:
        log.info("Forgot %d Idempotency-Keys older than 24 hours", pruned)

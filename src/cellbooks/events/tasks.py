"""Huey tasks: send deliveries when the action that wrote them commits, sweep for anything due or
abandoned every minute, forget old events once a day. The queue carries only wake-ups; the state
is in the deliveries' rows, so a lost message only delays a delivery."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import delivery

log = logging.getLogger(__name__)
WAKE_CHUNK = 50


def wake(delivery_ids: list[int]) -> None:
    for start in range(0, len(delivery_ids), WAKE_CHUNK):
        send_webhooks(delivery_ids[start : start + WAKE_CHUNK])


@db_task(priority=10)  # like one document's sync: before a bulk sync's next chunk
def send_webhooks(delivery_ids: list[int]):
    delivery.process(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_webhooks():
    ids = delivery.due_ids()
    wake(ids)
    if ids:
        log.info("Webhook sweep re-enqueued %d deliveries", len(ids))


@db_periodic_task(crontab(minute="41", hour="3"))
def prune_webhook_events():
    log.info("Pruned %d old webhook events", delivery.prune())

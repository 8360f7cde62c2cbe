"""A free worker thread takes what QuickBooks told us first, then what a person is waiting for,
then a bulk sync's next chunk: a payment or one document's Sync never waits behind thousands of
documents. Checked on the queue storage the embedded install uses (SQLite), with the priorities
the tasks really carry; with REDIS_URL the queue is Redis' sorted-set one (PriorityRedisHuey,
test_deployment_settings.py), which honours them too, and the workers test runs on it."""

import huey

from cellbooks.events import tasks as event_tasks
from cellbooks.quickbooks import tasks


def test_a_payment_and_a_click_go_before_a_bulk_syncs_chunks(tmp_path):
    queue = huey.SqliteHuey(filename=str(tmp_path / "queue.db")).storage
    queued = [
        (b"chunk 1", tasks.run_sync_batch.s([1, 2, 3])),
        (b"chunk 2", tasks.run_sync_batch.s([4, 5, 6])),
        (b"one document", tasks.run_sync_request.s(7)),
        (b"webhook out", event_tasks.send_webhooks.s([8])),
        (b"chunk 3", tasks.run_sync_batch.s([9])),
        (b"payment from QuickBooks", tasks.apply_webhook_events.s([10])),
    ]
    for label, task in queued:
        queue.enqueue(label, task.priority)

    taken = [queue.dequeue() for _ in queued]

    assert taken[0] == b"payment from QuickBooks"
    assert set(taken[1:3]) == {b"one document", b"webhook out"}
    assert taken[3:] == [b"chunk 1", b"chunk 2", b"chunk 3"]  # in order among themselves

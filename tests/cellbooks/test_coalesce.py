"""cellbooks.core.coalesce: wake-ups named by many threads are handed on by one thread, in
batches, every item exactly once — and an item added while a batch is being sent is never left
behind."""

import threading

from waiting import wait_for

from cellbooks.core.coalesce import Coalescer


class Recorder:
    """A ``send`` that keeps every batch it was given (and can be made to fail or to wait)."""

    def __init__(self):
        self.batches: list[list] = []
        self.lock = threading.Lock()

    def __call__(self, batch):
        with self.lock:
            self.batches.append(list(batch))

    def items(self) -> list:
        with self.lock:
            return [item for batch in self.batches for item in batch]


def test_a_burst_from_many_threads_is_handed_on_whole_and_nothing_twice():
    sent = Recorder()
    coalescer = Coalescer(sent, name="test-burst")
    expected = [f"t{t}-{n}" for t in range(8) for n in range(250)]

    def producer(t):
        for n in range(250):
            coalescer.add([f"t{t}-{n}"])

    threads = [threading.Thread(target=producer, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: len(sent.items()) >= len(expected), what="all 2,000 items to be sent")

    assert sorted(sent.items()) == sorted(expected)  # each exactly once
    assert all(sent.batches)  # no empty message


def test_items_added_while_a_batch_is_being_sent_go_together_in_the_next_one():
    started, release = threading.Event(), threading.Event()
    batches = []

    def slow_send(batch):
        batches.append(list(batch))
        started.set()
        assert release.wait(15)

    coalescer = Coalescer(slow_send, name="test-slow")
    coalescer.add(["first"])
    assert started.wait(15)  # the thread took ["first"] and is sending it
    coalescer.add(["a", "b"])
    coalescer.add(["c"])
    release.set()
    wait_for(lambda: len(batches) == 2, what="the second batch")

    assert batches == [["first"], ["a", "b", "c"]]


def test_large_batches_are_sent_in_chunks():
    sent = Recorder()
    coalescer = Coalescer(sent, name="test-chunks", max_batch=3)
    coalescer._pending.extend(range(8))  # as if added while the thread was busy
    coalescer.flush()

    assert sent.batches == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_a_failed_send_is_logged_and_later_items_are_still_sent(caplog):
    sent = Recorder()
    failures = []

    def flaky(batch):
        if not failures:
            failures.append(batch)
            raise ConnectionError("queue unreachable")
        sent(batch)

    coalescer = Coalescer(flaky, name="test-flaky")
    coalescer.add(["lost"])
    wait_for(lambda: failures, what="the first send to fail")
    coalescer.add(["next"])
    wait_for(lambda: sent.items() == ["next"], what="the next item to be sent")

    assert failures == [["lost"]]
    assert "Could not hand on 1 test-flaky wake-up(s)" in caplog.text

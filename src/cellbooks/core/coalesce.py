"""Coalesced wake-ups: many requests name work, one background thread hands it on in batches.

A web process that answers hundreds of requests a second should not pay a queue round trip for
each of them when one message can name the work of all the requests that came in meanwhile.
``Coalescer.add(items)`` only appends to a list and wakes the process's sender thread; the thread
takes everything added so far and calls ``send`` with it (in chunks of ``max_batch``), then looks
again. Anything added after it took its batch wakes it again, so nothing added is ever left
behind while the process lives. An idle process sends at once; a busy one sends at most once
every ``interval`` seconds (what comes in meanwhile waits at most that long, and goes together).

What the batches name must already be stored durably by the caller (the queue carries wake-ups,
not the work): a batch lost with its process, or whose ``send`` failed, is found by the
caller's periodic sweep of stored work.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


class Coalescer:
    def __init__(
        self,
        send: Callable[[list], None],
        *,
        name: str,
        max_batch: int = 500,
        interval: float = 0.02,
    ):
        self._send = send
        self._name = name
        self._max_batch = max_batch
        self._interval = interval
        self._last_sent = 0.0
        self._pending: list = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        atexit.register(self.flush)

    def add(self, items: Iterable) -> None:
        """Name more work; returns at once (the sender thread hands it on)."""
        with self._lock:
            self._pending.extend(items)
            if self._thread is None or self._pid != os.getpid():
                # First use in this process (a forked web worker has no thread of its parent).
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name=f"coalesce-{self._name}", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def flush(self) -> None:
        """Hand on whatever is waiting now, in this thread (at exit, and in tests)."""
        self._send_batches(self._take())

    def _take(self) -> list:
        with self._lock:
            batch, self._pending = self._pending, []
        return batch

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if (pause := self._last_sent + self._interval - time.monotonic()) > 0:
                time.sleep(pause)  # busy: let more come in, so that they go together
            self._wake.clear()  # before taking: whatever is added after the take wakes us again
            self._send_batches(self._take())
            self._last_sent = time.monotonic()

    def _send_batches(self, items: list) -> None:
        for start in range(0, len(items), self._max_batch):
            chunk = items[start : start + self._max_batch]
            try:
                self._send(chunk)
            except Exception:  # the work is stored: the caller's sweep picks it up
                log.exception("Could not hand on %d %s wake-up(s)", len(chunk), self._name)

"""Claims are leases: a worker holds the sync requests it is working on for a short while and
renews them as long as it lives; when a worker dies, its leases lapse and any live worker hands
the requests back to the queue at its next renewal (the minute sweep does too).

One daemon thread per worker process renews every lease the process holds (started from the
worker's startup hook in tasks.py); code that runs requests inline — tests, the ``qbo_sync``
command — holds leases too, short enough not to need renewing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import SyncRequest

log = logging.getLogger(__name__)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.QBO["LEASE_SECONDS"])


def holder() -> str:
    """Who holds a lease: this process on this machine."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class LeaseKeeper:
    def __init__(self):
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._after_renewing = None

    def hold(self, request_ids) -> None:
        with self._lock:
            self._held.update(request_ids)

    def release(self, request_ids) -> None:
        with self._lock:
            self._held.difference_update(request_ids)

    def held(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def renew(self) -> int:
        """Extend the leases this process holds; returns how many rows it renewed."""
        ids = self.held()
        if not ids:
            return 0
        return SyncRequest.objects.filter(
            pk__in=ids, status=SyncRequest.Status.RUNNING, claimed_by=holder()
        ).update(lease_expires_at=timezone.now() + lease_length())

    def start_renewing(self, after_renewing=None) -> bool:
        """Start the renewing thread once per process (a third of a lease between renewals);
        True for the call that started it. ``after_renewing()`` runs after each renewal (the
        worker hands other processes' lapsed leases back to the queue there)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._after_renewing = after_renewing
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()
            return True

    def _run(self) -> None:
        interval = lease_length().total_seconds() / 3
        stop = threading.Event()
        while not stop.wait(interval):
            try:
                close_old_connections()
                self.renew()
                if self._after_renewing is not None:
                    self._after_renewing()
            except Exception:  # a database hiccup must not kill the keeper; the next round retries
                log.exception("Could not renew sync leases")
            finally:
                connection.close()


keeper = LeaseKeeper()

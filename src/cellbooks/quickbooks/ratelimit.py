"""Keep every worker, in every process and on every machine, within QuickBooks' limits for a realm.

QBO allows 500 requests a minute and 10 a second per realm and app, and 40 batch requests a minute
(which also count as requests), and counts them in **sliding windows**. So does this limiter: for
each realm and limit a row keeps the log of the calls sent within its window, and a call may go
when every window it counts in has room — all of them checked and written in one short transaction
(row locks on PostgreSQL, the write lock on SQLite), so every worker shares one budget. Waiting
happens outside the transaction.

Unlike a token bucket, a sliding window lets a quiet realm's calls go at once, up to the limit
(QuickBooks allows 500 in the first second of a minute if the 10/s limit did not bind), and never
lets more than the limit into any window. Each window is kept a little longer than QuickBooks'
(``MARGIN``) so that a call logged here just before the window turns cannot arrive there just
after it: the limiter never draws a 429.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .models import RateBucket

# How much longer than QuickBooks' each window is kept (seconds before scaling): the time between
# logging a call here and QuickBooks counting it varies with the machine's load and the network.
MARGIN = {"second": 0.2, "minute": 1.0, "batch": 1.0}


@dataclass(frozen=True)
class Limit:
    name: str
    calls: int
    window: float  # seconds, margin included


def limits() -> dict[str, Limit]:
    """The limits in force; ``settings.QBO["RATE_SCALE"]`` > 1 shortens the windows (to match an
    emulator whose time runs faster in benchmarks)."""
    scale = float(settings.QBO["RATE_SCALE"])
    return {
        "second": Limit("second", 10, (1 + MARGIN["second"]) / scale),
        "minute": Limit("minute", 500, (60 + MARGIN["minute"]) / scale),
        "batch": Limit("batch", 40, (60 + MARGIN["batch"]) / scale),
    }


def enabled() -> bool:
    return bool(settings.QBO["RATE_LIMITS"])


def _names(batch: bool) -> list[str]:
    return ["batch", "minute", "second"] if batch else ["minute", "second"]  # sorted: lock order


def _rows(realm_id: str, names: list[str]) -> dict[str, RateBucket]:
    rows = RateBucket.objects.select_for_update().filter(realm_id=realm_id, name__in=names)
    found = {row.name: row for row in rows.order_by("name")}
    if len(found) < len(names):
        RateBucket.objects.bulk_create(
            [RateBucket(realm_id=realm_id, name=n, log=[]) for n in names if n not in found],
            ignore_conflicts=True,  # another worker created it meanwhile: lock theirs
        )
        found = {row.name: row for row in rows.order_by("name")}
    return found


def _try_take(
    realm_id: str,
    names: list[str],
    now: float,
    replacing: float | None = None,
) -> dict[str, float]:
    """Log a call at ``now`` in every window of ``names`` if each has room, and return {}.
    Otherwise log nothing and return, for each full window, the seconds until it has room.
    ``replacing``: the time of room taken ahead for this same call, which is not counted and is
    taken out of the logs when the call is logged at ``now``."""
    configured = limits()
    with transaction.atomic():
        rows = _rows(realm_id, names)
        full: dict[str, float] = {}
        logs = {}
        for name in names:
            limit = configured[name]
            log = list(rows[name].log)
            if replacing is not None and replacing in log:
                log.remove(replacing)
            log = [t for t in log if t > now - limit.window]
            logs[name] = log
            if len(log) >= limit.calls:
                # The call that must leave the window first to make room for one more.
                full[name] = log[len(log) - limit.calls] + limit.window - now
        if full:
            return full
        for name in names:
            bisect.insort(logs[name], now)
            RateBucket.objects.filter(pk=rows[name].pk).update(log=logs[name])
        return {}


def acquire(
    realm_id: str,
    *,
    batch: bool = False,
    wait: bool = True,
    unless_batch_full: bool = False,
    timeout: float = 120.0,
    replacing: float | None = None,
) -> bool:
    """Take room for one call (a batch call when ``batch``) in this realm's windows, waiting until
    there is some, and return the time it was logged at (True when limits are off).
    ``wait=False``: take it only if there is room now. ``unless_batch_full``: wait for the request
    windows, but return False at once while the batch window is full (the worker then creates
    documents one by one instead). ``replacing``: see ``restamp``."""
    if not enabled():
        return True
    names = _names(batch)
    waited = 0.0
    while True:
        now = time.time()
        full = _try_take(realm_id, names, now, replacing)
        if not full:
            return now  # the time it is logged at (truthy): ``restamp`` moves it to the send
        if not wait or (unless_batch_full and "batch" in full):
            return False
        delay = max(full.values())
        if waited + delay > timeout:
            raise TimeoutError(f"waited {waited:.1f}s for QuickBooks' rate limit")
        time.sleep(delay)
        waited += delay


def restamp(realm_id: str, *, batch: bool, logged_at: float) -> None:
    """Room taken ahead (``acquire`` at ``logged_at``) is about to be used: log the call now
    instead, so the windows hold the time it is really sent, as QuickBooks counts it. Room that
    was free then may not be now (other calls went meanwhile): then it waits, like ``acquire``,
    without counting the room it took ahead — so no window ever holds more than its limit."""
    if enabled() and logged_at is not True:
        acquire(realm_id, batch=batch, replacing=logged_at)


def recent_calls(realm_id: str) -> dict[str, int]:
    """How many calls each window holds now (the QuickBooks page and tests)."""
    now = time.time()
    configured = limits()
    return {
        row.name: sum(1 for t in row.log if t > now - configured[row.name].window)
        for row in RateBucket.objects.filter(realm_id=realm_id)
        if row.name in configured
    }

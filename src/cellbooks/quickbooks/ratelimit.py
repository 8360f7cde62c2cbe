"""Keep every worker, in every process and on every machine, within QuickBooks' limits for a realm.

QBO allows 500 requests a minute and 10 a second per realm and app, and 40 batch requests a minute
(which also count as requests), and counts them in **sliding windows** as they arrive. So does this
limiter: for each realm and limit a row keeps the log of the calls that may still share a window
with the next one, and a call may go when every window it counts in has room — all of them checked
and written in one short transaction (row locks on PostgreSQL, the write lock on SQLite), so every
worker shares one budget. Waiting happens outside the transaction.

When QuickBooks counts a call is not known here, only that it is after the call was let go
(``acquire``) and before its answer came back (``landed``): the machine's load, the network and
QuickBooks' own queue move it anywhere in between. So each call is logged as that interval, and
counts against a window from the moment it is let go until a whole window after its answer
(while it is in flight, it counts). A call let go while fewer than the limit are counted can
never be QuickBooks' limit-plus-first in any window, however late the calls around it arrive:
the limiter never draws a 429 because of timing.

Unlike a token bucket, a sliding window lets a quiet realm's calls go at once, up to the limit
(QuickBooks allows 500 in the first seconds of a minute if the 10/s limit does not bind).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .models import RateBucket

# Added to each window (seconds, before scaling): our clock and QuickBooks' need not tick alike.
MARGIN = 0.05


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
        "second": Limit("second", 10, (1 + MARGIN) / scale),
        "minute": Limit("minute", 500, (60 + MARGIN) / scale),
        "batch": Limit("batch", 40, (60 + MARGIN) / scale),
    }


def enabled() -> bool:
    return bool(settings.QBO["RATE_LIMITS"])


def _names(batch: bool) -> list[str]:
    return ["batch", "minute", "second"] if batch else ["minute", "second"]  # sorted: lock order


def _abandoned_after() -> float:
    """A call still in flight this long after it was let go was lost with its worker (a call
    that times out is marked landed as it fails): it stops counting then."""
    return 2 * float(settings.QBO["TIMEOUT"]) + 60


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


def _counting(log: list, now: float, window: float) -> list[list]:
    """The calls of ``log`` ([let go, answered or None]) that may share a window with a call let
    go at ``now``: every one still in flight, and those answered less than a window ago."""
    stale = now - _abandoned_after()
    return [
        entry
        for entry in log
        if (entry[1] is None and entry[0] > stale)
        or (entry[1] is not None and entry[1] > now - window)
    ]


def _room_in(log: list[list], limit: Limit, now: float) -> float:
    """Seconds until a window holding ``log`` (full) has room for one more: when enough answered
    calls have left it. A call in flight leaves a whole window after its answer at the earliest,
    so when too many are in flight, look again a window from now."""
    leaving = sorted(end + limit.window for _, end in log if end is not None)
    needed = len(log) - limit.calls + 1
    if len(leaving) >= needed:
        return max(leaving[needed - 1] - now, 0.001)
    return limit.window


def _try_take(realm_id: str, names: list[str], now: float) -> tuple[float | None, dict[str, float]]:
    """Log a call let go at ``now`` in every window of ``names`` if each has room: return its
    ticket. Otherwise log nothing and return, for each full window, the seconds until it has room."""
    configured = limits()
    with transaction.atomic():
        rows = _rows(realm_id, names)
        full: dict[str, float] = {}
        logs = {}
        for name in names:
            limit = configured[name]
            logs[name] = _counting(rows[name].log, now, limit.window)
            if len(logs[name]) >= limit.calls:
                full[name] = _room_in(logs[name], limit, now)
        if full:
            return None, full
        ticket = now
        while any(entry[0] == ticket for name in names for entry in logs[name]):
            ticket += 1e-6  # two calls let go in the same microsecond stay two entries
        for name in names:
            RateBucket.objects.filter(pk=rows[name].pk).update(log=[*logs[name], [ticket, None]])
        return ticket, {}


def acquire(
    realm_id: str,
    *,
    batch: bool = False,
    wait: bool = True,
    unless_batch_full: bool = False,
    timeout: float = 120.0,
) -> float | bool:
    """Take room for one call (a batch call when ``batch``) in this realm's windows, waiting until
    there is some, and return its ticket (True when limits are off): hand it to ``landed`` when
    the answer is in. ``wait=False``: take it only if there is room now. ``unless_batch_full``:
    wait for the request windows, but return False at once while the batch window is full (the
    worker then creates documents one by one instead)."""
    if not enabled():
        return True
    names = _names(batch)
    waited = 0.0
    while True:
        ticket, full = _try_take(realm_id, names, time.time())
        if ticket is not None:
            return ticket
        if not wait or (unless_batch_full and "batch" in full):
            return False
        delay = max(full.values())
        if waited + delay > timeout:
            raise TimeoutError(f"waited {waited:.1f}s for QuickBooks' rate limit")
        time.sleep(delay)
        waited += delay


def landed(realm_id: str, ticket: float | bool, *, batch: bool) -> None:
    """The call let go with ``ticket`` is answered (or failed, or was never sent): from now on it
    counts for one more window, then leaves."""
    if not enabled() or ticket is True or ticket is False:
        return
    now = time.time()
    with transaction.atomic():
        rows = _rows(realm_id, _names(batch))
        for row in rows.values():
            log = [
                [start, now] if start == ticket and end is None else [start, end]
                for start, end in row.log
            ]
            RateBucket.objects.filter(pk=row.pk).update(log=log)


def recent_calls(realm_id: str) -> dict[str, int]:
    """How many calls each window counts now (the QuickBooks page and tests)."""
    now = time.time()
    configured = limits()
    return {
        row.name: len(_counting(row.log, now, configured[row.name].window))
        for row in RateBucket.objects.filter(realm_id=realm_id)
        if row.name in configured
    }

"""Keep every worker, in every process, within QuickBooks' limits for a realm.

QBO allows 500 requests a minute and 10 a second per realm and app, and 40 batch requests a minute
(facts §8.1). Each limit is a token bucket row in the database; taking a token is a short
transaction (row lock on PostgreSQL, the write lock on SQLite), so all workers share the budget.
Waiting happens outside the transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import RateBucket


@dataclass(frozen=True)
class Limit:
    name: str
    capacity: float
    per_second: float


def limits() -> dict[str, Limit]:
    """The limits in force; ``settings.QBO["RATE_SCALE"]`` > 1 multiplies them (to match an
    emulator whose time runs faster in benchmarks)."""
    scale = float(settings.QBO["RATE_SCALE"])
    # A token bucket lets capacity + rate x window through in any window, and QBO counts sliding
    # windows: a full bucket of 10 let 11+ requests into one second (429 on saving the settings),
    # one of 500 would let ~1000 into the first minute. A capacity of one token keeps every window
    # within its limit; the price is no bursts (steady 8.3 requests/s, QBO's minute limit anyway).
    return {
        "second": Limit("second", 1, 10 * scale),
        "minute": Limit("minute", 1, 500 / 60 * scale),
        "batch": Limit("batch", 1, 40 / 60 * scale),
    }


def enabled() -> bool:
    return bool(settings.QBO["RATE_LIMITS"])


def _take(realm_id: str, limit: Limit) -> float:
    """Take one token if there is one; else return how long to wait for it."""
    now = time.time()
    with transaction.atomic():
        bucket = (
            RateBucket.objects.select_for_update()
            .filter(realm_id=realm_id, name=limit.name)
            .first()
        )
        if bucket is None:
            try:
                with transaction.atomic():
                    RateBucket.objects.create(
                        realm_id=realm_id, name=limit.name, tokens=limit.capacity - 1, updated=now
                    )
                return 0.0
            except IntegrityError:
                bucket = RateBucket.objects.select_for_update().get(
                    realm_id=realm_id, name=limit.name
                )
        tokens = min(limit.capacity, bucket.tokens + (now - bucket.updated) * limit.per_second)
        if tokens >= 1:
            RateBucket.objects.filter(pk=bucket.pk).update(tokens=tokens - 1, updated=now)
            return 0.0
        return (1 - tokens) / limit.per_second


def acquire(realm_id: str, *, batch: bool = False, timeout: float = 120.0) -> float:
    """Block until this realm may send one more request; return the seconds waited."""
    if not enabled():
        return 0.0
    names = ["second", "minute", "batch"] if batch else ["second", "minute"]
    configured = limits()
    waited = 0.0
    for name in names:
        while True:
            wait = _take(realm_id, configured[name])
            if wait <= 0:
                break
            if waited + wait > timeout:
                raise TimeoutError(f"waited {waited:.1f}s for QuickBooks' {name} limit")
            time.sleep(wait)
            waited += wait
    return waited

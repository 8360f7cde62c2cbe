"""What every sync of a QuickBooks company reads and that hardly ever changes — its preferences
(custom transaction numbers) and its Accounts Payable account — kept per process for a few
minutes, so a single Sync costs the calls that matter (the partner, the document) and not two more
reads at 150 ms each. Saving the QuickBooks settings forgets a company's entries in that process;
other processes see a change within ``TTL_SECONDS``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

TTL_SECONDS = 300.0

_entries: dict[tuple[str, str], tuple[float, Any]] = {}
_lock = threading.Lock()


def get(realm_id: str, name: str, load: Callable[[], Any]) -> Any:
    """The cached value, or ``load()`` (outside the lock) kept for ``TTL_SECONDS``."""
    key = (realm_id, name)
    now = time.monotonic()
    with _lock:
        found = _entries.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = load()
    with _lock:
        _entries[key] = (now + TTL_SECONDS, value)
    return value


def forget(realm_id: str | None = None) -> None:
    with _lock:
        for key in [k for k in _entries if realm_id is None or k[0] == realm_id]:
            del _entries[key]

"""Rate limits (docs/intuit-api.md §8.1): per realm and app, 500 requests a minute and 10 a
second; batch requests also count against 40 a minute. Enforced only when
``settings.rate_limits_enabled``.

Windows are sliding, measured on the emulator clock (so ``POST /_emulator/clock`` empties
them) and shrunk by ``settings.time_scale`` (time_scale 60 turns the minute into a second).
A throttled request is answered 429 with the XML body and is not counted.
"""

from __future__ import annotations

import threading
from collections import deque


class RateLimiter:
    def __init__(self, emulator):
        self.emulator = emulator
        self._lock = threading.Lock()
        # (realm, client, window name) -> timestamps of accepted requests
        self._hits: dict[tuple[str, str, str], deque] = {}

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def throttled(self, realm_id: str, client_id: str, *, batch: bool = False) -> bool:
        settings = self.emulator.settings
        if not settings.rate_limits_enabled:
            return False
        scale = max(settings.time_scale, 1e-9)
        now = self.emulator.clock.now().timestamp()
        windows = [
            ("second", 1.0 / scale, settings.requests_per_second),
            ("minute", 60.0 / scale, settings.requests_per_minute),
        ]
        if batch:
            windows.append(("batch", 60.0 / scale, settings.batch_per_minute))
        with self._lock:
            queues = []
            for name, span, limit in windows:
                queue = self._hits.setdefault((realm_id, client_id, name), deque())
                while queue and queue[0] <= now - span:
                    queue.popleft()
                if len(queue) >= limit:
                    return True
                queues.append(queue)
            for queue in queues:
                queue.append(now)
        return False

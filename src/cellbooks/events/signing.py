"""How a webhook proves it came from Cellbooks (documented in docs/api.md, with a snippet).

Each POST carries ``Cellbooks-Timestamp`` (Unix seconds when it was sent) and
``Cellbooks-Signature: v1=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<raw body>"`` keyed with the
subscription's secret (its UTF-8 bytes). A receiver recomputes it over the raw body, compares in
constant time, and refuses a timestamp more than five minutes away from its clock (a replay).
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "Cellbooks-Timestamp"
SIGNATURE_HEADER = "Cellbooks-Signature"
EVENT_ID_HEADER = "Cellbooks-Event-Id"
EVENT_TYPE_HEADER = "Cellbooks-Event-Type"
DELIVERY_HEADER = "Cellbooks-Delivery-Id"
TOLERANCE_SECONDS = 300
SCHEME = "v1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Cellbooks-Signature`` header's value for this body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def verify(
    secret: str, *, timestamp: str, signature_header: str, body: bytes, now: float | None = None
) -> bool:
    """Whether a delivery is authentic and fresh (what a receiver does; used by the tests)."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, sent_at, body)
    offered = [part.strip() for part in (signature_header or "").split(",")]
    return any(hmac.compare_digest(expected.encode(), part.encode()) for part in offered)

"""Intuit webhooks: verify, store raw, answer at once; a task applies them (payments.py).

- ``intuit-signature`` must be base64(HMAC-SHA256(verifier token, raw body)), compared in constant
  time; a missing or wrong signature answers 401 and stores nothing.
- Both payload formats: legacy ``{"eventNotifications": [...]}`` and the CloudEvents array.
- Each entity change is one row with a dedupe key, so a redelivered notification stores nothing new.
- Unknown realms answer 200 (Intuit would otherwise retry for days) and are ignored.
- The hot path is short: which realms are connected and "last webhook received" are cached per
  process for seconds; the events are stored by one INSERT on the kept connection, unchecked (a
  connection the server closed is noticed by that INSERT, which is then sent again); the task is
  woken with the events' keys, so nothing is read back, and the wake-ups of many deliveries share
  one queue message (``tasks.wake_new_webhook_events``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import threading
import time
from contextlib import nullcontext

from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import tasks
from .config import load_config
from .models import Connection, WebhookEvent

log = logging.getLogger(__name__)

HANDLED_ENTITIES = {
    "Payment",
    "Invoice",
    "Bill",
    "PurchaseOrder",
    "CreditMemo",
    "RefundReceipt",
    "VendorCredit",
}
CLOUD_OPERATIONS = {
    "created": "Create",
    "updated": "Update",
    "deleted": "Delete",
    "voided": "Void",
    "void": "Void",
    "merged": "Merge",
    "emailed": "Emailed",
}
ENTITY_NAMES = {name.lower(): name for name in HANDLED_ENTITIES}


class MalformedPayload(ValueError):
    pass


def signature_is_valid(body: bytes, signature: str, verifier_token: str) -> bool:
    """Constant-time comparison of bytes (a header with non-ASCII characters is just wrong)."""
    if not signature or not verifier_token:
        return False
    expected = base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def _array(value, what: str) -> list:
    if not isinstance(value, list):
        raise MalformedPayload(f"{what} is not an array")
    return value


def _text(value, what: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise MalformedPayload(f"{what} is missing or not text")
    return str(value)


def parse_events(payload) -> list[dict]:
    """Both formats → [{realm_id, entity, entity_id, operation, occurred_at, dedupe_key, raw}].

    Every level is checked for its shape: anything else is ``MalformedPayload`` (a 400), never a
    crash."""
    if isinstance(payload, dict):
        return _legacy_events(payload)
    if isinstance(payload, list):
        return [_cloud_event(event) for event in payload]
    raise MalformedPayload("neither eventNotifications nor a CloudEvents array")


def _legacy_events(payload: dict) -> list[dict]:
    events = []
    notifications = _array(payload.get("eventNotifications"), "eventNotifications")
    for notification in notifications:
        notification = _object(notification, "an eventNotifications entry")
        realm_id = _text(notification.get("realmId"), "realmId")
        change_event = _object(notification.get("dataChangeEvent"), "dataChangeEvent")
        for change in _array(change_event.get("entities"), "dataChangeEvent.entities"):
            change = _object(change, "an entity change")
            name = _text(change.get("name"), "an entity's name")
            entity_id = _text(change.get("id"), "an entity's id")
            operation = _text(change.get("operation"), "an entity's operation")
            occurred = _text(change.get("lastUpdated"), "lastUpdated", required=False)
            events.append(
                {
                    "realm_id": realm_id[:32],
                    "entity": name[:40],
                    "entity_id": entity_id[:32],
                    "operation": operation[:20],
                    "occurred_at": occurred,
                    "dedupe_key": f"legacy:{realm_id}:{name}:{entity_id}:{operation}:{occurred}"[
                        :128
                    ],
                    "raw": change,
                }
            )
    return events


def _cloud_event(event) -> dict:
    event = _object(event, "a CloudEvent")
    event_type = _text(event.get("type"), "a CloudEvent's type")
    account = _text(event.get("intuitaccountid"), "a CloudEvent's intuitaccountid")
    parts = event_type.split(".")
    if len(parts) < 3 or parts[0] != "qbo":
        raise MalformedPayload(f"unknown CloudEvent type {event_type[:80]!r}")
    entity = ENTITY_NAMES.get(parts[1], parts[1].capitalize())
    operation = CLOUD_OPERATIONS.get(parts[2], parts[2].capitalize())
    entity_id = _text(event.get("intuitentityid"), "intuitentityid", required=False)
    when = _text(event.get("time"), "time", required=False)
    event_id = _text(event.get("id"), "id", required=False) or f"{event_type}:{entity_id}:{when}"
    return {
        "realm_id": account[:32],
        "entity": entity[:40],
        "entity_id": entity_id[:32],
        "operation": operation[:20],
        "occurred_at": when,
        "dedupe_key": f"ce:{event_id}"[:128],
        "raw": event,
    }


@csrf_exempt
@require_POST
def receive(request):
    body = request.body  # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with a 400
    config = load_config()
    # META, not request.headers: the header alone, without building the whole mapping each time.
    signature = request.META.get("HTTP_INTUIT_SIGNATURE", "")
    if not signature_is_valid(body, signature, config.webhook_verifier_token):
        return JsonResponse({"error": "bad or missing intuit-signature"}, status=401)
    try:
        events = parse_events(json.loads(body))
    except (ValueError, MalformedPayload, RecursionError) as exc:
        # RecursionError: JSON nested deeper than Python's parser goes is not a notification.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        return JsonResponse({"error": f"malformed payload: {reason}"}, status=400)
    known = _known_realms({e["realm_id"] for e in events})
    rows = [e for e in events if e["realm_id"] in known and e["entity"] in HANDLED_ENTITIES]
    if rows:
        _store(rows)
        # The task finds the events by their keys: nothing more to read here. Wake-ups are
        # coalesced per process (one queue message for the events of many deliveries). Stored
        # outside any transaction, so on_commit runs at once.
        keys = [e["dedupe_key"] for e in rows]
        transaction.on_commit(lambda: tasks.wake_new_webhook_events(keys))
    return HttpResponse(status=200)


def _store(rows: list[dict]) -> None:
    """Store the events (one INSERT that skips dedupe keys already stored), and "last webhook
    received" with them at most once a second a realm — before the endpoint answers 200.

    The kept database connection is not health-checked before this (a round trip on every
    delivery, ``CONN_HEALTH_CHECKS``): if the server closed it meanwhile, the statement fails
    before anything is written and is sent once more on a new connection."""
    stale = _stale_marks({r["realm_id"] for r in rows})
    now = timezone.now()
    for attempt in (1, 2):
        connection.health_check_done = True  # Django's per-request check: done by the retry
        try:
            # One INSERT is atomic on its own: a transaction only when "last webhook received"
            # is written with it, which saves two round trips.
            with transaction.atomic() if stale else nullcontext():
                _insert(rows, now)
                if stale:
                    Connection.objects.filter(realm_id__in=stale).update(last_webhook_at=now)
            return
        except (OperationalError, InterfaceError):
            if attempt == 2 or not _connection_lost():
                raise
            log.info("The database connection was closed by the server; storing again")
            connection.close()


def _connection_lost() -> bool:
    return connection.connection is None or not connection.is_usable()


def _insert(rows: list[dict], now) -> None:
    """``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` (SQLite and PostgreSQL alike), written
    once: the ORM's ``bulk_create`` compiles the same statement anew on every delivery, which was
    a measurable share of the endpoint's CPU (docs/benchmarks.md)."""
    ops = connection.ops
    received = ops.adapt_datetimefield_value(now)
    params = []
    for r in rows:
        params += [
            r["realm_id"],
            r["dedupe_key"],
            r["entity"],
            r["entity_id"],
            r["operation"],
            r["occurred_at"][:40],
            ops.adapt_json_value(r["raw"], None),
            received,
            WebhookEvent.Status.RECEIVED.value,
            "",
        ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(len(rows)), params)


@functools.lru_cache(maxsize=64)
def _insert_sql(count: int) -> str:
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    names = [WebhookEvent._meta.get_field(name).column for name in INSERTED]
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * count)
    dedupe = connection.ops.quote_name(WebhookEvent._meta.get_field("dedupe_key").column)
    return f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({dedupe}) DO NOTHING"


INSERTED = [
    "realm_id",
    "dedupe_key",
    "entity",
    "entity_id",
    "operation",
    "occurred_at",
    "payload",
    "received_at",
    "status",
    "error",
]


# Per process: which realms are connected (asked again after KNOWN_SECONDS; a realm not known is
# asked every time, so a new connection's events are never dropped), and when this process last
# wrote a realm's "last webhook received" (written at most once every MARK_SECONDS). Each saves
# a query on every delivery, the endpoint's hot path (bench/intake.py).
KNOWN_SECONDS = 10.0
MARK_SECONDS = 1.0
_known: dict[str, float] = {}
_marked: dict[str, float] = {}
_cache_lock = threading.Lock()


def _known_realms(realms: set[str]) -> set[str]:
    now = time.monotonic()
    with _cache_lock:
        known = {realm for realm in realms if _known.get(realm, 0.0) > now}
    if missing := realms - known:
        found = set(
            Connection.objects.filter(realm_id__in=missing)
            .exclude(status=Connection.Status.NOT_CONNECTED)
            .values_list("realm_id", flat=True)
        )
        with _cache_lock:
            _known.update(dict.fromkeys(found, now + KNOWN_SECONDS))
        known |= found
    return known


def _stale_marks(realms: set[str]) -> set[str]:
    now = time.monotonic()
    with _cache_lock:
        stale = {realm for realm in realms if _marked.get(realm, 0.0) <= now}
        _marked.update(dict.fromkeys(stale, now + MARK_SECONDS))
    return stale


def forget_cached_realms() -> None:
    with _cache_lock:
        _known.clear()
        _marked.clear()

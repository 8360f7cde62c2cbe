"""Intuit webhooks: verify, store raw, answer at once; a task applies them (payments.py).

- ``intuit-signature`` must be base64(HMAC-SHA256(verifier token, raw body)), compared in constant
  time; a missing or wrong signature answers 401 and stores nothing.
- Both payload formats: legacy ``{"eventNotifications": [...]}`` and the CloudEvents array.
- Each entity change is one row with a dedupe key, so a redelivered notification stores nothing new.
- Unknown realms answer 200 (Intuit would otherwise retry for days) and are ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import tasks
from .config import load_config
from .models import Connection, WebhookEvent

log = logging.getLogger(__name__)

HANDLED_ENTITIES = {"Payment", "Invoice", "Bill", "PurchaseOrder"}
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
    if not signature or not verifier_token:
        return False
    expected = base64.b64encode(
        hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature.strip())


def parse_events(payload) -> list[dict]:
    """Both formats → [{realm_id, entity, entity_id, operation, occurred_at, dedupe_key, raw}]."""
    events = []
    if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        for notification in payload["eventNotifications"]:
            realm_id = str(notification.get("realmId", ""))
            entities = ((notification.get("dataChangeEvent") or {}).get("entities")) or []
            if not realm_id or not isinstance(entities, list):
                raise MalformedPayload("eventNotifications entry without realmId or entities")
            for change in entities:
                name, entity_id, operation = (
                    change.get("name"),
                    change.get("id"),
                    change.get("operation"),
                )
                if not (name and entity_id and operation):
                    raise MalformedPayload("entity without name, id or operation")
                occurred = str(change.get("lastUpdated", ""))
                key = f"legacy:{realm_id}:{name}:{entity_id}:{operation}:{occurred}"
                events.append(
                    {
                        "realm_id": realm_id,
                        "entity": name,
                        "entity_id": str(entity_id),
                        "operation": operation,
                        "occurred_at": occurred,
                        "dedupe_key": key,
                        "raw": change,
                    }
                )
        return events
    if isinstance(payload, list):
        for event in payload:
            if (
                not isinstance(event, dict)
                or not event.get("type")
                or not event.get("intuitaccountid")
            ):
                raise MalformedPayload("CloudEvent without type or intuitaccountid")
            parts = str(event["type"]).split(".")
            if len(parts) < 3 or parts[0] != "qbo":
                raise MalformedPayload(f"unknown CloudEvent type {event['type']!r}")
            entity = ENTITY_NAMES.get(parts[1], parts[1].capitalize())
            operation = CLOUD_OPERATIONS.get(parts[2], parts[2].capitalize())
            event_id = str(
                event.get("id")
                or f"{event['type']}:{event.get('intuitentityid')}:{event.get('time')}"
            )
            events.append(
                {
                    "realm_id": str(event["intuitaccountid"]),
                    "entity": entity,
                    "entity_id": str(event.get("intuitentityid", "")),
                    "operation": operation,
                    "occurred_at": str(event.get("time", "")),
                    "dedupe_key": f"ce:{event_id}"[:128],
                    "raw": event,
                }
            )
        return events
    raise MalformedPayload("neither eventNotifications nor a CloudEvents array")


@csrf_exempt
@require_POST
def receive(request):
    body = request.body
    config = load_config()
    if not signature_is_valid(
        body, request.headers.get("intuit-signature", ""), config.webhook_verifier_token
    ):
        return JsonResponse({"error": "bad or missing intuit-signature"}, status=401)
    try:
        events = parse_events(json.loads(body))
    except (ValueError, MalformedPayload) as exc:
        return JsonResponse({"error": f"malformed payload: {exc}"}, status=400)
    known = set(
        Connection.objects.filter(realm_id__in={e["realm_id"] for e in events})
        .exclude(status=Connection.Status.NOT_CONNECTED)
        .values_list("realm_id", flat=True)
    )
    rows = [
        WebhookEvent(
            realm_id=e["realm_id"],
            dedupe_key=e["dedupe_key"],
            entity=e["entity"],
            entity_id=e["entity_id"],
            operation=e["operation"],
            occurred_at=e["occurred_at"][:40],
            payload=e["raw"],
        )
        for e in events
        if e["realm_id"] in known and e["entity"] in HANDLED_ENTITIES
    ]
    if rows:
        with transaction.atomic():
            WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True)
            Connection.objects.filter(realm_id__in={r.realm_id for r in rows}).update(
                last_webhook_at=timezone.now()
            )
            keys = [r.dedupe_key for r in rows]
            transaction.on_commit(lambda: _wake(keys))
    return HttpResponse(status=200)


def _wake(dedupe_keys: list[str]) -> None:
    tasks.wake_webhook_events(
        list(
            WebhookEvent.objects.filter(
                dedupe_key__in=dedupe_keys, status=WebhookEvent.Status.RECEIVED
            ).values_list("pk", flat=True)
        )
    )

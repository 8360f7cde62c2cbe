"""What comes back from QuickBooks: stored webhook events, and the change-data-capture sweep that
catches everything a missed webhook would have said (and synced documents deleted or voided in
QBO). Both hand each change to the reconciler.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .client import QBOClient
from .config import QBOConfig
from .errors import AuthorizationLostError, QBOError
from .models import Connection, WebhookEvent
from .reconciler import Reconciler
from .records import qbo_time

log = logging.getLogger(__name__)

CDC_ENTITIES = [
    "Payment",
    "Invoice",
    "Bill",
    "PurchaseOrder",
    "CreditMemo",
    "RefundReceipt",
    "VendorCredit",
]
CDC_MAX_AGE = timedelta(days=30)
# Re-read a little before the checkpoint: clocks and commits race.
CDC_OVERLAP = timedelta(minutes=2)
CDC_PAGE_LIMIT = 1000
LEFTOVER_EVENTS = 1000


# ---- webhook events --------------------------------------------------------------------------
def process_events(
    event_ids: list[int], *, dedupe_keys: list[str] | None = None, config: QBOConfig | None = None
) -> int:
    """Apply stored webhook events (by id, or by dedupe key as the endpoint names them), grouped
    by realm, oldest first. Returns how many were applied."""
    wanted = Q(pk__in=event_ids)
    if dedupe_keys:
        wanted |= Q(dedupe_key__in=dedupe_keys)
    events = list(
        WebhookEvent.objects.filter(wanted, status=WebhookEvent.Status.RECEIVED).order_by(
            "received_at", "pk"
        )
    )
    by_realm: dict[str, list[WebhookEvent]] = defaultdict(list)
    for event in events:
        by_realm[event.realm_id].append(event)
    applied = 0
    for realm_id, realm_events in by_realm.items():
        for connection in Connection.objects.select_related("company").filter(
            realm_id=realm_id, status=Connection.Status.CONNECTED
        ):
            applied += _apply_events(connection, realm_events, config)
    return applied


def _apply_events(connection: Connection, events: list[WebhookEvent], config) -> int:
    with QBOClient(connection, config=config) as client:
        reconciler = Reconciler(connection, client)
        applied = 0
        for event in events:
            try:
                reconciler.change(event.entity, event.entity_id, event.operation)
            except AuthorizationLostError:
                return (
                    applied  # paused: the events stay "received" and are applied after reconnecting
                )
            except QBOError as exc:
                WebhookEvent.objects.filter(pk=event.pk).update(
                    status=WebhookEvent.Status.FAILED,
                    error=str(exc)[:2000],
                    processed_at=timezone.now(),
                )
                continue
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now()
            )
            applied += 1
    return applied


# ---- change-data-capture sweep -----------------------------------------------------------------
def sweep_connection(
    connection: Connection, *, config: QBOConfig | None = None, now: datetime | None = None
) -> str:
    """Catch up on every Payment/Invoice/Bill/PurchaseOrder change since the checkpoint.

    1. Since = checkpoint − overlap (first run: the connection time; never older than 30 days for CDC).
    2. Within 30 days: one CDC call. A block that comes back with 1000 objects may be cut short, so
       that entity is re-read by a paged query on MetaData.LastUpdatedTime, which has no cap.
    3. Beyond 30 days (Cellbooks was off that long): paged queries on MetaData.LastUpdatedTime.
    4. Apply every change through the Reconciler; the new checkpoint is when this sweep started.
    """
    now = now or timezone.now()
    since = (connection.cdc_checkpoint or connection.connected_at or now) - CDC_OVERLAP
    changes: list[tuple[str, dict]] = []
    with QBOClient(connection, config=config) as client:
        if now - since < CDC_MAX_AGE - timedelta(minutes=5):
            blocks = client.cdc(CDC_ENTITIES, qbo_time(since))
            full = []
            for block in blocks:
                for response in block.get("QueryResponse", []) or []:
                    for entity_name in CDC_ENTITIES:
                        rows = response.get(entity_name) or []
                        if len(rows) >= CDC_PAGE_LIMIT:
                            full.append(entity_name)
                        changes.extend((entity_name, row) for row in rows)
            for entity_name in full:  # narrow: re-read that entity without the cap
                changes = [c for c in changes if c[0] != entity_name]
                changes.extend(
                    (entity_name, row) for row in _changed_by_query(client, entity_name, since)
                )
        else:
            for entity_name in CDC_ENTITIES:
                changes.extend(
                    (entity_name, row) for row in _changed_by_query(client, entity_name, since)
                )
        reconciler = Reconciler(connection, client)
        # Payments first, from the rows CDC already returned; then invoices, whose linked payments
        # are then known and not read again. Within a kind, in QBO's update order.
        order = {"Payment": 0, "Invoice": 1}  # then the others
        changes.sort(
            key=lambda c: (
                order.get(c[0], 2),
                (c[1].get("MetaData") or {}).get("LastUpdatedTime", ""),
            )
        )
        for entity_name, row in changes:
            deleted = row.get("status") == "Deleted"
            if entity_name == "Payment":
                reconciler.payment(str(row["Id"]), None if deleted else row, deleted=deleted)
            elif entity_name == "Invoice":
                reconciler.invoice(str(row["Id"]), None if deleted else row, deleted=deleted)
            else:
                reconciler.document(entity_name, str(row["Id"]), row, deleted=deleted)
    result = f"{len(changes)} change(s) since {qbo_time(since)}"
    if reconciler.notes:
        result += "; " + "; ".join(reconciler.notes)
    Connection.objects.filter(pk=connection.pk).update(
        cdc_checkpoint=now, last_sweep_at=timezone.now(), last_sweep_result=result[:500]
    )
    return result


def _changed_by_query(client: QBOClient, entity_name: str, since: datetime) -> list[dict]:
    return client.query_all(
        entity_name,
        f"MetaData.LastUpdatedTime > '{qbo_time(since)}' ORDERBY MetaData.LastUpdatedTime",
    )


def due_connections(*, interval: timedelta) -> list[Connection]:
    cutoff = timezone.now() - interval
    return list(
        Connection.objects.select_related("company")
        .filter(status=Connection.Status.CONNECTED)
        .exclude(last_sweep_at__gt=cutoff)
    )


def sweep_due_connections(*, interval: timedelta) -> None:
    """The worker's schedule: sweep every connection that is due, then apply webhook events left
    unapplied (e.g. received while the connection needed reconnecting)."""
    for connection in due_connections(interval=interval):
        try:
            sweep_connection(connection)
        except QBOError as exc:
            log.warning("Payment sweep for %s failed: %s", connection, exc)
    leftover = list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).values_list(
            "pk", flat=True
        )[:LEFTOVER_EVENTS]
    )
    if leftover:
        process_events(leftover)

"""Retention: the sync history and webhook inbox do not grow forever.

Pruned, when older than ``settings.QBO["RETENTION_DAYS"]`` (default 90):
  - sync attempts (the per-document history), except those of a request that is still failing;
  - sync requests that are done, and failed ones a later successful sync of the same document has
    resolved;
  - webhook events that were applied or ignored;
  - expired OAuth states.
Kept whatever their age: failures nobody has resolved yet (and their attempts), webhook events not
yet applied, bindings (links are never history), and what QBO's payments last looked like.
Nothing here is needed for exactly-once: re-creations count on ``Binding.creations``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import OAuthState, SyncAttempt, SyncRequest, WebhookEvent


def prune(*, now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> dict:
    """Delete what is older than the retention period; return how many rows of each kind."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.QBO["RETENTION_DAYS"] if days is None else days)
    unresolved = SyncRequest.objects.filter(status=SyncRequest.Status.FAILED).exclude(
        Exists(_later_success())
    )
    querysets = {
        # Attempts first: their request's row may go next.
        "sync attempts": SyncAttempt.objects.filter(started_at__lt=cutoff).exclude(
            request__in=unresolved
        ),
        "sync requests": SyncRequest.objects.annotate(resolved=Exists(_later_success())).filter(
            Q(status=SyncRequest.Status.DONE) | Q(status=SyncRequest.Status.FAILED, resolved=True),
            finished_at__lt=cutoff,
        ),
        "webhook events": WebhookEvent.objects.filter(
            received_at__lt=cutoff,
            status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED],
        ),
        "sign-in states": OAuthState.objects.filter(created_at__lt=now - OAuthState.TTL),
    }
    if dry_run:
        return {name: rows.count() for name, rows in querysets.items()}
    return {name: _delete(rows) for name, rows in querysets.items()}


def _later_success():
    """A later request for the same document that succeeded (it resolves a failure)."""
    return SyncRequest.objects.filter(
        company=OuterRef("company"),
        kind=OuterRef("kind"),
        local_id=OuterRef("local_id"),
        status=SyncRequest.Status.DONE,
        requested_at__gt=OuterRef("requested_at"),
    )


def _delete(rows) -> int:
    # Deleting through a primary-key list keeps the DELETE simple on every database (an annotated
    # queryset cannot be deleted directly).
    ids = list(rows.values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(ids), 500):
        deleted += (
            rows.model.objects.filter(pk__in=ids[start : start + 500])
            .delete()[1]
            .get(rows.model._meta.label, 0)
        )
    return deleted

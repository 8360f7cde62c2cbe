"""Read models: where a document stands in QuickBooks, for its page and the REST API."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import bindings, documents
from .exporters import document_fingerprint
from .links import qbo_record_url
from .models import Binding, IntegrationSettings, SyncAttempt, SyncRequest

HISTORY_SHOWN = 20
STATES = ("not_synced", "queued", "paused", "synced", "changed", "failed", "deleted", "voided")


@dataclass
class DocumentStatus:
    state: str  # one of STATES
    binding: Binding | None
    request: SyncRequest | None
    attempts: list[SyncAttempt] = field(default_factory=list)
    last_error: dict | None = None

    @property
    def url(self) -> str:
        """Where a person opens the QBO document in a browser."""
        if self.binding is None:
            return ""
        return qbo_record_url(self.binding.qbo_entity, self.binding.qbo_id, self.binding.realm_id)


NOT_READ = object()


def document_status(
    *,
    company,
    kind: str,
    document,
    detect_changes: bool = True,
    with_attempts: bool = True,
    binding=NOT_READ,
) -> DocumentStatus:
    """Not synced / queued / synced at … / changed since / failed, with the binding and history
    (``binding``: the document's link when the caller has read it already).

    The request is read before the link: a worker links a document before it marks the request
    done, so a done request read first guarantees its link is visible — read the other way round,
    a page could catch the moment in between and say "not synced"."""
    request = (
        SyncRequest.objects.filter(company=company, kind=kind, local_id=document.pk)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if binding is NOT_READ or binding is None:
        binding = bindings.linked(company=company, kind=kind, local_id=document.pk)
    attempts = (
        list(
            SyncAttempt.objects.filter(company=company, kind=kind, local_id=document.pk)[
                :HISTORY_SHOWN
            ]
        )
        if with_attempts
        else []
    )
    if request and request.status in (SyncRequest.Status.PENDING, SyncRequest.Status.RUNNING):
        state = "queued"
    elif request and request.status == SyncRequest.Status.PAUSED:
        state = "paused"
    elif request and request.status == SyncRequest.Status.FAILED:
        state = "failed"
    elif binding and binding.remote_state:
        state = binding.remote_state  # "deleted" or "voided" in QuickBooks
    elif binding:
        state = "changed" if detect_changes and changed_since(binding, document) else "synced"
    else:
        state = "not_synced"
    return DocumentStatus(
        state=state,
        binding=binding,
        request=request,
        attempts=attempts,
        last_error=request.last_error if request and state == "failed" else None,
    )


def is_queued(*, company, kind: str, local_id: int) -> bool:
    """Whether the document's latest sync request is still waiting or running (what a queued box
    polls: one indexed query)."""
    latest = (
        SyncRequest.objects.filter(company=company, kind=kind, local_id=local_id)
        .order_by("-requested_at", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    return latest in (SyncRequest.Status.PENDING, SyncRequest.Status.RUNNING)


def summary(*, company, kind: str, document, detect_changes: bool = True) -> dict:
    """The document's QuickBooks status as plain data (the REST API's ``quickbooks`` field)."""
    status = document_status(
        company=company,
        kind=kind,
        document=document,
        detect_changes=detect_changes,
        with_attempts=False,
    )
    result = {"state": status.state, "last_error": status.last_error}
    if binding := status.binding:
        result.update(
            qbo_entity=binding.qbo_entity,
            qbo_id=binding.qbo_id,
            qbo_doc_number=binding.qbo_doc_number or None,
            synced_at=binding.synced_at,
            qbo_total=binding.qbo_total,
            qbo_balance=binding.qbo_balance,
            url=status.url,
        )
    return result


def changed_since(binding: Binding, document) -> bool:
    """Whether what Cellbooks would send differs from what it sent (partner, number, date, lines).
    Every edit bumps the document's updated_at, so a document untouched since its sync is not read
    again (a 50,000-device PO page stays quick)."""
    if not binding.local_hash:
        return False
    if binding.synced_at and document.updated_at and document.updated_at <= binding.synced_at:
        return False
    return binding.local_hash != document_fingerprint(document)


def move_target(*, company, binding: Binding | None) -> str:
    """For a PO synced as one QBO type after "Sync POs to" changed: the other type's name."""
    if binding is None or binding.remote_state or binding.kind != Binding.Kind.PURCHASE_ORDER:
        return ""
    chosen = (
        IntegrationSettings.objects.filter(company=company)
        .values_list("sync_pos_to", flat=True)
        .first()
    )
    target = "PurchaseOrder" if chosen == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER else "Bill"
    if binding.qbo_entity == target:
        return ""
    return "Purchase Order" if target == "PurchaseOrder" else "Bill"


# ---- sync requests as the REST API lists them ----------------------------------------------------


def document_numbers(*, company, keys) -> dict[tuple[str, int], str]:
    """The numbers of these (kind, id) documents that still exist: one query per kind."""
    numbers = {}
    for kind, ids in documents.by_kind(keys).items():
        if kind in documents.MODELS:
            rows = documents.MODELS[kind].objects.filter(company=company, pk__in=ids)
            numbers.update({(kind, pk): number for pk, number in rows.values_list("pk", "number")})
    return numbers


def request_outcomes(*, company, requests: list[SyncRequest]) -> list[dict]:
    """Each sync request with its document, who asked, what its last attempt did and the
    QuickBooks document it is linked to — a few queries for the whole page."""
    keys = {(r.kind, r.local_id) for r in requests}
    numbers = document_numbers(company=company, keys=keys)
    last_attempts: dict[int, SyncAttempt] = {}
    for attempt in SyncAttempt.objects.filter(request__in=[r.pk for r in requests]).order_by(
        "request_id", "-started_at", "-id"
    ):
        last_attempts.setdefault(attempt.request_id, attempt)
    links = bindings.linked_many(company=company, keys=keys)
    people = SyncRequest.objects.filter(pk__in=[r.pk for r in requests]).select_related(
        "requested_by", "requested_by_key"
    )
    asked = {r.pk: (r.requested_by, r.requested_by_key) for r in people}
    outcomes = []
    for request in requests:
        attempt = last_attempts.get(request.pk)
        link = links.get((request.kind, request.local_id))
        user, key = asked.get(request.pk, (None, None))
        outcomes.append(
            {
                "id": request.pk,
                "document": {
                    "kind": request.kind,
                    "id": request.local_id,
                    "number": numbers.get((request.kind, request.local_id)),
                },
                "action": request.action,
                "status": request.status,
                "attempts": request.attempts,
                "requested_at": request.requested_at,
                "finished_at": request.finished_at,
                "requested_by": {
                    "user": user.get_username() if user else None,
                    "api_key": key.name if key else None,
                },
                "job_id": request.batch_key or None,
                "last_error": request.last_error,
                "outcome": attempt.outcome if attempt else None,
                "qbo_entity": link.qbo_entity if link else None,
                "qbo_id": link.qbo_id if link else None,
                "qbo_doc_number": (link.qbo_doc_number or None) if link else None,
            }
        )
    return outcomes

"""QuickBooks operations in the REST API: what the QuickBooks pages do, for a program.

- the connection's state (``GET /quickbooks/connection``);
- the settings, read and changed with the settings page's rules (``/quickbooks/settings``), and the
  live accounts to choose from (``GET /quickbooks/settings/choices``);
- a sync of one document (``POST /invoices/{id}/sync``, ``POST /purchase-orders/{id}/sync``);
- a bulk sync as a job: ``POST /quickbooks/syncs`` answers the job's id (the outbox's batch key),
  ``GET /quickbooks/syncs/{id}`` its progress, ``GET /quickbooks/syncs/{id}/documents`` each
  document's outcome;
- the sync log: what is still failing (``GET /quickbooks/failures``, with ``…/retry``) and every
  attempt (``GET /quickbooks/attempts``).

The registry imports this module by its dotted path when the API is built (``integration.py``),
after the document schemas exist; the inventory's API never imports it.
"""

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router

from cellbooks.api.auth import company_of, requested_by
from cellbooks.api.errors import ApiError, not_found
from cellbooks.api.routers import IdPath, Page, Status
from cellbooks.api.routers.invoices import invoice_detail
from cellbooks.api.routers.purchase_orders import purchase_order_detail
from cellbooks.api.routers.returns import ReturnOut, VendorReturnOut, get_return, get_vendor_return
from cellbooks.api.schemas import InvoiceOut, PurchaseOrderOut, listed, ok, page_of
from cellbooks.inventory.models import CustomerReturn, VendorReturn

from . import audit, documents, outbox, services, status
from .api_schemas import (
    AttemptFilters,
    AttemptOut,
    ChoicesOut,
    ConnectionOut,
    FailureFilters,
    JobDocumentOut,
    JobId,
    SettingsIn,
    SettingsOut,
    SyncIn,
    SyncJobIn,
    SyncJobOut,
    SyncRequestOut,
)
from .errors import AuthorizationLostError, NotConnectedError, QBOError, RetryableError
from .models import Connection, SyncAttempt, SyncRequest

router = Router(tags=["quickbooks"])
InvoiceId = IdPath("invoice")
PurchaseOrderId = IdPath("purchase order")
RequestId = IdPath("failed sync request")


def _refusal(status_code: int, msg: str, type_: str, loc=()) -> ApiError:
    return ApiError(status_code, [{"loc": list(loc), "msg": msg, "type": type_}])


def _quickbooks_said_no(exc: QBOError) -> ApiError:
    """A QuickBooks error as the API answers it: not connected or needing a reconnect is the
    company's state (409); no answer or a 5xx from QuickBooks is worth a retry (503); anything
    else QuickBooks refused is explained (409)."""
    words = f"{exc} {exc.hint}".strip()
    if isinstance(exc, (NotConnectedError, AuthorizationLostError)):
        return _refusal(409, words, "conflict")
    if isinstance(exc, RetryableError):
        return _refusal(503, f"QuickBooks did not answer: {words}", "unavailable")
    return _refusal(409, words, "conflict")


def _page(rows: QuerySet, page) -> tuple[list, int]:
    return list(rows[page.offset : page.offset + page.limit]), rows.count()


# ---- connection and settings ----------------------------------------------------------------


@router.get("/quickbooks/connection", response=ok(ConnectionOut, not_found=False))
def get_connection(request):
    """Whether the company is connected, to which QuickBooks company, and when payments last came
    back (a webhook, the periodic sweep)."""
    connection = Connection.objects.filter(company=company_of(request)).first()
    return connection or Connection(company=company_of(request))


@router.get("/quickbooks/settings", response=ok(SettingsOut, not_found=False))
def get_settings(request):
    return services.get_settings(company=company_of(request))


@router.get(
    "/quickbooks/settings/choices",
    response=ok(ChoicesOut, not_found=False, conflict=True, unavailable=True),
)
def get_settings_choices(request):
    """The connected QuickBooks company's live accounts to choose from, and whether it can take
    purchase orders (409 when QuickBooks is not connected)."""
    try:
        return services.load_settings_choices(company=company_of(request))
    except QBOError as exc:
        raise _quickbooks_said_no(exc) from None


@router.patch(
    "/quickbooks/settings",
    response=ok(SettingsOut, not_found=False, conflict=True, unavailable=True),
)
def update_settings(request, payload: SettingsIn):
    """Change the fields sent (the others keep their current value), checked against the live
    QuickBooks company as the settings page checks them: both accounts exist, are active and of
    the right kind; Purchase Orders need a plan that has them; the item is created, updated, or —
    when QuickBooks has an item of that name that is not Cellbooks' — refused (409) until
    `adopt_existing_item` is true."""
    company = company_of(request)
    connection = services.get_connection(company=company)
    if not connection.is_connected:
        lost = AuthorizationLostError() if connection.needs_reconnect else NotConnectedError()
        raise _quickbooks_said_no(lost)
    current = services.get_settings(company=company)
    fields = {
        "item_name": current.item_name,
        "income_account_id": current.income_account_id,
        "expense_account_id": current.expense_account_id,
        "sync_pos_to": current.sync_pos_to,
        "auto_sync": current.auto_sync,
        "include_identifiers_in_description": current.include_identifiers_in_description,
        "adopt_existing_item": False,
        **payload.dict(exclude_unset=True),
    }
    for required in ("income_account_id", "expense_account_id"):
        if not fields[required]:
            raise _refusal(422, "Choose an account.", "invalid", ("body", required))
    try:
        return services.save_settings(company=company, **fields)
    except services.ExistingItemNeedsConfirmation as needs:
        item = needs.item
        raise _refusal(
            409,
            f"QuickBooks already has an item called '{item.get('Name')}' (id {item.get('Id')}) "
            "that Cellbooks did not create: send adopt_existing_item: true to use it, or "
            "choose another name.",
            "conflict",
            ("body", "item_name"),
        ) from None
    except QBOError as exc:
        raise _quickbooks_said_no(exc) from None


# ---- one document -----------------------------------------------------------------------------


def _queue(request, kind: str, document, payload: SyncIn | None) -> None:
    action = payload.action if payload else SyncRequest.Action.PUSH
    outbox.request_sync(
        company=company_of(request),
        kind=kind,
        local_id=document.pk,
        action=action,
        **requested_by(request),
    )
    audit.sync_requested(company=company_of(request), kind=kind, document=document, action=action)


@router.post("/invoices/{invoice_id}/sync", response=ok(InvoiceOut, status=202))
def sync_invoice(request, invoice_id: InvoiceId, payload: SyncIn | None = None):
    """Queue this document for QuickBooks (202); its `quickbooks` status shows the outcome, and a
    webhook subscription to `invoice.synced` / `sync.failed` announces it."""
    _queue(request, "invoice", invoice_detail(request, invoice_id), payload)
    return Status(202, invoice_detail(request, invoice_id))


@router.post("/purchase-orders/{purchase_order_id}/sync", response=ok(PurchaseOrderOut, status=202))
def sync_purchase_order(request, purchase_order_id: PurchaseOrderId, payload: SyncIn | None = None):
    """Queue this document for QuickBooks (202); its `quickbooks` status shows the outcome, and a
    webhook subscription to `purchase_order.synced` / `sync.failed` announces it."""
    _queue(request, "purchase_order", purchase_order_detail(request, purchase_order_id), payload)
    return Status(202, purchase_order_detail(request, purchase_order_id))


ReturnId = IdPath("return")
VendorReturnId = IdPath("vendor return")


@router.post("/returns/{return_id}/sync", response=ok(ReturnOut, status=202))
def sync_return(request, return_id: ReturnId, payload: SyncIn | None = None):
    """Queue this return for QuickBooks (202): a Credit Memo (applied to its invoice when its
    credit is), or a Refund Receipt. Its `quickbooks` status shows the outcome."""
    rma = CustomerReturn.objects.get_for_company_or_404(company_of(request), pk=return_id)
    _queue(request, "customer_return", rma, payload)
    return Status(202, get_return(request, return_id))


@router.post("/vendor-returns/{vendor_return_id}/sync", response=ok(VendorReturnOut, status=202))
def sync_vendor_return(request, vendor_return_id: VendorReturnId, payload: SyncIn | None = None):
    """Queue this vendor return for QuickBooks (202): a Vendor Credit (applied to its bill)."""
    rtv = VendorReturn.objects.get_for_company_or_404(company_of(request), pk=vendor_return_id)
    _queue(request, "vendor_return", rtv, payload)
    return Status(202, get_vendor_return(request, vendor_return_id))


# ---- bulk syncs as jobs -----------------------------------------------------------------------


def _job(request, job_id: str) -> SyncJobOut:
    company = company_of(request)
    progress = outbox.batch_progress(company=company, batch_key=job_id)
    if not progress["total"]:
        raise not_found(("path", "job_id"), f"No sync job {job_id}.")
    first = (
        SyncRequest.objects.filter(company=company, batch_key=job_id)
        .order_by("requested_at", "pk")
        .first()
    )
    return SyncJobOut(id=job_id, kind=first.kind, requested_at=first.requested_at, **progress)


@router.post("/quickbooks/syncs", response=ok(SyncJobOut, status=202, conflict=True))
def start_sync_job(request, response: HttpResponse, payload: SyncJobIn):
    """Sync many documents of one kind: those `selected` by id, or every one not `unsynced` yet
    (received POs, issued invoices). Answers 202 and the job, whose `id` gives its progress and
    each document's outcome; its `Location` header points at it."""
    company = company_of(request)
    connection = Connection.objects.filter(company=company).first()
    if connection is None or connection.status == Connection.Status.NOT_CONNECTED:
        raise _refusal(
            409, "QuickBooks is not connected: connect it from the Integrations page.", "conflict"
        )
    model = documents.MODELS[payload.kind]
    if payload.scope == "unsynced":
        ids = outbox.unsynced_ids(company=company, kind=payload.kind)
        if not ids:
            raise _refusal(
                422,
                "Nothing to sync: every document of this kind is already in QuickBooks.",
                "invalid",
                ("body", "scope"),
            )
    else:
        if not payload.ids:
            raise _refusal(
                422, "Give the ids of the documents to sync.", "invalid", ("body", "ids")
            )
        found = set(
            model.objects.for_company(company)
            .filter(pk__in=payload.ids)
            .values_list("pk", flat=True)
        )
        missing = [
            {
                "loc": ["body", "ids", index],
                "msg": f"No {documents.LABELS[payload.kind].lower()} with id {local_id}.",
                "type": "not_found",
            }
            for index, local_id in enumerate(payload.ids)
            if local_id not in found
        ]
        if missing:
            raise ApiError(404, missing)
        ids = list(dict.fromkeys(payload.ids))
    job_id = outbox.request_many(
        company=company, kind=payload.kind, local_ids=ids, **requested_by(request)
    )
    audit.bulk_sync_requested(company=company, kind=payload.kind, local_ids=ids, batch_key=job_id)
    response["Location"] = f"/api/v1/quickbooks/syncs/{job_id}"
    return Status(202, _job(request, job_id))


@router.get("/quickbooks/syncs/{job_id}", response=ok(SyncJobOut))
def get_sync_job(request, job_id: JobId):
    """How far a bulk sync got: how many documents are done, failed, paused; `finished` once none
    is waiting any more."""
    return _job(request, job_id)


@router.get(
    "/quickbooks/syncs/{job_id}/documents",
    response=ok(page_of(JobDocumentOut, "JobDocumentPage")),
)
def list_sync_job_documents(request, job_id: JobId, page: Query[Page.Input]):
    """Each document of a bulk sync and its outcome: its request's status, what the last attempt
    did, the QuickBooks document it is linked to, the error of a failure."""
    company = company_of(request)
    _job(request, job_id)  # 404 for an unknown job
    rows = SyncRequest.objects.filter(company=company, batch_key=job_id).order_by("pk")
    requests, count = _page(rows, page)
    return {"items": status.request_outcomes(company=company, requests=requests), "count": count}


# ---- the sync log -----------------------------------------------------------------------------


@router.get("/quickbooks/failures", response=listed(page_of(SyncRequestOut, "SyncRequestPage")))
def list_failures(request, page: Query[Page.Input], filters: Query[FailureFilters]):
    """What is still failing: each document whose latest sync failed, newest first, with
    QuickBooks' code, message and a hint (a failure a later sync resolved is not listed)."""
    company = company_of(request)
    rows = outbox.failures(company=company)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    requests, count = _page(rows, page)
    return {"items": status.request_outcomes(company=company, requests=requests), "count": count}


@router.post("/quickbooks/failures/{request_id}/retry", response=ok(SyncRequestOut, status=202))
def retry_failure(request, request_id: RequestId):
    """Queue a failed sync again (202): answers the new request."""
    company = company_of(request)
    try:
        queued = outbox.retry(company=company, request_id=request_id, **requested_by(request))
    except SyncRequest.DoesNotExist:
        raise not_found(("path", "request_id"), f"No failed sync {request_id}.") from None
    audit.retry_requested(company=company, sync_request=queued)
    [outcome] = status.request_outcomes(company=company, requests=[queued])
    return Status(202, outcome)


@router.get("/quickbooks/attempts", response=listed(page_of(AttemptOut, "AttemptPage")))
def list_attempts(request, page: Query[Page.Input], filters: Query[AttemptFilters]):
    """Every attempt to send a document, newest first: when, what, QuickBooks' request id, how
    long, the outcome, QuickBooks' code and message, a hint."""
    company = company_of(request)
    rows = SyncAttempt.objects.filter(company=company)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.document is not None:
        rows = rows.filter(local_id=filters.document)
    attempts, count = _page(rows, page)
    numbers = status.document_numbers(
        company=company, keys={(a.kind, a.local_id) for a in attempts}
    )
    for attempt in attempts:
        attempt.number = numbers.get((attempt.kind, attempt.local_id))
    return {"items": attempts, "count": count}

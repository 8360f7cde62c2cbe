"""The QuickBooks pages: overview and connect, the OAuth callback, settings, disconnect."""

import logging
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cellbooks.core.views import add_service_errors, company_required, error_text

from . import audit, bindings, documents, outbox, services, status
from .errors import AuthorizationLostError, NotConnectedError, QBOError
from .forms import SettingsForm
from .integration import QuickBooksIntegration
from .models import Connection, RemotePayment, SyncAttempt, SyncRequest

log = logging.getLogger(__name__)


@company_required
def overview(request):
    connection = services.get_connection(company=request.company)
    return render(
        request,
        "quickbooks/overview.html",
        {
            "connection": connection,
            "qbo_settings": services.get_settings(company=request.company),
            "link_count": services.count_links(company=request.company),
            "loose_payments": RemotePayment.objects.filter(company=request.company, state="active")
            .filter(Q(unapplied__gt=0) | Q(applied_elsewhere__gt=0))
            .order_by("-seen_at")[:50],
        },
    )


@require_POST
@company_required
def connect(request):
    try:
        url = services.start_authorization(company=request.company, user=request.user)
    except QBOError as exc:
        messages.error(request, f"Could not start connecting to QuickBooks: {exc}")
        return redirect("quickbooks_overview")
    return redirect(url)


@require_GET
@company_required
def callback(request):
    params = request.GET
    if params.get("error"):
        messages.warning(
            request,
            "QuickBooks was not connected: the connection was cancelled in QuickBooks."
            if params["error"] == "access_denied"
            else f"QuickBooks answered: {params['error']}.",
        )
        return redirect("quickbooks_overview")
    return _complete(request, params, confirm=False)


@require_POST
@company_required
def confirm_realm_change(request):
    if request.POST.get("decision") != "switch":
        messages.info(
            request, "Cellbooks stayed linked to the QuickBooks company it was linked to."
        )
        return redirect("quickbooks_overview")
    return _complete(request, request.POST, confirm=True)


def _complete(request, params, *, confirm: bool):
    try:
        connection = services.complete_authorization(
            company=request.company,
            user=request.user,
            state=params.get("state", ""),
            code=params.get("code", ""),
            realm_id=params.get("realmId", ""),
            confirm_realm_change=confirm,
        )
    except services.RealmChangeNeedsConfirmation as guard:
        return render(
            request,
            "quickbooks/confirm_realm.html",
            {
                "guard": guard,
                "state": params.get("state"),
                "code": params.get("code"),
                "realm_id": params.get("realmId"),
            },
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("quickbooks_overview")
    except QBOError as exc:
        messages.error(request, f"QuickBooks was not connected: {exc}. {exc.hint}".strip())
        return redirect("quickbooks_overview")
    name = connection.qbo_company_name or f"company {connection.realm_id}"
    if services.get_settings(company=request.company).is_complete:  # a reconnect keeps them
        messages.success(request, f"Connected to {name}. Your settings are kept.")
    else:
        messages.success(request, f"Connected to {name}. Check the settings below and save them.")
    return redirect("quickbooks_settings")


@company_required
def settings_view(request):
    company = request.company
    connection = services.get_connection(company=company)
    if not connection.is_connected:
        messages.warning(
            request,
            "Connect QuickBooks first."
            if not connection.needs_reconnect
            else "QuickBooks needs to be reconnected before its settings can be changed.",
        )
        return redirect("quickbooks_overview")
    current = services.get_settings(company=company)
    try:
        choices = services.load_settings_choices(company=company)
    except (AuthorizationLostError, NotConnectedError) as exc:
        messages.error(request, f"{exc.message} {exc.hint}")
        return redirect("quickbooks_overview")
    except QBOError as exc:
        return render(
            request, "quickbooks/settings.html", {"connection": connection, "load_error": exc}
        )
    initial = {
        "item_name": current.item_name,
        "income_account_id": current.income_account_id
        or services.default_account_id(choices.income_accounts, services.DEFAULT_INCOME_NAMES),
        "expense_account_id": current.expense_account_id
        or services.default_account_id(choices.expense_accounts, services.DEFAULT_EXPENSE_NAMES),
        "sync_pos_to": current.sync_pos_to,
        "auto_sync": current.auto_sync,
        "include_identifiers_in_description": current.include_identifiers_in_description,
    }
    form = SettingsForm(request.POST or None, initial=initial, choices=choices)
    existing_item = None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(
                company=company,
                adopt_existing_item=request.POST.get("adopt_item") == "1",
                **form.cleaned_data,
            )
        except services.ExistingItemNeedsConfirmation as needs:
            existing_item = needs.item
        except ValidationError as exc:
            add_service_errors(form, exc)
        except QBOError as exc:
            form.add_error(None, f"{exc} {exc.hint}".strip())
        else:
            messages.success(
                request,
                f"Settings saved. QuickBooks item '{form.cleaned_data['item_name']}' is ready.",
            )
            return redirect("quickbooks_settings")
    return render(
        request,
        "quickbooks/settings.html",
        {
            "connection": connection,
            "form": form,
            "choices": choices,
            "current": current,
            "existing_item": existing_item,
        },
    )


@require_POST
@company_required
def disconnect(request):
    warning = services.disconnect(company=request.company)
    if warning:
        messages.warning(request, warning)
    messages.success(
        request,
        "Disconnected from QuickBooks. Your settings and links are kept for when you reconnect.",
    )
    return redirect("quickbooks_overview")


ANONYMOUS_CHECK_EVERY = timedelta(minutes=5)


@require_GET
def disconnected(request):
    """Intuit's Disconnect URL: the browser lands here after the user disconnected in QuickBooks.

    Anyone can open this URL, so it proves the disconnect with QuickBooks before believing it. A
    signed-in member of the company gets the check at once; an anonymous visit triggers at most
    one check per connection every few minutes (the checks spend the realm's shared rate limit).
    """
    realm_id = request.GET.get("realmId", "")[:32]
    results = []
    if realm_id:
        member_of = set()
        if request.user.is_authenticated:
            member_of = set(request.user.memberships.values_list("company_id", flat=True))
        for connection in Connection.objects.filter(
            realm_id=realm_id, status=Connection.Status.CONNECTED
        )[:20]:
            member = connection.company_id in member_of
            if member or services.claim_anonymous_check(connection, every=ANONYMOUS_CHECK_EVERY):
                still = services.verify_connection(connection=connection)
                results.append((connection, member, "connected" if still else "disconnected"))
    disconnected_here = [c for c, member, state in results if member and state == "disconnected"]
    return render(
        request,
        "quickbooks/disconnected.html",
        {"realm_id": realm_id, "results": results, "disconnected_here": disconnected_here},
    )


# ---- syncing --------------------------------------------------------------------------------
SYNC_KINDS = {
    "invoice": ("invoice_detail", "invoice_list"),
    "purchase_order": ("purchase_order_detail", "purchase_order_list"),
}


def _document_or_404(request, kind, pk):
    if kind not in SYNC_KINDS:
        raise Http404("Unknown document kind")
    return documents.MODELS[kind].objects.get_for_company_or_404(request.company, pk=pk)


@require_POST
@company_required
def sync_document(request, kind, pk):
    document = _document_or_404(request, kind, pk)
    action = request.POST.get("action", SyncRequest.Action.PUSH)
    if action not in SyncRequest.Action.values:
        action = SyncRequest.Action.PUSH
    outbox.request_sync(
        company=request.company, kind=kind, local_id=document.pk, user=request.user, action=action
    )
    audit.sync_requested(company=request.company, kind=kind, document=document, action=action)
    label = documents.LABELS[kind]  # str(po) says "PO PO-1012"
    messages.info(
        request,
        f"{label} {document.number} is queued for QuickBooks; this page shows the result in a moment.",
        extra_tags="qbo-queued",  # the QuickBooks box removes this note once it has the result
    )
    return redirect(SYNC_KINDS[kind][0], pk=document.pk)


@require_GET
@company_required
def sync_panel(request, kind, pk):
    """The QuickBooks box of a PO or invoice page alone (an HTML fragment), which the box polls
    while a sync is queued instead of reloading the whole page. ``?while=queued`` answers 204 No
    Content as long as the document is still queued: one small query a poll."""
    document = _document_or_404(request, kind, pk)
    if request.GET.get("while") == "queued" and status.is_queued(
        company=request.company, kind=kind, local_id=document.pk
    ):
        return HttpResponse(status=204, headers={"Cache-Control": "no-store"})
    panel = QuickBooksIntegration().document_panel(request, kind=kind, document=document)
    return HttpResponse(panel, headers={"Cache-Control": "no-store"})


@require_POST
@company_required
def sync_bulk(request, kind):
    if kind not in SYNC_KINDS:
        raise Http404("Unknown document kind")
    if request.POST.get("scope") == "unsynced":
        ids = outbox.unsynced_ids(company=request.company, kind=kind)
    else:
        wanted = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
        ids = list(
            documents.MODELS[kind]
            .objects.for_company(request.company)
            .filter(pk__in=wanted)
            .values_list("pk", flat=True)
        )
    if not ids:
        messages.info(
            request, "Nothing to sync: every document is already synced, or none was selected."
        )
        return redirect(SYNC_KINDS[kind][1])
    batch_key = outbox.request_many(
        company=request.company, kind=kind, local_ids=ids, user=request.user
    )
    audit.bulk_sync_requested(
        company=request.company, kind=kind, local_ids=ids, batch_key=batch_key
    )
    return redirect("quickbooks_sync_progress", batch_key=batch_key)


@company_required
def sync_progress(request, batch_key):
    progress = outbox.batch_progress(company=request.company, batch_key=batch_key)
    if not progress["total"]:
        raise Http404("Unknown sync")
    if request.GET.get("format") == "json":
        return JsonResponse(progress)
    return render(
        request, "quickbooks/sync_progress.html", {"progress": progress, "batch_key": batch_key}
    )


@company_required
def sync_log(request):
    failures = list(outbox.failures(company=request.company)[:200])
    attempts = list(SyncAttempt.objects.filter(company=request.company)[:100])
    names = documents.names(
        company=request.company,
        keys={(row.kind, row.local_id) for row in [*failures, *attempts]},
    )
    return render(
        request,
        "quickbooks/sync_log.html",
        {
            "failures": [(f, names[(f.kind, f.local_id)]) for f in failures],
            "attempts": [(a, names[(a.kind, a.local_id)]) for a in attempts],
        },
    )


@require_POST
@company_required
def sync_retry(request, request_id):
    try:
        sync_request = outbox.retry(
            company=request.company, request_id=request_id, user=request.user
        )
    except SyncRequest.DoesNotExist:
        raise Http404("No such failed sync") from None
    audit.retry_requested(company=request.company, sync_request=sync_request)
    messages.info(request, "Queued again.")
    return redirect("quickbooks_sync_log")


@require_POST
@company_required
def unlink(request, kind, pk):
    """Forget the link to a document deleted in QuickBooks, so the next sync creates it anew."""
    document = _document_or_404(request, kind, pk)
    removed = bindings.unlink_deleted(company=request.company, kind=kind, local_id=document.pk)
    if removed:
        audit.unlinked(company=request.company, kind=kind, document=document)
        messages.success(request, "Unlinked from QuickBooks: the next sync creates it there again.")
    else:
        messages.info(request, "Only a document deleted in QuickBooks can be unlinked.")
    return redirect(SYNC_KINDS[kind][0], pk=document.pk)

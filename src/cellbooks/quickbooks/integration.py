"""QuickBooks Online as an integration: what it contributes to the inventory's pages and API
through the seam in ``cellbooks.core.integrations``. Registered in ``apps.py``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cellbooks.core.integrations import (
    ApiField,
    HealthCheck,
    Integration,
    ListExtension,
    PaymentPolicy,
)
from cellbooks.core.permissions import INTEGRATIONS, PUBLIC, VIEW, can

from . import bindings, crypto, documents, status
from .api_status import QuickBooksStatus, status_resolver
from .links import qbo_record_url
from .models import Connection
from .reconciler import SOURCE

NOTHING = mark_safe("")


def connection_for(request) -> Connection | None:
    """The company's connection, read once per request (every page's banner asks for it)."""
    if not hasattr(request, "_qbo_connection"):
        company = getattr(request, "company", None)
        request._qbo_connection = (
            Connection.objects.filter(company=company).first() if company else None
        )
    return request._qbo_connection


def linked_for(request, kind: str, local_id: int):
    """``bindings.linked``, read once per request (a page asks several hooks about one invoice)."""
    cache = request.__dict__.setdefault("_qbo_links", {})
    if (kind, local_id) not in cache:
        cache[(kind, local_id)] = bindings.linked(
            company=request.company, kind=kind, local_id=local_id
        )
    return cache[(kind, local_id)]


def payment_links_for(request, invoice_id: int) -> dict:
    """The links of an invoice's Cellbooks payments, read once per request."""
    cache = request.__dict__.setdefault("_qbo_payment_links", {})
    if invoice_id not in cache:
        children = bindings.linked_children(
            company=request.company, kind=bindings.Kind.PAYMENT, parent_local_id=invoice_id
        )
        cache[invoice_id] = {binding.local_id: binding for binding in children}
    return cache[invoice_id]


class QuickBooksIntegration(Integration):
    key = SOURCE
    name = "QuickBooks"
    url_prefix = "quickbooks_"
    api_router_path = "cellbooks.quickbooks.api_routes.router"

    # Who may open its pages and run its API operations (cellbooks.core.permissions): anyone in
    # the company sees the state of the connection and the sync log; connecting, the settings,
    # syncing and disconnecting need INTEGRATIONS (owners and bookkeepers).
    page_permissions = {
        "quickbooks_overview": VIEW,
        "quickbooks_connect": INTEGRATIONS,
        "quickbooks_callback": INTEGRATIONS,
        "quickbooks_confirm_realm": INTEGRATIONS,
        "quickbooks_settings": INTEGRATIONS,
        "quickbooks_disconnect": INTEGRATIONS,
        # Intuit calls these: the webhook proves itself with its signature, the disconnect page
        # checks with QuickBooks before believing anything.
        "quickbooks_webhook": PUBLIC,
        "quickbooks_disconnected": PUBLIC,
        "quickbooks_sync_retry": INTEGRATIONS,
        "quickbooks_sync_document": INTEGRATIONS,
        "quickbooks_sync_bulk": INTEGRATIONS,
        "quickbooks_sync_progress": VIEW,
        "quickbooks_sync_panel": VIEW,  # a document page's box, polled while a sync is queued
        "quickbooks_unlink": INTEGRATIONS,
        "quickbooks_sync_log": VIEW,
    }
    # Intuit's deliveries carry no session, only their signature: no page middleware for them.
    signed_endpoints = ("quickbooks_webhook",)
    api_permissions = {
        "sync_invoice": INTEGRATIONS,
        "sync_purchase_order": INTEGRATIONS,
        "sync_return": INTEGRATIONS,
        "sync_vendor_return": INTEGRATIONS,
        # as its pages: the connection, the settings as saved, a bulk sync's progress and the
        # sync log are for everyone in the company; the live choices (a QuickBooks call),
        # changing the settings, syncing and retrying need INTEGRATIONS
        "get_connection": VIEW,
        "get_settings": VIEW,
        "get_settings_choices": INTEGRATIONS,
        "update_settings": INTEGRATIONS,
        "start_sync_job": INTEGRATIONS,
        "get_sync_job": VIEW,
        "list_sync_job_documents": VIEW,
        "list_failures": VIEW,
        "retry_failure": INTEGRATIONS,
        "list_attempts": VIEW,
    }

    # ---- pages ----------------------------------------------------------------------------
    def card(self, request) -> SafeString:
        return render_to_string(
            "quickbooks/_card.html", {"qbo_connection": connection_for(request)}, request
        )

    def banner(self, request) -> SafeString:
        connection = connection_for(request)
        if connection is None or not connection.needs_reconnect:
            return NOTHING
        return render_to_string("quickbooks/_banner.html", {"qbo_connection": connection}, request)

    def document_panel(self, request, *, kind: str, document) -> SafeString:
        """The QuickBooks box on a PO or invoice page: state, Sync button, link, attempts."""
        document_status = status.document_status(
            company=request.company,
            kind=kind,
            document=document,
            binding=linked_for(request, kind, document.pk),
        )
        context = {
            "document": document,
            "kind": kind,
            "status": document_status,
            "move_to": status.move_target(company=request.company, binding=document_status.binding),
            "qbo_connection": connection_for(request),
        }
        return render_to_string("quickbooks/_sync_panel.html", context, request)

    def list_extension(self, request, *, kind: str, documents) -> ListExtension | None:
        """On a connected company's PO and invoice lists: a checkbox per row for "Sync selected",
        a mark on the rows already in QuickBooks, and the bulk-sync buttons."""
        connection = connection_for(request)
        if connection is None or not connection.is_connected or not can(request, INTEGRATIONS):
            return None
        synced = bindings.in_quickbooks(
            company=request.company, kind=kind, local_ids=[d.pk for d in documents]
        )
        cells = {
            document.pk: render_to_string(
                "quickbooks/_list_cell.html",
                {"document": document, "synced": document.pk in synced},
            )
            for document in documents
        }
        return ListExtension(
            form=render_to_string(
                "quickbooks/_list_form.html", {"kind": kind, "csrf_token": get_token(request)}
            ),
            header=mark_safe('<span class="muted" title="Select for QuickBooks">QB</span>'),
            cells=cells,
        )

    def void_notice(self, *, company, kind: str, document) -> str:
        binding = bindings.linked(company=company, kind=kind, local_id=document.pk)
        if binding is None or binding.remote_state:
            return ""
        what = f"{binding.qbo_entity} {binding.qbo_doc_number or binding.qbo_id}"
        effect = "voids it there too" if binding.qbo_entity == "Invoice" else "deletes it there too"
        return f"It is in QuickBooks as {what}: confirming {effect}."

    def change_notice(self, request, *, kind: str, document, change: str) -> str:
        binding = linked_for(request, kind, document.pk)
        if binding is None or binding.remote_state:
            return ""
        what = f"{binding.qbo_entity} {binding.qbo_doc_number or binding.qbo_id}"
        notice = f"It is in QuickBooks as {what}: the next sync changes it there too ({change})."
        if kind == bindings.Kind.INVOICE:
            notice += (
                " If the customer sent the device back, record a return instead: the QuickBooks "
                "invoice then stays as it was and a credit memo records the return."
            )
        return notice

    def payment_policy(self, request, *, invoice) -> PaymentPolicy | None:
        binding = linked_for(request, bindings.Kind.INVOICE, invoice.pk)
        if binding is None or binding.remote_state:
            return None
        return PaymentPolicy(
            notice=f"This invoice is in QuickBooks: a payment recorded here is recorded there too, "
            f"as a payment on {binding.qbo_entity.lower()} "
            f"{binding.qbo_doc_number or binding.qbo_id}."
        )

    def payment_note(self, request, *, payment) -> SafeString:
        """For a payment typed in Cellbooks: where it is in QuickBooks, or that it is on its way."""
        if linked_for(request, bindings.Kind.INVOICE, payment.invoice_id) is None:
            return NOTHING
        binding = payment_links_for(request, payment.invoice_id).get(payment.pk)
        if binding is None:
            return mark_safe(
                '<span class="muted qbo-payment-note">· on its way to QuickBooks</span>'
            )
        if binding.remote_state:
            return format_html(
                '<span class="muted qbo-payment-note">· {} in QuickBooks</span>',
                binding.remote_state,
            )
        return format_html(
            '<span class="qbo-payment-note">· in QuickBooks as <a href="{}" target="_blank" '
            'rel="noopener">payment {}</a></span>',
            qbo_record_url("Payment", binding.qbo_id, binding.realm_id),
            binding.qbo_id,
        )

    def payment_source(self, request, *, payment) -> tuple[str, str]:
        connection = connection_for(request)
        realm = connection.realm_id if connection else ""
        return (
            f"QuickBooks payment {payment.external_id}",
            qbo_record_url("Payment", payment.external_id, realm),
        )

    # ---- operations -----------------------------------------------------------------------
    def health_checks(self) -> dict[str, HealthCheck]:
        """The payments sweep runs every ``QBO_SWEEP_MINUTES`` per connected company, on the one
        scheduler: when the oldest connection's last successful sweep is older than twice that
        plus two minutes, the scheduler is down or QuickBooks keeps refusing it. (A connection
        that needs reconnecting is not swept, by design, and not counted.)"""
        limit = timedelta(minutes=2 * float(settings.QBO["SWEEP_MINUTES"]) + 2)
        found = Connection.objects.filter(status=Connection.Status.CONNECTED).aggregate(
            connections=Count("pk"), oldest=Min(Coalesce("last_sweep_at", "connected_at"))
        )
        facts = {"connections": found["connections"], "limit_seconds": limit.total_seconds()}
        if not found["connections"] or found["oldest"] is None:
            return {"quickbooks_sweep": HealthCheck(True, facts)}
        age = timezone.now() - found["oldest"]
        facts["oldest_sweep_age_seconds"] = round(age.total_seconds(), 1)
        return {"quickbooks_sweep": HealthCheck(age <= limit, facts)}

    def restore_problems(self) -> list[str]:
        """Tokens encrypted with a key this install does not have cannot be used: say which
        connections need the old key back (or reconnecting)."""
        problems = []
        for connection in Connection.objects.exclude(refresh_token_encrypted="").select_related(
            "company"
        ):
            try:
                connection.refresh_token  # noqa: B018 - decrypting is the check
            except crypto.DecryptionError:
                problems.append(
                    f"The QuickBooks sign-in of {connection.company} cannot be decrypted with "
                    "this install's encryption key: restore the key file that was backed up "
                    "with it (or set CELLBOOKS_ENCRYPTION_KEY), or reconnect QuickBooks."
                )
        return problems

    # ---- REST API -------------------------------------------------------------------------
    def api_fields(self, *, kind: str, detail: bool) -> dict[str, ApiField]:
        if kind not in documents.MODELS:
            return {}
        # Lists skip the "changed since the last sync" check (it reads every document's lines).
        return {
            "quickbooks": ApiField(QuickBooksStatus, status_resolver(kind, detect_changes=detail))
        }

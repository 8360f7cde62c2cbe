from django import template

from .. import sync
from ..config import load_config

register = template.Library()


def qbo_document_url(binding) -> str:
    """Where a person opens the QBO document in a browser (Intuit's app, or the emulator's UI)."""
    if binding is None:
        return ""
    config = load_config()
    entity = binding.qbo_entity.lower()
    if config.is_emulator:
        return f"{config.api_base}/companies/{binding.realm_id}/{entity}s/{binding.qbo_id}"
    page = {"invoice": "invoice", "bill": "bill", "purchaseorder": "purchaseorder"}.get(
        entity, entity
    )
    return f"{config.app_base}/{page}?txnId={binding.qbo_id}"


@register.inclusion_tag("quickbooks/_sync_panel.html", takes_context=True)
def quickbooks_sync_panel(context, document, kind):
    """The QuickBooks box on a PO or invoice page: state, Sync button, link, attempts."""
    request = context["request"]
    status = sync.document_status(company=request.company, kind=kind, document=document)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "document": document,
        "kind": kind,
        "status": status,
        "qbo_url": qbo_document_url(status["binding"]),
        "qbo_connection": context.get("qbo_connection"),
    }


@register.simple_tag
def qbo_url(binding):
    return qbo_document_url(binding)

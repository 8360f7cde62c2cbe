from django import template

from .. import sync
from ..links import qbo_record_url

register = template.Library()


def qbo_document_url(binding) -> str:
    """Where a person opens the QBO document in a browser (Intuit's app, or the emulator's UI)."""
    if binding is None:
        return ""
    return qbo_record_url(binding.qbo_entity, binding.qbo_id, binding.realm_id)


@register.inclusion_tag("quickbooks/_sync_panel.html", takes_context=True)
def quickbooks_sync_panel(context, document, kind):
    """The QuickBooks box on a PO or invoice page: state, Sync button, link, attempts."""
    request = context["request"]
    status = sync.document_status(company=request.company, kind=kind, document=document)
    binding = status["binding"]
    move_to = ""
    if kind == "purchase_order" and binding and not binding.remote_state:
        from ..models import IntegrationSettings

        chosen = (
            IntegrationSettings.objects.filter(company=request.company)
            .values_list("sync_pos_to", flat=True)
            .first()
        )
        target = (
            "PurchaseOrder" if chosen == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER else "Bill"
        )
        if binding.qbo_entity != target:
            move_to = "Purchase Order" if target == "PurchaseOrder" else "Bill"
    return {
        "move_to": move_to,
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


@register.simple_tag(takes_context=True)
def qbo_payment_url(context, payment):
    """The QBO payment a Cellbooks payment came from."""
    connection = context.get("qbo_connection")
    realm = connection.realm_id if connection else ""
    return qbo_record_url("Payment", payment.qbo_payment_id, realm)


@register.simple_tag(takes_context=True)
def qbo_void_notice(context, document):
    """On a void confirmation page: what confirming does in QuickBooks too."""
    from cellbooks.inventory.models import Invoice

    from ..models import Binding

    kind = Binding.Kind.INVOICE if isinstance(document, Invoice) else Binding.Kind.PURCHASE_ORDER
    binding = Binding.objects.filter(
        company=context["request"].company, kind=kind, local_id=document.pk
    ).first()
    if binding is None or binding.remote_state:
        return ""
    what = f"{binding.qbo_entity} {binding.qbo_doc_number or binding.qbo_id}"
    effect = "voids it there too" if binding.qbo_entity == "Invoice" else "deletes it there too"
    return f"It is in QuickBooks as {what}: confirming {effect}."


@register.simple_tag(takes_context=True)
def qbo_synced_ids(context, documents, kind):
    """The ids among ``documents`` that are linked to QuickBooks (one query for a list page)."""
    from ..models import Binding

    ids = [d.pk for d in documents]
    return set(
        Binding.objects.filter(
            company=context["request"].company, kind=kind, local_id__in=ids, remote_state=""
        ).values_list("local_id", flat=True)
    )

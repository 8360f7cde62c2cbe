"""What the installed integrations contribute to a page (see ``cellbooks.core.integrations``).

Inventory templates load this library, never an integration's own tags.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cellbooks.core.integrations import registry

register = template.Library()


def _request(context):
    return context.get("request")


@register.simple_tag(takes_context=True)
def integration_banners(context):
    request = _request(context)
    if request is None or getattr(request, "company", None) is None:
        return ""
    return mark_safe("".join(i.banner(request) for i in registry.all()))


@register.simple_tag(takes_context=True)
def integration_cards(context):
    request = _request(context)
    return mark_safe("".join(i.card(request) for i in registry.all()))


@register.simple_tag(takes_context=True)
def integration_panels(context, document, kind):
    """Each integration's box on a document page."""
    request = _request(context)
    return mark_safe(
        "".join(i.document_panel(request, kind=kind, document=document) for i in registry.all())
    )


@register.simple_tag(takes_context=True)
def integration_list_extensions(context, documents, kind):
    """The forms and columns integrations add to a list page, for the documents shown."""
    request = _request(context)
    documents = list(documents)
    extensions = (i.list_extension(request, kind=kind, documents=documents) for i in registry.all())
    return [extension for extension in extensions if extension is not None]


@register.simple_tag
def list_cell(extension, pk):
    return extension.cell(pk)


@register.simple_tag(takes_context=True)
def integration_void_notices(context, document, kind):
    return registry.void_notices(company=_request(context).company, kind=kind, document=document)


@register.simple_tag(takes_context=True)
def payment_source(context, payment):
    """Where a payment came from: typed in Cellbooks, or a link to the system that brought it."""
    request = _request(context)
    if not payment.is_external:
        notes = [i.payment_note(request, payment=payment) for i in registry.all()]
        return format_html("Recorded in Cellbooks {}", mark_safe(" ".join(n for n in notes if n)))
    integration = registry.get(payment.source)
    if integration is None:
        return payment.source
    label, url = integration.payment_source(request, payment=payment)
    if not url:
        return label
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)


@register.filter
def belongs_to_an_integration(url_name):
    """For the menu: is this page one of an integration's own pages?"""
    return registry.owns_url_name(url_name or "")

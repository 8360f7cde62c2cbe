"""Template helpers shared by every page: money formatting, and what the person's role allows."""

from decimal import Decimal, InvalidOperation

from django import template

from cellbooks.core import permissions

register = template.Library()


@register.filter
def money(value):
    """1234.5 -> "1,234.50"; None or "" -> "—". Decimal in, text out: never through float."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return value
    return f"{amount:,.2f}"


@register.filter
def can(request, capability):
    """``{% if request|can:"documents" %}``: whether the person's role allows it (pages hide what
    a role cannot do; the server refuses it anyway)."""
    return permissions.can(request, capability)

"""Template helpers shared by every page: money formatting."""

from decimal import Decimal, InvalidOperation

from django import template

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

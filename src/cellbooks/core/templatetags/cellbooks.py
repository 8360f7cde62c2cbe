"""Template helpers shared by every page: money formatting, the menu's sections, and what
the person's role allows."""

from decimal import Decimal, InvalidOperation

from django import template

from cellbooks.core import permissions
from cellbooks.core.money import format_money

register = template.Library()


@register.filter
def money(value, currency=None):
    """1234.5 -> "$1,234.50" in ``currency`` (the company's: ``{{ x|money:currency }}``);
    None or "" -> "—". Decimal in, text out: never through float."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return value
    if not amount.is_finite():
        return value
    return format_money(amount, currency)


@register.filter
def can(request, capability):
    """``{% if request|can:"documents" %}``: whether the person's role allows it (pages hide what
    a role cannot do; the server refuses it anyway)."""
    return permissions.can(request, capability)


@register.filter
def subtract(value, other):
    """``{{ price|subtract:cost }}``: a difference of amounts, in Decimal (None if either is)."""
    if value is None or other is None or value == "" or other == "":
        return None
    return Decimal(str(value)) - Decimal(str(other))


# The menu's sections and the page names that belong to each, by how the name starts. One page
# belongs to one section: /invoices/N/devices/ ("invoice_add_devices") is an invoice page.
SECTIONS = {
    "dashboard": ("dashboard",),
    "devices": ("device_",),
    "purchase_orders": ("purchase_order_",),
    "invoices": ("invoice_",),
    "returns": ("return_", "vendor_return_"),
    "price_sheet": ("price_sheet",),
    "reports": ("margin", "receivables"),
    "partners": ("partner_",),
    "integrations": ("integrations",),
}


@register.filter
def nav_section(url_name) -> str:
    """The menu section a page (by its URL name) belongs to, or ""."""
    url_name = url_name or ""
    for section, prefixes in SECTIONS.items():
        if url_name.startswith(prefixes):
            return section
    return ""

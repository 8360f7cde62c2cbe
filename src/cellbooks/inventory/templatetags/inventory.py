"""Template helpers of the inventory pages."""

from django import template

from cellbooks.inventory import figures
from cellbooks.inventory.models import Invoice

register = template.Library()
OUTSTANDING = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


@register.filter
def days_overdue(invoice, today) -> int:
    """How many days an invoice that still owes money is past its due date (0: not overdue)."""
    if invoice.status not in OUTSTANDING or not today:
        return 0
    return figures.days_overdue(invoice.due_date or invoice.date, today)


@register.inclusion_tag("partials/overdue.html")
def overdue_badge(invoice, today):
    return {"days": days_overdue(invoice, today)}

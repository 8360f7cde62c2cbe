"""Template helpers shared by every page: money formatting and the company switcher."""

from decimal import Decimal, InvalidOperation

from django import template

from cellbooks.accounts.models import Membership

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


@register.simple_tag(takes_context=True)
def user_memberships(context):
    """The signed-in user's memberships with their companies, in one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(
        Membership.objects.select_related("company").filter(user=user).order_by("company__name")
    )

"""Template helpers about the signed-in user (the company switcher's memberships) and the
activity log."""

from django import template

from cellbooks.accounts import audit
from cellbooks.accounts.models import Membership

register = template.Library()


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


@register.filter
def action_label(action):
    """What an activity log action is called for people ("Voided an invoice")."""
    return audit.action_label(action)

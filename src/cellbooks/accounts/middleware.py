"""Per request: the company a person works in and their role there, who is acting (for the activity
log), and whether their role allows the page they asked for."""

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone

from cellbooks.core import permissions

from . import audit, services
from .models import Membership

log = logging.getLogger(__name__)


def _membership_for(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("company").filter(user=user)
    wanted = request.session.get("company_id")
    if wanted is not None:
        chosen = memberships.filter(company_id=wanted).first()
        if chosen is not None:
            return chosen
    return memberships.first()


class CurrentCompanyMiddleware:
    """Puts ``request.membership``, ``request.company`` and ``request.role`` (or None) on every
    request.

    Every company-owned query in a view starts from ``request.company``; a user with no
    membership sees no company data at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = _membership_for(request)
        request.company = request.membership.company if request.membership else None
        request.role = request.membership.role if request.membership else None
        if request.company is None:
            return self.get_response(request)
        # Dates and times on the pages are the company's own.
        try:
            zone = ZoneInfo(request.company.time_zone)
        except (ValueError, ZoneInfoNotFoundError):
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ActorMiddleware:
    """The signed-in person is the actor of whatever the request does (the API's key
    authentication replaces it with the key for API requests)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = audit.Actor.for_user(user) if user is not None and user.is_authenticated else None
        token = audit.set_actor(actor)
        try:
            return self.get_response(request)
        finally:
            audit.reset_actor(token)


class PermissionMiddleware:
    """Every page is checked against ``cellbooks.core.permissions`` by its URL name before its
    view runs: anonymous visitors go to the login page (or to the first-run setup while nobody has
    an account), a role without the capability gets 403 with a sentence, and a URL name the table
    does not know is refused, so a new page cannot escape the check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        if set(match.namespaces) & permissions.SELF_GUARDED_NAMESPACES:
            return None
        capability = permissions.page_capability(match.url_name or "")
        if capability is None:
            log.error("No permission rule for URL name %r (%s)", match.url_name, request.path)
            raise PermissionDenied(
                "This page has no entry in Cellbooks' table of permissions, so it is refused."
            )
        if capability == permissions.PUBLIC:
            return None
        if not request.user.is_authenticated:
            if services.setup_is_needed():
                return redirect("setup")
            return redirect_to_login(request.get_full_path())
        if capability == permissions.SIGNED_IN:
            return None
        if request.company is None:
            raise PermissionDenied(
                "Your account does not belong to any company. Create one, or ask an owner of "
                "your company to invite you again."
            )
        if not permissions.role_can(request.role, capability):
            raise PermissionDenied(permissions.refusal(request.role, capability))
        return None

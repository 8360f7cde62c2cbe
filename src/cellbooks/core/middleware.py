"""Requests that other systems make, proving themselves by a signature over the body (QuickBooks'
webhook), go straight to their view.

Everything else in ``settings.MIDDLEWARE`` is for people's pages: sessions, CSRF, signing in, the
company and role, messages, the permission check, login throttling. A signed delivery needs none
of it, and on the endpoint that takes hundreds of deliveries a second it was about a third of
each one's CPU (docs/benchmarks.md). Placed right after ``SecurityMiddleware`` (so HTTPS
redirects and HSTS still apply), this middleware answers requests for the paths of the
integrations' ``signed_endpoints`` by calling their view; all other requests pass on unchanged.

Only pages that the table of permissions (``cellbooks.core.permissions``) lists as ``PUBLIC``
may be signed endpoints: one that needs anything else stops the server from starting its first
request, rather than skipping its check.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.urls import get_script_prefix, resolve, reverse

from . import permissions
from .integrations import registry


class SignedEndpointMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._routes: dict | None = None  # path → ResolverMatch, built at the first request

    def __call__(self, request):
        if self._routes is None:
            self._routes = signed_routes()
        match = self._routes.get(request.path)
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if not response.streaming and not response.has_header("Content-Length"):
            # As CommonMiddleware would: a keep-alive answer with a length, not chunked.
            response.headers["Content-Length"] = str(len(response.content))
        return response


def signed_routes() -> dict:
    """The integrations' signed endpoints by path (as ``request.path`` has them)."""
    routes = {}
    prefix = get_script_prefix()
    for name in registry.signed_endpoints():
        capability = permissions.page_capability(name)
        if capability != permissions.PUBLIC:
            raise ImproperlyConfigured(
                f"{name} is a signed endpoint, so it skips the page middleware and its check; "
                f"its entry in the table of permissions must be PUBLIC, not {capability!r}."
            )
        path = reverse(name)
        routes[path] = resolve("/" + path.removeprefix(prefix))
    return routes

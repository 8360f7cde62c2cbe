"""cellbooks.core.middleware.SignedEndpointMiddleware: a delivery signed by another system goes
straight to its view, past the page middleware; every other request passes on; and only a page
the table of permissions lists as PUBLIC may be a signed endpoint."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from cellbooks.core import permissions
from cellbooks.core.integrations import Integration, registry
from cellbooks.core.middleware import SignedEndpointMiddleware

WEBHOOK = "/integrations/quickbooks/webhook/"


def refuse(request):
    raise AssertionError(f"{request.path} went through the page middleware")


def test_quickbooks_webhook_is_a_public_signed_endpoint():
    assert "quickbooks_webhook" in registry.signed_endpoints()
    assert permissions.page_capability("quickbooks_webhook") == permissions.PUBLIC


def test_a_signed_endpoint_is_answered_by_its_view_without_the_page_middleware(db):
    middleware = SignedEndpointMiddleware(refuse)

    unsigned = middleware(
        RequestFactory().post(WEBHOOK, data=b"[]", content_type="application/json")
    )
    wrong_method = middleware(RequestFactory().get(WEBHOOK))

    assert unsigned.status_code == 401  # the view's own verdict
    assert json.loads(unsigned.content) == {"error": "bad or missing intuit-signature"}
    assert unsigned["Content-Length"] == str(len(unsigned.content))  # not chunked
    assert wrong_method.status_code == 405


def test_every_other_request_goes_through_the_page_middleware():
    seen = []

    def pages(request):
        seen.append(request.path)
        return HttpResponse("page")

    middleware = SignedEndpointMiddleware(pages)
    for path in ("/", "/integrations/quickbooks/", WEBHOOK + "extra/", "/healthz"):
        assert middleware(RequestFactory().get(path)).content == b"page"

    assert seen == ["/", "/integrations/quickbooks/", WEBHOOK + "extra/", "/healthz"]


class Careless(Integration):
    key = "careless"
    page_permissions = {"quickbooks_overview": permissions.VIEW}
    signed_endpoints = ("quickbooks_overview",)  # a page for people, not a signed endpoint


@pytest.fixture
def careless():
    registry.register(Careless())
    yield
    registry.unregister("careless")


def test_a_signed_endpoint_that_is_not_public_is_refused(careless):
    middleware = SignedEndpointMiddleware(refuse)

    with pytest.raises(ImproperlyConfigured, match="quickbooks_overview is a signed endpoint"):
        middleware(RequestFactory().get("/"))

"""Webhooks as an integration: its card on the Integrations page and its REST API operations,
through the seam in ``cellbooks.core.integrations``. Registered in ``apps.py``."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cellbooks.core.integrations import Integration
from cellbooks.core.permissions import INTEGRATIONS, VIEW, can

from .models import Subscription


class WebhooksIntegration(Integration):
    key = "webhooks"
    name = "Webhooks"
    url_prefix = "events_"
    api_router_path = "cellbooks.events.api_routes.router"

    # Where events go, their secrets and their delivery log are set up by whoever may set up
    # integrations (owners, bookkeepers); what the events are, and the events themselves (company
    # records anyone in it may read), are for everyone.
    page_permissions = {
        "events_endpoints": INTEGRATIONS,
        "events_endpoint": INTEGRATIONS,
        "events_endpoint_switch": INTEGRATIONS,
        "events_endpoint_test": INTEGRATIONS,
        "events_endpoint_secret": INTEGRATIONS,
        "events_endpoint_delete": INTEGRATIONS,
        "events_redeliver": INTEGRATIONS,
    }
    api_permissions = {
        "list_event_types": VIEW,
        "list_events": VIEW,
        "get_event": VIEW,
        "list_subscriptions": INTEGRATIONS,
        "create_subscription": INTEGRATIONS,
        "get_subscription": INTEGRATIONS,
        "update_subscription": INTEGRATIONS,
        "delete_subscription": INTEGRATIONS,
        "replace_secret": INTEGRATIONS,
        "test_subscription": INTEGRATIONS,
        "list_deliveries": INTEGRATIONS,
        "get_delivery": INTEGRATIONS,
        "redeliver": INTEGRATIONS,
    }

    def card(self, request) -> SafeString:
        company = getattr(request, "company", None)
        endpoints = Subscription.objects.filter(company=company) if company else None
        return render_to_string(
            "events/_card.html",
            {
                "can_manage": can(request, INTEGRATIONS),
                "endpoint_count": endpoints.count() if endpoints is not None else 0,
                "active_count": endpoints.filter(is_active=True).count()
                if endpoints is not None
                else 0,
            },
            request,
        )

"""Webhooks as an integration: its card on the Integrations page and its REST API operations,
through the seam in ``cellbooks.core.integrations``. Registered in ``apps.py``."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cellbooks.core.integrations import Integration

from .models import Subscription


class WebhooksIntegration(Integration):
    key = "webhooks"
    name = "Webhooks"
    url_prefix = "events_"
    api_router_path = "cellbooks.events.api_routes.router"

    def card(self, request) -> SafeString:
        company = getattr(request, "company", None)
        endpoints = Subscription.objects.filter(company=company) if company else None
        return render_to_string(
            "events/_card.html",
            {
                "endpoint_count": endpoints.count() if endpoints is not None else 0,
                "active_count": endpoints.filter(is_active=True).count()
                if endpoints is not None
                else 0,
            },
            request,
        )

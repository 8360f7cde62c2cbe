from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from cellbooks.api.api import api
from cellbooks.core import health
from cellbooks.core import views as core_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on their own (a PDF or an export has no <link rel="icon">).
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("cellbooks/favicon.ico"), permanent=True),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    path("", include("cellbooks.accounts.urls")),
    path("integrations/", core_views.integrations, name="integrations"),
    path("integrations/quickbooks/", include("cellbooks.quickbooks.urls")),
    path("integrations/webhooks/", include("cellbooks.events.urls")),
    path("api/v1/", api.urls),
    path("", include("cellbooks.inventory.urls")),
]

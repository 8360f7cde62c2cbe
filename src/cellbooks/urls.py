from django.contrib import admin
from django.urls import include, path

from cellbooks.api.api import api
from cellbooks.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("cellbooks.accounts.urls")),
    path("integrations/", core_views.integrations, name="integrations"),
    path("integrations/quickbooks/", include("cellbooks.quickbooks.urls")),
    path("api/v1/", api.urls),
    path("", include("cellbooks.inventory.urls")),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="quickbooks_overview"),
    path("connect/", views.connect, name="quickbooks_connect"),
    path("callback/", views.callback, name="quickbooks_callback"),
    path("confirm-company/", views.confirm_realm_change, name="quickbooks_confirm_realm"),
    path("settings/", views.settings_view, name="quickbooks_settings"),
    path("disconnect/", views.disconnect, name="quickbooks_disconnect"),
    path("disconnected/", views.disconnected, name="quickbooks_disconnected"),
]

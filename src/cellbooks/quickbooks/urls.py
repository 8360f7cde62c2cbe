from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("", views.overview, name="quickbooks_overview"),
    path("connect/", views.connect, name="quickbooks_connect"),
    path("callback/", views.callback, name="quickbooks_callback"),
    path("confirm-company/", views.confirm_realm_change, name="quickbooks_confirm_realm"),
    path("settings/", views.settings_view, name="quickbooks_settings"),
    path("disconnect/", views.disconnect, name="quickbooks_disconnect"),
    path("webhook/", webhooks.receive, name="quickbooks_webhook"),
    path("disconnected/", views.disconnected, name="quickbooks_disconnected"),
    # The retry route comes before sync/<kind>/<pk>/, which would otherwise take "retry" for a kind.
    path("sync/retry/<int:request_id>/", views.sync_retry, name="quickbooks_sync_retry"),
    path("sync/<str:kind>/<int:pk>/", views.sync_document, name="quickbooks_sync_document"),
    path("sync/<str:kind>/<int:pk>/panel/", views.sync_panel, name="quickbooks_sync_panel"),
    path("sync/<str:kind>/bulk/", views.sync_bulk, name="quickbooks_sync_bulk"),
    path("sync/progress/<str:batch_key>/", views.sync_progress, name="quickbooks_sync_progress"),
    path("sync/<str:kind>/<int:pk>/unlink/", views.unlink, name="quickbooks_unlink"),
    path("sync/log/", views.sync_log, name="quickbooks_sync_log"),
]

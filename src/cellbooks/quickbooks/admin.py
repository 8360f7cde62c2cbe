"""Admin for the integration's records. Tokens are never shown: the admin reads them encrypted."""

from django.contrib import admin

from .models import (
    Binding,
    Connection,
    IntegrationSettings,
    OAuthState,
    RateBucket,
    RemotePayment,
    SyncAttempt,
    SyncRequest,
    WebhookEvent,
)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "status",
        "qbo_company_name",
        "realm_id",
        "environment",
        "last_refreshed_at",
        "last_webhook_at",
        "last_sweep_at",
    ]
    list_filter = ["status", "environment"]
    search_fields = ["company__name", "qbo_company_name", "realm_id"]
    exclude = ["access_token_encrypted", "refresh_token_encrypted"]
    readonly_fields = [
        "token_generation",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "last_refreshed_at",
        "cdc_checkpoint",
        "last_webhook_at",
        "last_sweep_at",
        "last_sweep_result",
    ]


@admin.register(IntegrationSettings)
class IntegrationSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "item_name",
        "income_account_name",
        "expense_account_name",
        "sync_pos_to",
        "auto_sync",
    ]


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "kind",
        "local_id",
        "qbo_entity",
        "qbo_id",
        "qbo_doc_number",
        "qbo_name",
        "remote_state",
        "synced_at",
    ]
    list_filter = ["kind", "qbo_entity", "remote_state"]
    search_fields = ["qbo_id", "qbo_doc_number", "qbo_name"]

    # Links are written by the sync alone (bindings.py): a hand-edited QBO id would point a
    # document at the wrong record. Unlink from the document's page instead.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncRequest)
class SyncRequestAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "kind",
        "local_id",
        "action",
        "status",
        "attempts",
        "next_attempt_at",
        "finished_at",
    ]
    list_filter = ["status", "kind", "action"]


@admin.register(SyncAttempt)
class SyncAttemptAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "kind",
        "local_id",
        "action",
        "outcome",
        "started_at",
        "duration_ms",
        "api_calls",
        "qbo_code",
        "requestid",
    ]
    list_filter = ["outcome", "kind"]
    search_fields = ["requestid", "message"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = [
        "realm_id",
        "entity",
        "entity_id",
        "operation",
        "status",
        "received_at",
        "processed_at",
    ]
    list_filter = ["status", "entity", "operation"]


@admin.register(RemotePayment)
class RemotePaymentAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "realm_id",
        "qbo_id",
        "state",
        "total",
        "unapplied",
        "applied_elsewhere",
        "txn_date",
    ]
    list_filter = ["state"]


admin.site.register(OAuthState)
admin.site.register(RateBucket)

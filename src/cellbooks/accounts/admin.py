"""Django admin for tenants, memberships and API keys (keys are shown by prefix only)."""

from django.contrib import admin

from .models import ApiKey, AuditEntry, Company, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]
    search_fields = ["user__username", "user__email", "company__name"]
    raw_id_fields = ["user"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key_prefix",
        "role",
        "company",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["company"]
    search_fields = ["name", "key_prefix"]
    # The hash is useless to a person and the raw key is never stored: nothing here to edit.
    readonly_fields = ["key_prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        # A key is issued on Settings → API keys (or `manage.py create_api_key`), shown once.
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["company", "role"]
    search_fields = ["email"]
    readonly_fields = ["nonce", "accepted_at", "accepted_by", "created_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The activity log, read only: entries are never changed or deleted."""

    list_display = ["created_at", "company", "actor_label", "action", "target_label", "summary"]
    list_filter = ["company", "action"]
    search_fields = ["actor_label", "target_label", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

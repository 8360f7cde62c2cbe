"""Django admin for tenants, memberships and API keys (keys are shown by prefix only)."""

from django.contrib import admin

from .models import ApiKey, Company, Membership


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
    list_display = ["name", "key_prefix", "company", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["company"]
    search_fields = ["name", "key_prefix"]
    # The hash is useless to a person and the raw key is never stored: nothing here to edit.
    readonly_fields = ["key_prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        # A key is issued by `manage.py create_api_key`, which shows the secret once.
        return False

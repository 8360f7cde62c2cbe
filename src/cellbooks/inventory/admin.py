"""Django admin for the inventory: for support and inspection.

Day-to-day changes belong in the app's pages, which go through the services and keep totals
and statuses right; here the derived fields (status, totals) are read-only for that reason.
"""

from django.contrib import admin

from .models import (
    Condition,
    Device,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
)


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "sort_order", "company"]
    list_filter = ["company"]
    search_fields = ["code", "description"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "manufacturer",
        "model",
        "capacity",
        "colour",
        "network",
        "kind",
        "company",
    ]
    list_filter = ["kind", "manufacturer", "company"]
    search_fields = ["manufacturer", "model", "capacity", "colour", "network"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_vendor",
        "is_customer",
        "email",
        "phone",
        "payment_terms_days",
        "company",
    ]
    list_filter = ["is_vendor", "is_customer", "company"]
    search_fields = ["name", "email", "phone"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = [
        "identifier",
        "identifier_kind",
        "product",
        "condition",
        "cost",
        "price",
        "status",
        "location",
        "company",
    ]
    list_filter = ["status", "identifier_kind", "condition__code", "company"]
    search_fields = ["identifier", "product__manufacturer", "product__model", "location"]
    list_select_related = ["product", "condition", "company"]
    raw_id_fields = ["product", "condition"]
    readonly_fields = ["status", "created_at", "updated_at"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["kind", "prefix", "next_value", "company"]
    list_filter = ["kind", "company"]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    raw_id_fields = ["device"]
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "vendor", "date", "status", "received_at", "company"]
    list_filter = ["status", "company"]
    search_fields = ["number", "vendor__name", "notes"]
    date_hierarchy = "date"
    list_select_related = ["vendor", "company"]
    readonly_fields = ["status", "received_at", "created_at", "updated_at"]
    inlines = [PurchaseOrderLineInline]


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(admin.ModelAdmin):
    list_display = ["purchase_order", "device", "unit_cost"]
    search_fields = ["device__identifier", "purchase_order__number"]
    raw_id_fields = ["purchase_order", "device"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    raw_id_fields = ["device"]
    extra = 0


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["amount", "date", "method", "reference", "source", "external_id"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "date",
        "due_date",
        "status",
        "total",
        "amount_paid",
        "company",
    ]
    list_filter = ["status", "company"]
    search_fields = ["number", "customer__name", "notes"]
    date_hierarchy = "date"
    list_select_related = ["customer", "company"]
    readonly_fields = [
        "status",
        "total",
        "amount_paid",
        "opened_at",
        "voided_at",
        "created_at",
        "updated_at",
    ]
    inlines = [InvoiceLineInline, PaymentInline]


@admin.register(InvoiceLine)
class InvoiceLineAdmin(admin.ModelAdmin):
    list_display = ["invoice", "device", "unit_price"]
    search_fields = ["device__identifier", "invoice__number"]
    raw_id_fields = ["invoice", "device"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "invoice",
        "amount",
        "date",
        "method",
        "reference",
        "source",
        "external_id",
        "company",
    ]
    list_filter = ["method", "source", "company"]
    search_fields = ["invoice__number", "reference", "external_id"]
    date_hierarchy = "date"
    raw_id_fields = ["invoice"]

"""Read-only queries for pages and the API: always scoped to one company."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from cellbooks.core.money import money_sum

from .models import (
    Condition,
    Device,
    Invoice,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
)

OUTSTANDING_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


def dashboard_summary(*, company, recent: int = 5) -> dict:
    """The numbers on the dashboard: stock and its cost, what customers owe, latest documents."""
    in_stock = Device.objects.filter(company=company, status=Device.Status.IN_STOCK)
    outstanding = Invoice.objects.filter(company=company, status__in=OUTSTANDING_STATUSES)
    totals = outstanding.values_list("total", "amount_paid")
    return {
        "devices_in_stock": in_stock.count(),
        # Summed in Python: SQLite would add the decimals as floats.
        "stock_cost": money_sum(in_stock.values_list("cost", flat=True)),
        "open_invoices": len(totals),
        "balance_due": money_sum(total - paid for total, paid in totals),
        "recent_purchase_orders": list(
            PurchaseOrder.objects.filter(company=company)
            .select_related("vendor")
            .order_by("-created_at", "-id")[:recent]
        ),
        "recent_invoices": list(
            Invoice.objects.filter(company=company)
            .select_related("customer")
            .order_by("-created_at", "-id")[:recent]
        ),
    }


def search_devices(*, company, q="", product_id=None, condition_id=None, status=None) -> QuerySet:
    """Devices matching a search box and filters, newest first.

    ``q`` matches part of the IMEI/serial (spaces and dashes ignored, as scanned) or every word
    of the product ("iphone 13 blue").
    """
    devices = Device.objects.filter(company=company).select_related("product", "condition")
    q = (q or "").strip()
    if q:
        compact = q.replace(" ", "").replace("-", "")
        product_match = Q()
        for word in q.split():
            product_match &= (
                Q(product__manufacturer__icontains=word)
                | Q(product__model__icontains=word)
                | Q(product__capacity__icontains=word)
                | Q(product__colour__icontains=word)
                | Q(product__network__icontains=word)
            )
        devices = devices.filter(
            Q(identifier__icontains=q) | Q(identifier__icontains=compact) | product_match
        )
    if product_id:
        devices = devices.filter(product_id=product_id)
    if condition_id:
        devices = devices.filter(condition_id=condition_id)
    if status:
        devices = devices.filter(status=status)
    return devices


def products_for(*, company) -> QuerySet:
    return Product.objects.filter(company=company).annotate(
        in_stock=Count("devices", filter=Q(devices__status=Device.Status.IN_STOCK))
    )


def conditions_for(*, company) -> QuerySet:
    return Condition.objects.filter(company=company)


def vendors_for(*, company) -> QuerySet:
    return Partner.objects.filter(company=company, is_vendor=True)


def customers_for(*, company) -> QuerySet:
    return Partner.objects.filter(company=company, is_customer=True)


def purchase_orders_for(*, company, status=None) -> QuerySet:
    pos = (
        PurchaseOrder.objects.filter(company=company)
        .select_related("vendor")
        .annotate(device_count=Count("lines"))
    )
    return pos.filter(status=status) if status else pos


def invoices_for(*, company, status=None) -> QuerySet:
    invoices = (
        Invoice.objects.filter(company=company)
        .select_related("customer")
        .annotate(device_count=Count("lines"))
    )
    return invoices.filter(status=status) if status else invoices


def purchase_order_lines(*, purchase_order) -> QuerySet:
    return purchase_order.lines.select_related("device__product", "device__condition")


def purchase_order_total(*, purchase_order) -> Decimal:
    """The PO's total cost: the exact sum of its lines' unit costs."""
    return money_sum(
        PurchaseOrderLine.objects.filter(purchase_order=purchase_order).values_list(
            "unit_cost", flat=True
        )
    )


def invoice_lines(*, invoice) -> QuerySet:
    return invoice.lines.select_related("device__product", "device__condition")


def invoice_payments(*, invoice) -> QuerySet:
    return Payment.objects.filter(invoice=invoice).order_by("date", "id")


def invoice_total(*, invoice) -> Decimal:
    """Recomputed from the lines (``Invoice.total`` holds the same, kept by the services)."""
    return money_sum(invoice.lines.values_list("unit_price", flat=True))


def device_current_invoice(*, device) -> Invoice | None:
    """The non-void invoice a device is on, if any (a device is on at most one)."""
    line = (
        device.invoice_lines.exclude(invoice__status=Invoice.Status.VOID)
        .select_related("invoice")
        .first()
    )
    return line.invoice if line else None

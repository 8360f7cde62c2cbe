"""Read-only queries for pages and the API: always scoped to one company."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from cellbooks.core.money import money_sum

from . import grouping
from .models import (
    Condition,
    CustomerReturn,
    Device,
    Invoice,
    InvoiceLine,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReturnLine,
    VendorReturn,
    VendorReturnLine,
)

OUTSTANDING_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


def dashboard_summary(*, company, recent: int = 5) -> dict:
    """The numbers on the dashboard: stock and its cost, what customers owe, latest documents."""
    in_stock = Device.objects.filter(company=company, status=Device.Status.IN_STOCK)
    incoming = Device.objects.filter(company=company, status=Device.Status.INCOMING)
    outstanding = Invoice.objects.filter(company=company, status__in=OUTSTANDING_STATUSES)
    totals = outstanding.values_list("total", "amount_paid", "amount_credited")
    return {
        "devices_in_stock": in_stock.count(),
        # Summed in Python: SQLite would add the decimals as floats.
        "stock_cost": money_sum(in_stock.values_list("cost", flat=True)),
        "devices_incoming": incoming.count(),
        "incoming_cost": money_sum(incoming.values_list("cost", flat=True)),
        "open_invoices": len(totals),
        "balance_due": money_sum(total - paid - credited for total, paid, credited in totals),
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


# ---- a document's lines, grouped as they are sent to an accounting system ---------------------


@dataclass
class LineGroup:
    """Devices of one product in one condition at one unit amount: one line of the accounting
    document (see grouping.py)."""

    product: Product
    condition: Condition
    unit_amount: Decimal
    count: int
    lines: list = field(default_factory=list)  # empty for a summarised (large) document

    @property
    def subtotal(self) -> Decimal:
        return self.unit_amount * self.count


def _group_key(product: Product, condition: Condition, unit_amount: Decimal) -> tuple:
    return grouping.group_key(
        product_name=product.display_name,
        condition_order=condition.sort_order,
        condition_code=condition.code,
        unit_amount=unit_amount,
    )


def line_groups(lines: QuerySet, amount_field: str) -> list[LineGroup]:
    """A document's lines (a PO's or an invoice's ``lines``) in their groups, each with its lines.
    ``amount_field``: "unit_cost" or "unit_price"."""
    rows = list(lines.select_related("device__product", "device__condition"))
    groups = grouping.group(
        rows,
        key=lambda line: _group_key(
            line.device.product, line.device.condition, getattr(line, amount_field)
        ),
        tiebreak=lambda line: line.device.identifier,
    )
    return [
        LineGroup(
            product=members[0].device.product,
            condition=members[0].device.condition,
            unit_amount=getattr(members[0], amount_field),
            count=len(members),
            lines=members,
        )
        for members in groups
    ]


def line_group_summaries(lines: QuerySet, amount_field: str) -> list[LineGroup]:
    """The same groups without loading each line as a model (a 50,000-device PO): counts from
    one query of tuples, exact Decimal subtotals."""
    counts = Counter(
        lines.values_list("device__product_id", "device__condition_id", amount_field).iterator()
    )
    products = Product.objects.in_bulk({product_id for product_id, _, _ in counts})
    conditions = Condition.objects.in_bulk({condition_id for _, condition_id, _ in counts})
    merged: dict[tuple, LineGroup] = {}
    for (product_id, condition_id, amount), count in counts.items():
        product, condition = products[product_id], conditions[condition_id]
        key = _group_key(product, condition, amount)
        if key in merged:  # two products with the same name are one line
            merged[key].count += count
        else:
            merged[key] = LineGroup(product, condition, amount, count)
    return [merged[key] for key in sorted(merged)]


# ---- a device's life ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    when: object  # date
    what: str  # "Bought", "Sold", "Returned by the customer", "Returned to the vendor"
    document: object  # the PO, invoice or return
    partner: Partner | None
    amount: Decimal | None  # cost or price at that step
    device: Device
    note: str = ""
    at: object = None  # when it was recorded, to order events of one day
    kind: str = ""  # "purchase_order", "invoice", "customer_return", "vendor_return"


def device_timeline(*, company, identifier: str) -> list[TimelineEvent]:
    """Everything that happened to the units with this IMEI or serial, oldest first: bought on a
    PO, sold on an invoice, returned by a customer, returned to a vendor — across every device
    record the identifier ever had (a unit sold and bought back is a new record)."""
    devices = {d.pk: d for d in Device.objects.filter(company=company, identifier=identifier)}
    events: list[TimelineEvent] = []

    kinds = {
        PurchaseOrder: "purchase_order",
        Invoice: "invoice",
        CustomerReturn: "customer_return",
        VendorReturn: "vendor_return",
    }

    def add(when, what, document, partner, amount, device_id, note="", at=None):
        events.append(
            TimelineEvent(
                when,
                what,
                document,
                partner,
                amount,
                devices[device_id],
                note,
                at,
                kinds[type(document)],
            )
        )

    for line in PurchaseOrderLine.objects.filter(device_id__in=devices).select_related(
        "purchase_order__vendor"
    ):
        po = line.purchase_order
        what = "Ordered" if po.status == PurchaseOrder.Status.DRAFT else "Bought"
        at = po.received_at or po.created_at
        add(po.date, what, po, po.vendor, line.unit_cost, line.device_id, at=at)
    for line in InvoiceLine.objects.filter(device_id__in=devices).select_related(
        "invoice__customer"
    ):
        invoice = line.invoice
        what = {
            Invoice.Status.VOID: "On a voided invoice",
            Invoice.Status.DRAFT: "On a draft invoice",
        }.get(invoice.status, "Sold")
        at = invoice.opened_at or invoice.created_at
        add(invoice.date, what, invoice, invoice.customer, line.unit_price, line.device_id, at=at)
    for line in ReturnLine.objects.filter(device_id__in=devices).select_related(
        "customer_return__customer", "new_condition"
    ):
        rma = line.customer_return
        if rma.status == CustomerReturn.Status.VOID:
            continue
        note = line.get_disposition_display()
        if line.new_condition:
            note += f", regraded {line.new_condition.code}"
        what = "Returned by the customer" + (" (draft)" if rma.is_editable else "")
        at = rma.completed_at or rma.created_at
        add(rma.date, what, rma, rma.customer, line.unit_price, line.device_id, note, at)
    for line in VendorReturnLine.objects.filter(device_id__in=devices).select_related(
        "vendor_return__vendor"
    ):
        rtv = line.vendor_return
        if rtv.status == VendorReturn.Status.VOID:
            continue
        what = "Returned to the vendor" + (" (draft)" if rtv.is_editable else "")
        at = rtv.completed_at or rtv.created_at
        add(rtv.date, what, rtv, rtv.vendor, line.credit_amount, line.device_id, at=at)
    return sorted(events, key=lambda event: (event.when, event.at))

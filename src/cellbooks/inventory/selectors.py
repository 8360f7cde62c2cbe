"""Read-only queries for pages and the API: always scoped to one company."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet

from cellbooks.core.aggregates import MoneySum
from cellbooks.core.dates import company_today, local_date
from cellbooks.core.money import CENT, ZERO, money_sum

from . import figures, grouping
from .models import (
    AskingPrice,
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
ZERO_MONEY = Decimal("0.00")


def dashboard_summary(*, company, today=None, recent: int = 5) -> dict:
    """The numbers on the dashboard: stock and its cost, what customers owe (and how much of it
    is overdue), this month's margin, latest documents. ``today``: the company's, by default.
    Counted and summed by the database, exactly (MoneySum), a query for each group of figures."""
    today = today or company_today(company)
    stock = Device.objects.filter(
        company=company, status__in=[Device.Status.IN_STOCK, Device.Status.INCOMING]
    ).aggregate(
        in_stock=Count("pk", filter=Q(status=Device.Status.IN_STOCK)),
        stock_cost=MoneySum("cost", filter=Q(status=Device.Status.IN_STOCK)),
        incoming=Count("pk", filter=Q(status=Device.Status.INCOMING)),
        incoming_cost=MoneySum("cost", filter=Q(status=Device.Status.INCOMING)),
    )
    due = F("total") - F("amount_paid") - F("amount_credited")
    late = Q(due_date__lt=today)
    owed = Invoice.objects.filter(company=company, status__in=OUTSTANDING_STATUSES).aggregate(
        count=Count("pk"),
        balance=MoneySum(due),
        overdue_count=Count("pk", filter=late),
        overdue=MoneySum(due, filter=late),
    )
    month = figures.month_start(today)
    return {
        "overdue_invoices": owed["overdue_count"],
        "overdue_due": owed["overdue"] or ZERO,
        "month": month,
        "month_margin": margin_total(company=company, start=month, end=today),
        "devices_in_stock": stock["in_stock"],
        "stock_cost": stock["stock_cost"] or ZERO,
        "devices_incoming": stock["incoming"],
        "incoming_cost": stock["incoming_cost"] or ZERO,
        "open_invoices": owed["count"],
        "balance_due": owed["balance"] or ZERO,
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


def search_devices(
    *,
    company,
    q="",
    product_id=None,
    condition_id=None,
    status=None,
    battery_min=None,
    fmi_lock=None,
    carrier_lock=None,
) -> QuerySet:
    """Devices matching a search box and filters, newest first (the device list and its exports).

    ``q`` matches part of the IMEI/serial (spaces and dashes ignored, as scanned) or every word
    of the product ("iphone 13 blue"). ``battery_min``: at least this battery health (a device
    not checked does not match); ``fmi_lock`` / ``carrier_lock``: a value of their choices, ""
    for "not checked", None for any.
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
    if battery_min is not None:
        devices = devices.filter(battery_health__gte=battery_min)
    if fmi_lock is not None:
        devices = devices.filter(fmi_lock=fmi_lock)
    if carrier_lock is not None:
        devices = devices.filter(carrier_lock=carrier_lock)
    return devices


def search_partners(*, company, q="", role="") -> QuerySet:
    """Partners by part of their name and role ("vendor", "customer" or "" for both)."""
    partners = Partner.objects.filter(company=company)
    if role == "vendor":
        partners = partners.filter(is_vendor=True)
    elif role == "customer":
        partners = partners.filter(is_customer=True)
    if q := (q or "").strip():
        partners = partners.filter(name__icontains=q)
    return partners


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


def invoices_for(*, company, status=None, today=None) -> QuerySet:
    """Invoices with their device counts; ``status`` may also be "overdue" (needs ``today``)."""
    invoices = (
        Invoice.objects.filter(company=company)
        .select_related("customer")
        .annotate(device_count=Count("lines"))
    )
    if status == "overdue":
        return invoices.filter(status__in=OUTSTANDING_STATUSES, due_date__lt=today)
    return invoices.filter(status=status) if status else invoices


def purchase_order_list(*, company, status=None) -> QuerySet:
    """A list page's purchase orders, newest first, with no per-row aggregate: the database walks
    them in order and stops at the page (``with_line_figures`` adds the page's counts and totals)."""
    pos = PurchaseOrder.objects.filter(company=company).select_related("vendor")
    return (pos.filter(status=status) if status else pos).order_by("-date", "-id")


def invoice_list(*, company, status=None, today=None) -> QuerySet:
    """A list page's invoices, newest first, with no per-invoice aggregate (the list shows none):
    the database walks them in order and stops at the page. ``status`` may also be "overdue"
    (needs ``today``)."""
    invoices = Invoice.objects.filter(company=company).select_related("customer")
    if status == "overdue":
        invoices = invoices.filter(status__in=OUTSTANDING_STATUSES, due_date__lt=today)
    elif status:
        invoices = invoices.filter(status=status)
    return invoices.order_by("-date", "-id")


def with_line_figures(purchase_orders) -> list:
    """The given purchase orders (a page of them) with ``device_count`` and ``total_cost`` (exact,
    MoneySum), counted in one grouped query over those POs' lines only."""
    rows = list(purchase_orders)
    figures = {
        row["purchase_order_id"]: row
        for row in PurchaseOrderLine.objects.filter(purchase_order_id__in=[po.pk for po in rows])
        .values("purchase_order_id")
        .annotate(device_count=Count("pk"), total_cost=MoneySum("unit_cost"))
        .order_by()
    }
    for po in rows:
        found = figures.get(po.pk, {})
        po.device_count = found.get("device_count", 0)
        po.total_cost = found.get("total_cost")
    return rows


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


@dataclass(frozen=True)
class PrintedDevice:
    """A device as a printed document shows it: its identifier and what buyers check."""

    identifier: str
    battery_health: int | None
    fmi_lock: str
    carrier_lock: str
    cosmetic_notes: str


def printed_line_groups(lines: QuerySet, amount_field: str) -> list[LineGroup]:
    """The groups of ``line_groups`` (the same rule, the same order), each line a plain
    ``PrintedDevice`` read as a tuple: a 5,000-device invoice prints in about a second."""
    rows = list(
        lines.order_by()
        .values_list(
            "device__product_id",
            "device__condition_id",
            amount_field,
            "device__identifier",
            "device__battery_health",
            "device__fmi_lock",
            "device__carrier_lock",
            "device__cosmetic_notes",
        )
        .iterator(chunk_size=5000)
    )
    products = Product.objects.in_bulk({row[0] for row in rows})
    conditions = Condition.objects.in_bulk({row[1] for row in rows})
    keys = {
        (p, c, amount): _group_key(products[p], conditions[c], amount) for p, c, amount, *_ in rows
    }
    groups = grouping.group(rows, key=lambda row: keys[row[:3]], tiebreak=lambda row: row[3])
    return [
        LineGroup(
            product=products[members[0][0]],
            condition=conditions[members[0][1]],
            unit_amount=members[0][2],
            count=len(members),
            lines=[PrintedDevice(*row[3:]) for row in members],
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


# ---- receivables ------------------------------------------------------------------------------


def outstanding_invoices(*, company, customer_id=None) -> QuerySet:
    """Invoices that still owe money: open or partially paid, oldest due first."""
    invoices = (
        Invoice.objects.filter(company=company, status__in=OUTSTANDING_STATUSES)
        .select_related("customer")
        .order_by("due_date", "date", "id")
    )
    return invoices.filter(customer_id=customer_id) if customer_id else invoices


def overdue_invoices(*, company, today) -> QuerySet:
    return outstanding_invoices(company=company).filter(due_date__lt=today)


@dataclass
class CustomerAging:
    customer: Partner
    aging: figures.Aging
    invoices: list = field(default_factory=list)  # (invoice, days overdue), oldest due first


def receivables(*, company, today, customer_id=None) -> tuple[list[CustomerAging], figures.Aging]:
    """What every customer owes, aged (current, 1–30, 31–60, 61–90, over 90 days past due), most
    overdue first; and the company's total."""
    by_customer: dict[int, CustomerAging] = {}
    total = figures.Aging()
    for invoice in outstanding_invoices(company=company, customer_id=customer_id):
        balance = invoice.balance_due
        if balance <= 0:
            continue
        days = figures.days_overdue(invoice.due_date or invoice.date, today)
        row = by_customer.setdefault(
            invoice.customer_id, CustomerAging(invoice.customer, figures.Aging())
        )
        row.aging.add(balance, days)
        row.invoices.append((invoice, days))
        total.add(balance, days)
    rows = sorted(
        by_customer.values(),
        key=lambda r: (-r.aging.overdue, -r.aging.total, r.customer.name.lower()),
    )
    return rows, total


# ---- margins ----------------------------------------------------------------------------------

SOLD_INVOICE_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


def sold_lines(*, company, start=None, end=None, customer_id=None) -> QuerySet:
    """The one definition of a sale for margins: a device on an issued invoice (open, partially
    paid or paid; never a draft or a void one) dated from ``start`` to ``end``, and not brought
    back on a completed customer return.

    Returns are netted out here, and only here, so every margin is net of returns: a returned
    device counts neither its price nor its cost (the sale is undone in the invoice's period).
    """
    lines = InvoiceLine.objects.filter(
        invoice__company=company, invoice__status__in=SOLD_INVOICE_STATUSES
    ).exclude(return_lines__customer_return__status=CustomerReturn.Status.COMPLETED)
    if start:
        lines = lines.filter(invoice__date__gte=start)
    if end:
        lines = lines.filter(invoice__date__lte=end)
    if customer_id:
        lines = lines.filter(invoice__customer_id=customer_id)
    return lines


SALE_FIELDS = (
    "unit_price",
    "device__cost",
    "invoice__date",
    "invoice_id",
    "invoice__number",
    "invoice__customer_id",
    "invoice__customer__name",
    "device__product_id",
    "device__condition_id",
    "device_id",
    "device__identifier",
)
MARGIN_GROUPINGS = {
    "month": "Month",
    "product": "Product and grade",
    "customer": "Customer",
    "invoice": "Invoice",
    "device": "Device",
}


@dataclass
class MarginRow:
    key: tuple
    label: str
    figures: figures.Margin
    url_kind: str = ""  # "invoice", "partner", "device": what ``url_id`` points to
    url_id: int | None = None
    detail: str = ""  # the grade, the customer, the date…


def margin_total(*, company, start=None, end=None, customer_id=None) -> figures.Margin:
    """Counted and summed by the database, exactly (MoneySum): one query, however many sales."""
    found = sold_lines(company=company, start=start, end=end, customer_id=customer_id).aggregate(
        units=Count("pk"), revenue=MoneySum("unit_price"), cost=MoneySum("device__cost")
    )
    return figures.Margin(
        units=found["units"], revenue=found["revenue"] or ZERO, cost=found["cost"] or ZERO
    )


def margin_rows(*, company, by, start=None, end=None, customer_id=None):
    """Margins grouped ``by`` month, product × grade, customer, invoice or device, with the total.

    Months run from ``start``'s to ``end``'s, months without sales included (a chart's axis).
    Summed in Python from tuples: exact Decimals on every database.
    """
    if by not in MARGIN_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    rows: dict[tuple, MarginRow] = {}
    total = figures.Margin()
    sales = sold_lines(company=company, start=start, end=end, customer_id=customer_id)
    products, conditions = {}, {}
    if by == "product":
        products = Product.objects.for_company(company).in_bulk()
        conditions = Condition.objects.for_company(company).in_bulk()
    if by == "month" and start and end:
        for month in figures.months_between(start, end):
            rows[(month,)] = MarginRow((month,), f"{month:%b %Y}", figures.Margin())
    for sale in sales.values(*SALE_FIELDS).order_by().iterator(chunk_size=5000):
        price, cost = sale["unit_price"], sale["device__cost"]
        total.add(price, cost)
        key, make = _margin_key(by, sale, products, conditions)
        row = rows.get(key)
        if row is None:
            row = rows[key] = make()
        row.figures.add(price, cost)
    ordered = sorted(rows.values(), key=lambda row: row.key)
    if by in ("customer", "invoice", "device"):
        ordered.sort(key=lambda row: -row.figures.margin)
    return ordered, total


def _margin_key(by, sale, products, conditions):
    if by == "month":
        month = figures.month_start(sale["invoice__date"])
        return (month,), lambda: MarginRow((month,), f"{month:%b %Y}", figures.Margin())
    if by == "customer":
        key = (sale["invoice__customer__name"].lower(), sale["invoice__customer_id"])
        return key, lambda: MarginRow(
            key, sale["invoice__customer__name"], figures.Margin(), "partner", key[1]
        )
    if by == "invoice":
        key = (sale["invoice__date"], sale["invoice_id"])
        return key, lambda: MarginRow(
            key,
            sale["invoice__number"],
            figures.Margin(),
            "invoice",
            sale["invoice_id"],
            f"{sale['invoice__customer__name']}, {sale['invoice__date']:%b %-d, %Y}",
        )
    if by == "device":
        key = (sale["device__identifier"], sale["invoice_id"])
        return key, lambda: MarginRow(
            key,
            sale["device__identifier"],
            figures.Margin(),
            "device",
            sale["device_id"],
            f"{sale['invoice__number']}, {sale['invoice__customer__name']}",
        )
    product = products[sale["device__product_id"]]
    condition = conditions[sale["device__condition_id"]]
    key = (product.display_name.lower(), condition.sort_order, condition.code.lower())
    return key, lambda: MarginRow(
        key, product.display_name, figures.Margin(), detail=f"Grade {condition.code}"
    )


def invoice_margin(*, invoice) -> figures.Margin:
    """What an invoice's devices sold for against what they cost, net of completed returns."""
    result = figures.Margin()
    lines = invoice.lines.exclude(
        return_lines__customer_return__status=CustomerReturn.Status.COMPLETED
    )
    for price, cost in lines.values_list("unit_price", "device__cost"):
        result.add(price, cost)
    return result


# ---- price sheet ------------------------------------------------------------------------------


@dataclass
class PriceSheetRow:
    """In-stock devices of one product in one grade."""

    product: Product
    condition: Condition
    count: int = 0
    total_cost: Decimal = Decimal("0.00")
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None
    oldest_days: int = 0
    total_days: int = 0
    asking_price: Decimal | None = None

    @property
    def average_cost(self) -> Decimal:
        return (self.total_cost / self.count).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def average_days(self) -> int:
        return round(self.total_days / self.count) if self.count else 0

    @property
    def asking_margin(self) -> Decimal | None:
        """What selling one at the asking price would make over the average cost."""
        if self.asking_price is None:
            return None
        return self.asking_price - self.average_cost


PRICE_SHEET_SORTS = {
    "product": "Product",
    "count": "Most in stock",
    "age": "Oldest stock",
    "average_cost": "Average cost",
    "asking_price": "Asking price",
}


def price_sheet(
    *, company, today, q="", condition_id=None, sort="product", time_zone=None
) -> list[PriceSheetRow]:
    """In-stock devices by product × grade: how many, their cost (average, lowest, highest), how
    long they have been in stock (since their PO was received, or they were added), and the
    asking price set for the product and grade."""
    devices = search_devices(
        company=company, q=q, condition_id=condition_id, status=Device.Status.IN_STOCK
    ).order_by()
    cells: dict[tuple[int, int], list] = {}
    for product_id, condition_id_, cost, created_at, received_at in devices.values_list(
        "product_id",
        "condition_id",
        "cost",
        "created_at",
        "purchase_line__purchase_order__received_at",
    ).iterator(chunk_size=5000):
        cell = cells.setdefault((product_id, condition_id_), [0, ZERO_MONEY, None, None, 0, 0])
        cell[0] += 1
        cell[1] += cost
        cell[2] = cost if cell[2] is None else min(cell[2], cost)
        cell[3] = cost if cell[3] is None else max(cell[3], cost)
        days = max((today - local_date(received_at or created_at, time_zone)).days, 0)
        cell[4] = max(cell[4], days)
        cell[5] += days
    products = Product.objects.in_bulk({p for p, _ in cells})
    conditions = Condition.objects.in_bulk({c for _, c in cells})
    asking = {
        (a.product_id, a.condition_id): a.price
        for a in AskingPrice.objects.filter(company=company, product_id__in=products)
    }
    rows = [
        PriceSheetRow(
            products[p],
            conditions[c],
            count,
            total,
            low,
            high,
            oldest,
            days,
            asking.get((p, c)),
        )
        for (p, c), (count, total, low, high, oldest, days) in cells.items()
    ]
    return sort_price_sheet(rows, sort)


def sort_price_sheet(rows: list[PriceSheetRow], sort: str) -> list[PriceSheetRow]:
    by_product = sorted(
        rows,
        key=lambda r: (r.product.display_name.lower(), r.condition.sort_order, r.condition.code),
    )
    if sort == "count":
        return sorted(by_product, key=lambda r: -r.count)
    if sort == "age":
        return sorted(by_product, key=lambda r: -r.oldest_days)
    if sort == "average_cost":
        return sorted(by_product, key=lambda r: -r.average_cost)
    if sort == "asking_price":
        return sorted(by_product, key=lambda r: (r.asking_price is None, -(r.asking_price or 0)))
    return by_product

"""What each export holds: the columns of every list Cellbooks exports, and its rows read as plain
values (``.values()`` dicts, a few thousand at a time) so 100,000 devices stream in little memory.
"""

from __future__ import annotations

from cellbooks.core.dates import local_date
from cellbooks.core.money import ZERO

from . import figures
from .exports import Column, key
from .grouping import product_display_name
from .models import Device, Invoice, PurchaseOrder

CHUNK = 2000
STATUS = dict(Device.Status.choices)
FMI = dict(Device.LockStatus.choices)
CARRIER = dict(Device.CarrierLock.choices)

DEVICE_FIELDS = (
    "identifier",
    "identifier_kind",
    "product__manufacturer",
    "product__model",
    "product__capacity",
    "product__colour",
    "product__network",
    "condition__code",
    "status",
    "battery_health",
    "fmi_lock",
    "carrier_lock",
    "cosmetic_notes",
    "tested_by",
    "tested_on",
    "location",
    "cost",
    "price",
    "notes",
    "created_at",
)


def _product(row: dict) -> str:
    return product_display_name(
        row["product__manufacturer"],
        row["product__model"],
        row["product__capacity"],
        row["product__colour"],
        row["product__network"],
    )


def device_columns(time_zone: str) -> list[Column]:
    return [
        Column("IMEI / serial", key("identifier"), width=18),
        Column("Manufacturer", key("product__manufacturer")),
        Column("Model", key("product__model"), width=18),
        Column("Capacity", key("product__capacity")),
        Column("Colour", key("product__colour")),
        Column("Network", key("product__network")),
        Column("Product", _product, width=36),
        Column("Grade", key("condition__code")),
        Column("Status", lambda r: STATUS.get(r["status"], r["status"])),
        Column("Battery health (%)", key("battery_health")),
        Column("iCloud / Find My", lambda r: FMI.get(r["fmi_lock"], r["fmi_lock"])),
        Column("Carrier lock", lambda r: CARRIER.get(r["carrier_lock"], r["carrier_lock"])),
        Column("Cosmetic notes", key("cosmetic_notes"), width=30),
        Column("Tested by", key("tested_by")),
        Column("Tested on", key("tested_on")),
        Column("Location", key("location")),
        Column("Cost", key("cost"), money=True),
        Column("Price", key("price"), money=True),
        Column("Notes", key("notes"), width=30),
        Column("Added", lambda r: local_date(r["created_at"], time_zone)),
    ]


def device_rows(devices):
    return devices.values(*DEVICE_FIELDS).iterator(chunk_size=CHUNK)


def purchase_order_columns() -> list[Column]:
    status = dict(PurchaseOrder.Status.choices)
    return [
        Column("Number", key("number")),
        Column("Vendor", key("vendor__name"), width=28),
        Column("Date", key("date")),
        Column("Status", lambda r: status.get(r["status"], r["status"])),
        Column("Devices", key("device_count")),
        Column("Total cost", lambda r: r["total_cost"] or ZERO, money=True),
        Column("Notes", key("notes"), width=30),
    ]


def purchase_order_rows(purchase_orders):
    return purchase_orders.values(
        "number", "vendor__name", "date", "status", "device_count", "total_cost", "notes"
    ).iterator(chunk_size=CHUNK)


def invoice_columns(today) -> list[Column]:
    status = dict(Invoice.Status.choices)
    outstanding = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)

    def balance(row):
        if row["status"] not in outstanding:
            return ZERO
        return row["total"] - row["amount_paid"] - row["amount_credited"]

    def late(row):
        if row["status"] not in outstanding:
            return None
        return figures.days_overdue(row["due_date"] or row["date"], today) or None

    return [
        Column("Number", key("number")),
        Column("Customer", key("customer__name"), width=28),
        Column("Date", key("date")),
        Column("Due", key("due_date")),
        Column("Status", lambda r: status.get(r["status"], r["status"])),
        Column("Devices", key("device_count")),
        Column("Total", key("total"), money=True),
        Column("Paid", key("amount_paid"), money=True),
        Column("Credited (returns)", key("amount_credited"), money=True),
        Column("Balance due", balance, money=True),
        Column("Days overdue", late),
        Column("Notes", key("notes"), width=30),
    ]


def invoice_rows(invoices):
    return invoices.values(
        "number",
        "customer__name",
        "date",
        "due_date",
        "status",
        "device_count",
        "total",
        "amount_paid",
        "amount_credited",
        "notes",
    ).iterator(chunk_size=CHUNK)


def partner_columns() -> list[Column]:
    return [
        Column("Name", key("name"), width=28),
        Column("Vendor", key("is_vendor")),
        Column("Customer", key("is_customer")),
        Column("Email", key("email"), width=24),
        Column("Phone", key("phone")),
        Column("Address", key("address"), width=36),
        Column("Payment terms (days)", key("payment_terms_days")),
        Column("Notes", key("notes"), width=30),
    ]


def partner_rows(partners):
    return partners.values(
        "name",
        "is_vendor",
        "is_customer",
        "email",
        "phone",
        "address",
        "payment_terms_days",
        "notes",
    ).iterator(chunk_size=CHUNK)


def price_sheet_columns() -> list[Column]:
    return [
        Column("Product", lambda r: r.product.display_name, width=36),
        Column("Grade", lambda r: r.condition.code),
        Column("In stock", lambda r: r.count),
        Column("Average cost", lambda r: r.average_cost, money=True),
        Column("Lowest cost", lambda r: r.min_cost, money=True),
        Column("Highest cost", lambda r: r.max_cost, money=True),
        Column("Asking price", lambda r: r.asking_price, money=True),
        Column("Margin at asking price", lambda r: r.asking_margin, money=True),
        Column("Oldest (days in stock)", lambda r: r.oldest_days),
        Column("Average days in stock", lambda r: r.average_days),
    ]


def margin_columns(by: str) -> list[Column]:
    first = {
        "month": "Month",
        "product": "Product",
        "customer": "Customer",
        "invoice": "Invoice",
        "device": "IMEI / serial",
    }[by]
    columns = [Column(first, lambda r: r.label, width=30)]
    if by in ("product", "invoice", "device"):
        detail = {"product": "Grade", "invoice": "Customer and date", "device": "Sold on"}[by]
        columns.append(Column(detail, lambda r: r.detail, width=30))
    return [
        *columns,
        Column("Devices sold", lambda r: r.figures.units),
        Column("Revenue", lambda r: r.figures.revenue, money=True),
        Column("Cost", lambda r: r.figures.cost, money=True),
        Column("Margin", lambda r: r.figures.margin, money=True),
        Column("Margin %", lambda r: r.figures.percent),
    ]


def receivable_columns() -> list[Column]:
    buckets = [
        Column(label, lambda r, bucket=bucket: r.aging.buckets[bucket], money=True)
        for bucket, label in figures.BUCKET_LABELS.items()
    ]
    return [
        Column("Customer", lambda r: r.customer.name, width=28),
        Column("Open invoices", lambda r: r.aging.invoices),
        *buckets,
        Column("Total due", lambda r: r.aging.total, money=True),
        Column("Most days late", lambda r: r.aging.oldest_days),
    ]

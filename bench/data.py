"""Benchmark data, built fast: one company, its partners through the domain services, and devices,
purchase orders and invoices by bulk inserts into the same tables the services write (statuses,
totals and device states as the services would leave them: POs received, invoices open, devices
sold). Deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

MANUFACTURERS = {
    "Apple": ["iPhone 11", "iPhone 12", "iPhone 13", "iPhone 14", "iPhone 15", "iPad Air"],
    "Samsung": ["Galaxy S21", "Galaxy S22", "Galaxy S23", "Galaxy A54", "Galaxy Tab S8"],
    "Google": ["Pixel 6", "Pixel 7", "Pixel 8"],
    "Motorola": ["Moto G Power", "Edge 40"],
}
CAPACITIES = ["64GB", "128GB", "256GB", "512GB"]
COLOURS = ["Black", "Blue", "White", "Green", "Red"]
NETWORKS = ["Unlocked", "AT&T", "Verizon", "T-Mobile"]


@dataclass
class Built:
    company: object
    user: object
    purchase_order_ids: list[int]
    invoice_ids: list[int]
    devices: int
    customers: int
    vendors: int


def imei(n: int) -> str:
    from cellbooks.core.identifiers import luhn_check_digit

    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


def new_company(name: str):
    from cellbooks.accounts.models import Membership
    from cellbooks.accounts.services import add_member, create_company

    company = create_company(name=name)
    user = add_member(
        company=company,
        email=f"owner@{company.slug}.test",
        password="bench-password",
        role=Membership.Role.OWNER,
    )
    return company, user


def catalogue(company, n_products: int, rng: random.Random):
    """``n_products`` distinct products and the company's conditions (A–D)."""
    from cellbooks.inventory.models import Condition, Product

    combos = [
        (make, model, capacity, colour, network)
        for make, models in MANUFACTURERS.items()
        for model in models
        for capacity in CAPACITIES
        for colour in COLOURS
        for network in NETWORKS
    ]
    rng.shuffle(combos)
    Product.objects.bulk_create(
        [
            Product(
                company=company,
                manufacturer=make,
                model=model,
                capacity=capacity,
                colour=colour,
                network=network,
                kind=Product.Kind.TABLET
                if "Tab" in model or "iPad" in model
                else Product.Kind.PHONE,
            )
            for make, model, capacity, colour, network in combos[:n_products]
        ],
        batch_size=500,
    )
    products = list(Product.objects.filter(company=company).order_by("pk"))
    conditions = list(Condition.objects.filter(company=company).order_by("sort_order"))
    return products, conditions


def _unit_cost(product_index: int, condition_index: int) -> Decimal:
    """One cost per product and grade (a PO prices a model/grade once): 80.00 … 899.xx."""
    return (
        Decimal(80 + (product_index * 37) % 800)
        + Decimal(f"0.{(product_index * 13 + condition_index * 29) % 100:02d}")
        - Decimal(condition_index * 15)
    )


def _insert_devices(company, specs, start_n: int):
    """specs: [(product, condition, cost, price)] → Device rows (bulk)."""
    from cellbooks.inventory.models import Device

    rows = [
        Device(
            company=company,
            identifier=imei(start_n + i),
            identifier_kind=Device.IdentifierKind.IMEI,
            product=product,
            condition=condition,
            cost=cost,
            price=price,
            status=Device.Status.IN_STOCK,
        )
        for i, (product, condition, cost, price) in enumerate(specs)
    ]
    Device.objects.bulk_create(rows, batch_size=2000)
    return rows


def bulk_workload(
    company,
    user,
    *,
    invoices: int,
    purchase_orders: int,
    customers: int,
    vendors: int = 10,
    products: int = 120,
    min_devices: int = 5,
    max_devices: int = 50,
    seed: int = 8,
) -> Built:
    """``purchase_orders`` received POs that bought every device, and ``invoices`` open invoices
    selling them (``min_devices``–``max_devices`` each) to ``customers`` customers."""
    from django.db import transaction
    from django.utils import timezone

    from cellbooks.inventory import services
    from cellbooks.inventory.models import (
        Device,
        Invoice,
        InvoiceLine,
        NumberSequence,
        PurchaseOrder,
        PurchaseOrderLine,
    )

    rng = random.Random(seed)
    product_rows, conditions = catalogue(company, products, rng)
    vendor_rows = [
        services.create_partner(
            company=company,
            name=f"Bench Supply {i:02d} LLC",
            is_vendor=True,
            email=f"ap{i}@supply{i}.test",
            payment_terms_days=30,
        )
        for i in range(vendors)
    ]
    customer_rows = [
        services.create_partner(
            company=company,
            name=f"Bench Wireless Buyer {i:02d}",
            is_customer=True,
            email=f"buyer{i}@wireless{i}.test",
            phone=f"+1 555 01{i:02d}",
            address=f"{100 + i} Market St\nSpringfield, IL 627{i:02d}",
            payment_terms_days=15,
        )
        for i in range(customers)
    ]
    sizes = [rng.randint(min_devices, max_devices) for _ in range(invoices)]
    n_devices = sum(sizes)
    now = timezone.now()
    today = date.today()
    with transaction.atomic():
        # Devices, grouped into POs (received), then sold on invoices (open).
        specs = []
        for _ in range(n_devices):
            p = rng.randrange(len(product_rows))
            c = rng.randrange(len(conditions))
            cost = _unit_cost(p, c)
            specs.append((product_rows[p], conditions[c], cost, cost + Decimal("60.00")))
        devices = _insert_devices(company, specs, start_n=1)
        devices = list(Device.objects.filter(company=company).order_by("pk"))
        pos = PurchaseOrder.objects.bulk_create(
            [
                PurchaseOrder(
                    company=company,
                    vendor=vendor_rows[i % len(vendor_rows)],
                    number=f"PO-{1001 + i}",
                    date=today - timedelta(days=60 - i % 30),
                    status=PurchaseOrder.Status.RECEIVED,
                    received_at=now,
                )
                for i in range(purchase_orders)
            ]
        )
        pos = list(PurchaseOrder.objects.filter(company=company).order_by("pk"))
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(
                    purchase_order=pos[i * purchase_orders // n_devices], device=d, unit_cost=d.cost
                )
                for i, d in enumerate(devices)
            ],
            batch_size=2000,
        )
        invoice_rows, cursor, line_rows, totals = [], 0, [], []
        for i, size in enumerate(sizes):
            chunk = devices[cursor : cursor + size]
            cursor += size
            customer = customer_rows[i % len(customer_rows)]
            day = today - timedelta(days=20 - i % 20)
            totals.append(sum((d.price for d in chunk), Decimal("0.00")))
            invoice_rows.append(
                Invoice(
                    company=company,
                    customer=customer,
                    number=f"INV-{1001 + i}",
                    date=day,
                    due_date=day + timedelta(days=15),
                    status=Invoice.Status.OPEN,
                    total=totals[-1],
                    opened_at=now,
                )
            )
            line_rows.append(chunk)
        Invoice.objects.bulk_create(invoice_rows, batch_size=500)
        invoice_rows = list(Invoice.objects.filter(company=company).order_by("pk"))
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(invoice=inv, device=d, unit_price=d.price)
                for inv, chunk in zip(invoice_rows, line_rows, strict=True)
                for d in chunk
            ],
            batch_size=2000,
        )
        Device.objects.filter(company=company).update(status=Device.Status.SOLD)
        NumberSequence.objects.filter(company=company, kind="po").update(
            next_value=1001 + purchase_orders
        )
        NumberSequence.objects.filter(company=company, kind="invoice").update(
            next_value=1001 + invoices
        )
    return Built(
        company=company,
        user=user,
        purchase_order_ids=[p.pk for p in pos],
        invoice_ids=[inv.pk for inv in invoice_rows],
        devices=n_devices,
        customers=customers,
        vendors=vendors,
    )


def big_purchase_order(company, *, devices: int, products: int, seed: int = 50):
    """One received PO of ``devices`` devices spread over ``products`` products × every grade."""
    from django.db import transaction
    from django.utils import timezone

    from cellbooks.inventory import services
    from cellbooks.inventory.models import Device, PurchaseOrder, PurchaseOrderLine

    rng = random.Random(seed)
    product_rows, conditions = catalogue(company, products, rng)
    vendor = services.create_partner(
        company=company, name="Bulk Lot Liquidators Inc", is_vendor=True, payment_terms_days=30
    )
    cells = [(p, c) for p in range(len(product_rows)) for c in range(len(conditions))]
    with transaction.atomic():
        specs = []
        for i in range(devices):
            p, c = cells[i % len(cells)]  # every product × grade, evenly
            cost = _unit_cost(p, c)
            specs.append((product_rows[p], conditions[c], cost, cost + Decimal("45.00")))
        _insert_devices(company, specs, start_n=10_000_000)
        po = PurchaseOrder.objects.create(
            company=company,
            vendor=vendor,
            number="PO-50000",
            status=PurchaseOrder.Status.RECEIVED,
            received_at=timezone.now(),
            notes="A whole liquidation lot",
        )
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(purchase_order=po, device=d, unit_cost=d.cost)
                for d in Device.objects.filter(company=company).only("pk", "cost")
            ],
            batch_size=5000,
        )
    return po, len(cells)

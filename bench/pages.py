"""Benchmark 7: the list pages of a big company — 100,000 devices and 20,000 invoices.

The data: one company with 20,000 open invoices of 1–7 devices each (about 80,000 devices sold)
bought on 2,000 received purchase orders, and 20,000 more devices in stock on 100 more received
POs — 100,000 devices in all — built by bulk inserts (bench/data.py). Then each page is requested
through Django's test client (the WSGI handler in this process: server time only — view,
queries, template — logged in as the owner), --repeat times after one warm-up; the median counts:

  dashboard       GET /                                       (stock, cost, what customers owe)
  devices         GET /devices/?q=iphone 13&status=in_stock  (a filtered search, first page)
  invoices        GET /invoices/                              (first page, newest first)
  purchase orders GET /purchase-orders/                       (first page, with exact totals)

Target: each under 300 ms server time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench import common

TARGET_MS = 300
PAGES = {
    "dashboard": "/",
    "devices": "/devices/?q=iphone+13&status=in_stock",
    "invoices": "/invoices/",
    "purchase_orders": "/purchase-orders/",
}


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--purchase-orders", type=int, default=2_000)
    parser.add_argument("--in-stock", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default="pages")
    parser.add_argument("--command", default="")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each page once")
    return parser.parse_args(argv)


def build(args):
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from bench import data
    from cellbooks.inventory import services
    from cellbooks.inventory.models import (
        Condition,
        Device,
        Product,
        PurchaseOrder,
        PurchaseOrderLine,
    )

    company, user = data.new_company("Bench big company")
    built = data.bulk_workload(
        company,
        user,
        invoices=args.invoices,
        purchase_orders=args.purchase_orders,
        customers=200,
        vendors=20,
        min_devices=1,
        max_devices=7,
    )
    products = list(Product.objects.filter(company=company).order_by("pk"))
    conditions = list(Condition.objects.filter(company=company).order_by("sort_order"))
    vendor = services.create_partner(company=company, name="Stock Lots Inc", is_vendor=True)
    per_po = max(1, args.in_stock // 100)
    with transaction.atomic():
        specs = []
        for i in range(args.in_stock):
            product, condition = products[i % len(products)], conditions[i % len(conditions)]
            cost = Decimal(90 + i % 700) + Decimal(f"0.{i % 100:02d}")
            specs.append((product, condition, cost, cost + Decimal("55.00")))
        data._insert_devices(company, specs, start_n=20_000_000)
        pos = PurchaseOrder.objects.bulk_create(
            [
                PurchaseOrder(
                    company=company,
                    vendor=vendor,
                    number=f"PO-S{n:04d}",
                    status=PurchaseOrder.Status.RECEIVED,
                    received_at=timezone.now(),
                )
                for n in range(100)
            ]
        )
        pos = list(PurchaseOrder.objects.filter(company=company, vendor=vendor).order_by("pk"))
        stock = Device.objects.filter(company=company, status=Device.Status.IN_STOCK)
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(
                    purchase_order=pos[min(i // per_po, 99)], device=d, unit_cost=d.cost
                )
                for i, d in enumerate(stock.only("pk", "cost").order_by("pk"))
            ],
            batch_size=5000,
        )
    return company, user, built


def main(argv=None) -> int:
    args = parse(argv)
    with common.temp_dir("pages") as data_dir:
        common.setup_django(data_dir, None, QBO_RATE_LIMITS="off")
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from cellbooks.inventory.models import Device, Invoice, PurchaseOrder

        started = time.perf_counter()
        company, user, built = build(args)
        build_seconds = time.perf_counter() - started
        counts = {
            "devices": Device.objects.filter(company=company).count(),
            "invoices": Invoice.objects.filter(company=company).count(),
            "purchase_orders": PurchaseOrder.objects.filter(company=company).count(),
        }
        print(f"  built {counts} in {build_seconds:.0f} s ({common.backend_label()})", flush=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after a bulk load

        browser = Client()
        browser.force_login(user)
        results = {}
        for name, url in PAGES.items():
            response = browser.get(url)  # warm-up (and the check that it works)
            assert response.status_code == 200, (name, response.status_code)
            times = []
            for _ in range(args.repeat):
                reset_queries()
                t0 = time.perf_counter()
                browser.get(url)
                times.append(time.perf_counter() - t0)
            with CaptureQueriesContext(connection) as queries:
                browser.get(url)
            if args.profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001)
                profiler.start()
                browser.get(url)
                profiler.stop()
                out = common.RESULTS / "profiles" / f"pages-{name}.txt"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(profiler.output_text(unicode=True, color=False))
            results[name] = {
                "url": url,
                "median_ms": round(statistics.median(times) * 1000, 1),
                "max_ms": round(max(times) * 1000, 1),
                "all_ms": [round(t * 1000, 1) for t in times],
                "queries": len(queries),
                "slowest_queries": [
                    {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]}
                    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
                ],
                "bytes": len(response.content),
                "met": statistics.median(times) * 1000 < TARGET_MS,
            }
            print(
                f"  {name}: median {results[name]['median_ms']} ms "
                f"({results[name]['queries']} queries)",
                flush=True,
            )

    common.write_result(
        args.out,
        {
            "command": args.command or " ".join(sys.argv),
            "counts": counts,
            "build_seconds": round(build_seconds, 1),
            "repeat": args.repeat,
            "target_ms": TARGET_MS,
            "pages": results,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

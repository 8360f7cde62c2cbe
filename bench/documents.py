"""Benchmark 6: documents and exports — what leaves Cellbooks every day, at wholesale sizes.

invoice PDF      one open invoice of --invoice-devices devices (default 5,000) over 40 products
                 × 4 grades: the invoice, its packing list and the PO PDF, rendered through the
                 pages' views (Django's test client, server side); median of --repeat runs
export memory    the device list of --export-devices devices (default 100,000) as CSV and as
                 Excel, through the export views, the response read to its end as a browser
                 would. Each export runs in a fresh process (``--measure``) so its memory is the
                 export's alone: the process's peak RSS growth over its baseline (Django loaded,
                 the database open) and tracemalloc's peak of Python allocations; plus time and
                 bytes. Targets: the 5,000-device invoice under 3 s; an export under 200 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from bench import common

PRODUCTS = 40


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoice-devices", type=int, default=5000)
    parser.add_argument("--export-devices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="documents")
    parser.add_argument("--command", default="")
    # internal: measure one export in this (fresh) process and print JSON
    parser.add_argument("--measure", nargs=3, metavar=("DATA_DIR", "FORMAT", "EMAIL"))
    return parser.parse_args(argv)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


def _build_invoice(company, user, devices: int):
    """A received PO of ``devices`` devices (bulk CSV import, as a person would) and one open
    invoice selling them all."""
    from cellbooks.inventory import csv_import, services

    vendor = services.create_partner(company=company, name="Bench Vendor", is_vendor=True)
    customer = services.create_partner(company=company, name="Bench Buyer", is_customer=True)
    po = services.create_purchase_order(company=company, vendor=vendor)
    models = ["iPhone 13", "iPhone 14", "Galaxy S23", "Pixel 8"]
    rows = [
        f"{data_imei(n)},Apple,{models[n % 4]},{64 * (1 + n % 5)}GB,Colour {n % 10},Unlocked,"
        f"{'ABCD'[n % 4]},{200 + n % 37}.50,,{70 + n % 30},off,unlocked,light wear"
        for n in range(devices)
    ]
    header = "imei,manufacturer,model,capacity,colour,network,condition,cost,price,battery,icloud,carrier lock,cosmetic notes"
    csv_import.import_purchase_order_csv(purchase_order=po, text=header + "\n" + "\n".join(rows))
    services.receive_purchase_order(purchase_order=po)
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(
        invoice=invoice, identifiers=[data_imei(n) for n in range(devices)], unit_price="310.00"
    )
    services.open_invoice(invoice=invoice)
    return po, invoice


def data_imei(n: int) -> str:
    from bench import data

    return data.imei(500_000 + n)


def _bulk_devices(company, devices: int) -> None:
    """``devices`` in-stock devices by bulk insert, 10,000 at a time (setup, not measured)."""
    from bench import data
    from cellbooks.inventory.models import Device

    rng = random.Random(6)
    products, conditions = data.catalogue(company, PRODUCTS, rng)
    for start in range(0, devices, 10_000):
        Device.objects.bulk_create(
            [
                Device(
                    company=company,
                    identifier=data.imei(1_000_000 + n),
                    identifier_kind=Device.IdentifierKind.IMEI,
                    product=products[n % len(products)],
                    condition=conditions[n % len(conditions)],
                    cost=Decimal(f"{100 + n % 700}.{n % 100:02d}"),
                    price=Decimal(f"{150 + n % 700}.00"),
                    battery_health=60 + n % 41,
                    fmi_lock="off",
                    cosmetic_notes="=not a formula" if n % 1000 == 0 else "",
                    location=f"Shelf {n % 50}",
                )
                for n in range(start, min(start + 10_000, devices))
            ],
            batch_size=2000,
        )


def proc_status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (this process's peak) from /proc/self/status, in MB. Unlike
    getrusage's maxrss, VmHWM starts afresh at exec, so it is this process's own peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(data_dir: str, fmt: str, email: str) -> dict:
    """One export, in this fresh process: the peak memory of the process and the time of the
    view and of reading its response to the end."""
    os.environ.clear()
    os.environ.update(common.cellbooks_env(Path(data_dir), None))
    sys.path.insert(0, str(common.ROOT / "src"))
    import django

    django.setup()  # the database is migrated already: this process serves, as a web worker does
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    browser = Client()
    browser.force_login(get_user_model().objects.get(email=email))
    browser.get(reverse("device_list"))  # warm: templates, middleware, the database open
    gc.collect()
    baseline = proc_status_mb("VmRSS")
    started = time.perf_counter()
    response = browser.get(reverse("device_export", args=[fmt]))
    size, lines = 0, 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n") if fmt == "csv" else 0
    seconds = time.perf_counter() - started
    response.close()
    peak = proc_status_mb("VmHWM")
    return {
        "format": fmt,
        "status": response.status_code,
        "seconds": round(seconds, 2),
        "bytes": size,
        "csv_lines": lines if fmt == "csv" else None,
        "rss_before_mb": round(baseline, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_growth_mb": round(peak - baseline, 1),
    }


def main(argv=None) -> int:
    args = parse(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    with common.temp_dir("documents") as data_dir:
        common.setup_django(data_dir, None)
        from django.test import Client
        from django.urls import reverse

        from bench import data

        company, user = data.new_company("Bench documents")
        started = time.perf_counter()
        po, invoice = _build_invoice(company, user, args.invoice_devices)
        print(
            f"invoice of {args.invoice_devices} devices built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        browser = Client()
        browser.force_login(user)
        documents = {
            "invoice": reverse("invoice_pdf", args=[invoice.pk]),
            "packing_list": reverse("invoice_packing_list_pdf", args=[invoice.pk]),
            "purchase_order": reverse("purchase_order_pdf", args=[po.pk]),
        }
        pdfs = {}
        for name, url in documents.items():
            response, times = timed(lambda url=url: browser.get(url), args.repeat)
            assert response.status_code == 200, (name, response.status_code)
            pdfs[name] = {
                "seconds": round(statistics.median(times), 3),
                "all_seconds": [round(t, 3) for t in times],
                "bytes": len(response.content),
                "pages": response.content.count(b"/Type /Page\n") or None,
            }
            print(
                f"  {name}: {pdfs[name]['seconds']} s, {len(response.content):,} bytes", flush=True
            )
        from pypdf import PdfReader

        text = "\n".join(
            page.extract_text()
            for page in PdfReader(BytesIO(browser.get(documents["invoice"]).content)).pages
        )
        missing = sum(1 for n in range(args.invoice_devices) if data_imei(n) not in text)
        pages = len(PdfReader(BytesIO(browser.get(documents["invoice"]).content)).pages)

        started = time.perf_counter()
        _bulk_devices(company, args.export_devices)
        print(
            f"{args.export_devices:,} devices built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        in_list = args.export_devices + args.invoice_devices
        from django.db import connections

        connections.close_all()
        exports = {}
        for fmt in ("csv", "xlsx"):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.documents",
                    "--measure",
                    str(data_dir),
                    fmt,
                    user.email,
                ],
                cwd=common.ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            exports[fmt] = json.loads(out.stdout.strip().splitlines()[-1])
            exports[fmt]["devices"] = in_list
            print(f"  export {fmt}: {exports[fmt]}", flush=True)

    report = {
        "command": args.command or " ".join(sys.argv),
        "invoice_devices": args.invoice_devices,
        "invoice_pages": pages,
        "invoice_imeis_missing_from_text": missing,
        "repeat": args.repeat,
        "pdf": pdfs,
        "export_devices": in_list,
        "exports": exports,
    }
    common.write_result(args.out, report)
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark 3: one big purchase order — 50,000 devices over 120 products × 4 grades.

Steps, each timed on its own (median of --repeat runs) and, in a separate pass, measured with
tracemalloc (peak Python allocation of that step alone; tracemalloc slows code, so never timed):
  read   exporters.document_input(po): the PO and its devices into the mapper's plain values
  group  mapping.group_lines(lines): devices → QBO lines (product × grade × unit cost)
  map    Exporter.payload(...) (mapping.purchase_payload) + mapping.payload_hash: the QBO body
  sync   worker.process_request for the PO against the emulator (rate limits on, --latency-ms,
         time scale 1): read + group + map + partner + create + binding; once (it creates the Bill)
  page   the PO's page (GET /purchase-orders/<pk>/) through Django's test client, server side
Also: lines, payload bytes (compact JSON, as sent), and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import sys
import time
import tracemalloc

from bench import common


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--devices", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default="big_po")
    parser.add_argument("--command", default="")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument the read, sync and page steps"
    )
    return parser.parse_args(argv)


def timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 2**20, 1)


def profiled(name, fn, enabled):
    """Run fn once under pyinstrument; keep the text report in bench/results/profiles/."""
    if not enabled:
        return fn()
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        return fn()
    finally:
        profiler.stop()
        out = common.RESULTS / "profiles" / f"big_po-{name}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))


def main(argv=None) -> int:
    args = parse(argv)
    with (
        common.temp_dir("bigpo") as data_dir,
        common.Emulator(latency_ms=args.latency_ms, time_scale=1) as emulator,
    ):
        common.setup_django(data_dir, emulator)
        from django.test import Client
        from django.urls import reverse

        from bench import data
        from cellbooks.inventory.models import PurchaseOrder
        from cellbooks.quickbooks import mapping, outbox, worker
        from cellbooks.quickbooks.exporters import Exporter, document_input
        from cellbooks.quickbooks.models import Connection, IntegrationSettings, SyncAttempt

        emulator.register_app(common.CLIENT_ID)
        realm = emulator.create_company("Bench big PO")
        company, user = data.new_company("Bench big PO")
        started = time.perf_counter()
        po, cells = data.big_purchase_order(company, devices=args.devices, products=args.products)
        build = time.perf_counter() - started
        print(f"big PO: {args.devices} devices in {build:.1f} s", flush=True)
        common.connect_company(company, emulator, realm)
        token = emulator.tokens(common.CLIENT_ID, realm)["access_token"]
        settings = common.save_qbo_settings(company, emulator, realm, token)

        def fresh_po():
            return PurchaseOrder.objects.select_related("company", "vendor").get(pk=po.pk)

        doc, read_times = timed(lambda: document_input(fresh_po()), args.repeat)
        groups, group_times = timed(lambda: mapping.group_lines(doc.lines), args.repeat)

        # The payload exactly as the exporter builds it (its partner is bound after the sync;
        # before, a stand-in ref of the same shape).
        from cellbooks.quickbooks.client import QBOClient

        connection = Connection.objects.get(company=company)
        client = QBOClient(connection)
        exporter = Exporter(company=company, client=client, settings=settings)
        vendor_ref = {"value": "1", "name": po.vendor.name}
        exporter.prefs  # noqa: B018 — read once, outside the timing (it is an API call)
        exporter.ap_account_ref()

        def build_payload():
            payload = exporter.payload(doc, exporter.target_entity("purchase_order"), vendor_ref)
            return payload, mapping.payload_hash(payload)

        (payload, _), map_times = timed(build_payload, args.repeat)
        body = json.dumps(payload, default=float, separators=(",", ":")).encode()
        settings.include_identifiers_in_description = True
        with_ids = exporter.payload(doc, "Bill", vendor_ref)
        settings.include_identifiers_in_description = False
        body_ids = json.dumps(with_ids, default=float, separators=(",", ":")).encode()
        client.close()

        memory = {
            "read_mb": peak_mb(lambda: document_input(fresh_po())),
            "group_mb": peak_mb(lambda: mapping.group_lines(doc.lines)),
            "map_mb": peak_mb(build_payload),
        }

        # Sync: the real path, once.
        request = outbox.request_sync(
            company=company, kind="purchase_order", local_id=po.pk, wake=False
        )
        emulator.clear_requests()
        started = time.perf_counter()
        worker.process_request(request.pk)
        sync_seconds = time.perf_counter() - started
        # A second sync of the same PO (finds it unchanged: reads, groups and maps it again),
        # once for its peak memory and, with --profile, once under the profiler.
        again = outbox.request_sync(
            company=company, kind="purchase_order", local_id=po.pk, wake=False
        )
        memory["resync_mb"] = peak_mb(lambda: worker.process_request(again.pk))
        if args.profile:
            again = outbox.request_sync(
                company=company, kind="purchase_order", local_id=po.pk, wake=False
            )
            profiled("resync", lambda: worker.process_request(again.pk), True)
            profiled("read", lambda: document_input(fresh_po()), True)
        attempt = SyncAttempt.objects.filter(request_id=request.pk).order_by("-pk").first()
        calls = common.count_calls(emulator.requests(realm))
        created = (
            emulator.http.get(
                f"/v3/company/{realm}/query",
                params={"query": "select * from Bill"},
                headers={"Authorization": f"Bearer {token}"},
            )
            .json()["QueryResponse"]
            .get("Bill", [])
        )

        # The page, server side (the test client calls the WSGI handler in-process).
        browser = Client()
        browser.force_login(user)
        url = reverse("purchase_order_detail", args=[po.pk])
        response, page_times = timed(lambda: browser.get(url), args.repeat)
        profiled("page", lambda: browser.get(url), args.profile)
        assert response.status_code == 200, response.status_code
        assert IntegrationSettings.objects.filter(company=company).exists()

    median = statistics.median
    report = {
        "command": args.command or " ".join(sys.argv),
        "devices": args.devices,
        "products": args.products,
        "grades": 4,
        "product_grade_cells": cells,
        "repeat": args.repeat,
        "build_seconds": round(build, 1),
        "lines": len(groups),
        "payload_bytes": len(body),
        "payload_bytes_with_identifiers": len(body_ids),
        "seconds": {
            "read": round(median(read_times), 3),
            "group": round(median(group_times), 3),
            "map": round(median(map_times), 3),
            "read_group_map": round(
                median(read_times) + median(group_times) + median(map_times), 3
            ),
            "sync": round(sync_seconds, 3),
            "page": round(median(page_times), 3),
        },
        "all_seconds": {
            "read": [round(t, 3) for t in read_times],
            "group": [round(t, 3) for t in group_times],
            "map": [round(t, 3) for t in map_times],
            "page": [round(t, 3) for t in page_times],
        },
        "peak_mb": {
            **memory,
            "process_max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        },
        "sync": {
            "outcome": attempt.outcome if attempt else None,
            "message": attempt.message if attempt else None,
            "calls": calls,
            "bill_lines_in_qbo": len(created[0]["Line"]) if created else 0,
            "bill_total_in_qbo": created[0].get("TotalAmt") if created else None,
            "emulator_latency_ms": args.latency_ms,
        },
        "page_bytes": len(response.content),
    }
    common.write_result(args.out, report)
    s = report["seconds"]
    print(
        f"  read {s['read']} s, group {s['group']} s, map {s['map']} s, sync {s['sync']} s, page {s['page']} s; "
        f"{report['lines']} lines, {report['payload_bytes']} bytes; peak {report['peak_mb']}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

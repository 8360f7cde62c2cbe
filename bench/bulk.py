"""Benchmarks 1 and 2: a whole company's books from nothing to synced, Cellbooks against the naive
way, side by side in one run, against ``qbo-emulator serve`` (a separate process, QBO's limits on,
``--latency-ms`` per request, ``--time-scale`` shrinking windows and latency alike).

Workload (default): 1,200 open invoices of 5–50 devices each for 50 customers, and 300 received
purchase orders (synced as Bills) that bought those devices, from 10 vendors.

- **Cellbooks**: ``outbox.request_many`` for the POs, then the invoices, carried out by
  ``python manage.py run_huey`` (a separate process, HUEY_WORKERS threads, default 4) through
  ``worker.process_request`` — and, when it exists, ``worker.process_batch`` (QBO's batch endpoint).
  The rate limiter is Cellbooks' own (QBO_RATE_SCALE = the time scale).
- **Naive**: python-quickbooks, one document at a time: look the customer (vendor) up by name,
  create it when missing, create the Invoice (Bill). One thread, no limiter of its own.
- **Capacity** (optional): Cellbooks again with every limit and all latency off, to show how fast
  Cellbooks itself can go on this machine — the scaled figures mean something only while this is
  well above the scaled ceiling.

API calls come from the emulator's request log. Ceiling under QBO's limits
(docs/intuit-api.md §8.1), per realm and app: 500 requests/min, 10/s, 40 batch requests/min of
≤ 30 operations each → single requests only: 500 documents/min; with batch: 40 × 30 + (500 − 40) = 1,660 documents/min.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal

from bench import common, profiles

SINGLE_CEILING = 500  # documents/min with one create call each (500 requests/min)
BATCH_CEILING = 40 * 30 + (500 - 40)  # 40 batch calls of 30, the other 460 requests single


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--time-scale", type=float, default=10)
    parser.add_argument("--invoices", type=int, default=1200)
    parser.add_argument("--pos", type=int, default=300)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8, help="HUEY_WORKERS (the default)")
    parser.add_argument("--capacity", action="store_true", help="also run without any limits")
    parser.add_argument("--unscaled", action="store_true", help="also run at time scale 1")
    parser.add_argument(
        "--unscaled-invoices",
        type=int,
        default=0,
        help="invoices in the time-scale-1 run (default: --invoices); more than a minute's "
        "worth shows the steady state after the first minute's burst",
    )
    parser.add_argument("--unscaled-pos", type=int, default=0, help="POs in that run")
    parser.add_argument(
        "--unscaled-only",
        action="store_true",
        help="only Cellbooks at time scale 1 (the PostgreSQL + Redis run: the naive way and the "
        "scaled phases do not depend on Cellbooks' database)",
    )
    parser.add_argument(
        "--naive-sample", type=int, default=10, help="unscaled naive: every n-th document"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the capacity run's worker")
    parser.add_argument("--command", default="", help="recorded in the result (set by __main__)")
    parser.add_argument("--timeout", type=float, default=600, help="per phase, seconds")
    parser.add_argument("--out", default="bulk")
    return parser.parse_args(argv)


# ---- Cellbooks ---------------------------------------------------------------------------------
def cellbooks_phase(name, emulator, *, workload, env, data_dir, workers, timeout, profile=None):
    """Sync every document of a fresh company to a fresh realm; return the figures."""
    from bench import data
    from cellbooks.quickbooks import outbox
    from cellbooks.quickbooks.models import SyncAttempt, SyncRequest

    realm = emulator.create_company(f"Bench {name}")
    company, user = data.new_company(f"Bench {name}")
    built_at = time.perf_counter()
    built = data.bulk_workload(company, user, **workload)
    build_seconds = time.perf_counter() - built_at
    common.connect_company(company, emulator, realm)
    token = emulator.tokens(common.CLIENT_ID, realm)["access_token"]
    common.save_qbo_settings(company, emulator, realm, token)
    documents = len(built.purchase_order_ids) + len(built.invoice_ids)
    print(
        f"  [{name}] built {documents} documents, {built.devices} devices in {build_seconds:.1f} s",
        flush=True,
    )

    worker = common.start_worker(
        env, data_dir / f"worker-{name}.log", workers=workers, profile=profile
    )
    time.sleep(4)  # let the consumer start before the clock does
    emulator.clear_requests()
    timeline = []
    try:
        started = time.perf_counter()
        outbox.request_many(
            company=company, kind="purchase_order", local_ids=built.purchase_order_ids
        )
        outbox.request_many(company=company, kind="invoice", local_ids=built.invoice_ids)
        queued = time.perf_counter() - started
        deadline = started + timeout
        open_statuses = [SyncRequest.Status.PENDING, SyncRequest.Status.RUNNING]
        while True:
            rows = SyncRequest.objects.filter(company=company)
            done = rows.filter(status=SyncRequest.Status.DONE).count()
            still = rows.filter(status__in=open_statuses).count()
            timeline.append((round(time.perf_counter() - started, 2), done))
            if still == 0 or time.perf_counter() > deadline:
                break
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
    finally:
        common.stop(worker)
    statuses = dict(
        (s, SyncRequest.objects.filter(company=company, status=s).count())
        for s in SyncRequest.Status.values
    )
    attempts = SyncAttempt.objects.filter(company=company)
    outcomes = defaultdict(int)
    for outcome in attempts.values_list("outcome", flat=True):
        outcomes[outcome] += 1
    failures = list(
        SyncRequest.objects.filter(company=company)
        .exclude(status=SyncRequest.Status.DONE)
        .values_list("last_error", flat=True)[:5]
    )
    calls = common.count_calls(emulator.requests(realm))
    synced = statuses.get("done", 0)
    return {
        "name": name,
        "path": "outbox.request_many + manage.py run_huey",
        "workers": workers,
        "time_scale": emulator.time_scale,
        "rate_limits": emulator.rate_limits,
        "latency_ms": emulator.latency_ms,
        "documents": documents,
        "devices": built.devices,
        "synced": synced,
        "statuses": statuses,
        "attempt_outcomes": dict(outcomes),
        "first_failures": failures,
        "build_seconds": round(build_seconds, 2),
        "queue_seconds": round(queued, 2),
        "seconds": round(elapsed, 2),
        "docs_per_min": round(synced / elapsed * 60, 1) if elapsed else None,
        "calls": calls,
        "calls_per_doc": round(calls["total"] / synced, 3) if synced else None,
        "timeline": _thin(timeline),
        "calls_timeline": common.calls_timeline(emulator.requests(realm)),
    }


def _thin(timeline, points=120):
    step = max(1, len(timeline) // points)
    thinned = timeline[::step]
    if timeline and thinned[-1] != timeline[-1]:
        thinned.append(timeline[-1])
    return thinned


# ---- the naive way -----------------------------------------------------------------------------
def naive_phase(emulator, *, built, timeout, name="naive", sample_every=1):
    """python-quickbooks, one document at a time, the customer looked up by name before each."""
    import os

    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks
    from quickbooks.exceptions import QuickbooksException
    from quickbooks.objects.account import Account
    from quickbooks.objects.bill import Bill
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.detailline import (
        ItemBasedExpenseLine,
        ItemBasedExpenseLineDetail,
        SalesItemLine,
        SalesItemLineDetail,
    )
    from quickbooks.objects.invoice import Invoice as QBInvoice
    from quickbooks.objects.item import Item
    from quickbooks.objects.vendor import Vendor

    from cellbooks.inventory.models import Invoice, PurchaseOrder

    realm = emulator.create_company(f"Bench {name}")
    emulator.register_app(common.NAIVE_CLIENT_ID)
    token = emulator.tokens(common.NAIVE_CLIENT_ID, realm)["access_token"]
    auth = AuthClient(
        common.NAIVE_CLIENT_ID,
        common.CLIENT_SECRET,
        "http://127.0.0.1:9/integrations/quickbooks/callback/",
        f"{emulator.url}/.well-known/openid_sandbox_configuration/",
        access_token=token,
    )
    qb = QuickBooks(auth_client=auth, refresh_token="unused", company_id=realm, minorversion=75)
    qb.api_url_v3 = f"{emulator.url}/v3"

    # Setup, not timed: the item every line uses.
    accounts = {a.Name: a for a in Account.all(qb=qb, max_results=1000)}
    item = Item()
    item.Name = "Cellbooks Inventory"
    item.Type = "NonInventory"
    item.IncomeAccountRef = accounts["Sales of Product Income"].to_ref()
    item.ExpenseAccountRef = accounts["Cost of Goods Sold"].to_ref()
    item = item.save(qb=qb)
    time.sleep(1.5)  # out of the per-second window
    emulator.clear_requests()

    def grouped(lines):
        groups = defaultdict(lambda: [0, Decimal("0")])
        for product, condition, amount in lines:
            key = (product, condition, amount)
            groups[key][0] += 1
        return [(p, c, a, n) for (p, c, a), (n, _) in groups.items()]

    def with_retry(action):
        for _ in range(5):
            try:
                return action()
            except QuickbooksException as exc:  # 429: wait the window out, as the docs say
                if "3001" not in str(getattr(exc, "error_code", "")) and "429" not in str(exc):
                    raise
                time.sleep(60 / emulator.time_scale)
        raise RuntimeError("throttled five times")

    def partner(model, name):
        found = with_retry(lambda: model.filter(DisplayName=name, qb=qb))
        if found:
            return found[0]
        record = model()
        record.DisplayName = name
        return with_retry(lambda: record.save(qb=qb))

    def product_lines(lines, amount_field):
        return [
            (
                line.device.product.display_name,
                line.device.condition.code,
                getattr(line, amount_field),
            )
            for line in lines
        ]

    created, errors, timeline = 0, [], []
    started = time.perf_counter()
    deadline = started + timeout
    for po in (
        PurchaseOrder.objects.filter(pk__in=built.purchase_order_ids[::sample_every])
        .select_related("vendor")
        .order_by("pk")
    ):
        if time.perf_counter() > deadline:
            break
        vendor = partner(Vendor, po.vendor.name)
        bill = Bill()
        bill.VendorRef = vendor.to_ref()
        bill.TxnDate = po.date.isoformat()
        bill.DocNumber = po.number
        lines = po.lines.select_related("device__product", "device__condition")
        for product, condition, amount, qty in grouped(product_lines(lines, "unit_cost")):
            line = ItemBasedExpenseLine()
            line.Amount = amount * qty
            line.Description = f"{product} — Grade {condition}"
            line.ItemBasedExpenseLineDetail = ItemBasedExpenseLineDetail()
            line.ItemBasedExpenseLineDetail.ItemRef = item.to_ref()
            line.ItemBasedExpenseLineDetail.Qty = qty
            line.ItemBasedExpenseLineDetail.UnitPrice = amount
            bill.Line.append(line)
        try:
            with_retry(lambda b=bill: b.save(qb=qb))
            created += 1
        except Exception as exc:  # noqa: BLE001 — counted and reported
            errors.append(str(exc)[:200])
        timeline.append((round(time.perf_counter() - started, 2), created))
    for invoice in (
        Invoice.objects.filter(pk__in=built.invoice_ids[::sample_every])
        .select_related("customer")
        .order_by("pk")
    ):
        if time.perf_counter() > deadline:
            break
        customer = partner(Customer, invoice.customer.name)
        qbi = QBInvoice()
        qbi.CustomerRef = customer.to_ref()
        qbi.TxnDate = invoice.date.isoformat()
        qbi.DocNumber = invoice.number
        lines = invoice.lines.select_related("device__product", "device__condition")
        for product, condition, amount, qty in grouped(product_lines(lines, "unit_price")):
            line = SalesItemLine()
            line.Amount = amount * qty
            line.Description = f"{product} — Grade {condition}"
            line.SalesItemLineDetail = SalesItemLineDetail()
            line.SalesItemLineDetail.ItemRef = item.to_ref()
            line.SalesItemLineDetail.Qty = qty
            line.SalesItemLineDetail.UnitPrice = amount
            qbi.Line.append(line)
        try:
            with_retry(lambda q=qbi: q.save(qb=qb))
            created += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(str(exc)[:200])
        timeline.append((round(time.perf_counter() - started, 2), created))
    elapsed = time.perf_counter() - started
    calls = common.count_calls(emulator.requests(realm))
    documents = len(built.purchase_order_ids[::sample_every]) + len(
        built.invoice_ids[::sample_every]
    )
    return {
        "name": name,
        "path": "python-quickbooks, one document at a time, partner looked up by name first",
        "sample_every": sample_every,
        "time_scale": emulator.time_scale,
        "latency_ms": emulator.latency_ms,
        "documents": documents,
        "synced": created,
        "errors": len(errors),
        "first_errors": errors[:5],
        "seconds": round(elapsed, 2),
        "docs_per_min": round(created / elapsed * 60, 1) if elapsed else None,
        "calls": calls,
        "calls_per_doc": round(calls["total"] / created, 3) if created else None,
        "timeline": _thin(timeline),
        "complete": created == documents,
    }


def main(argv=None) -> int:
    args = parse(argv)
    workload = {"invoices": args.invoices, "purchase_orders": args.pos, "customers": args.customers}
    scale = args.time_scale
    profile = common.RESULTS / "profiles" / "bulk-worker.raw" if args.profile else None
    with (
        common.temp_dir("bulk") as data_dir,
        common.Emulator(latency_ms=args.latency_ms, time_scale=scale) as emulator,
    ):
        env = common.setup_django(data_dir, emulator)
        emulator.register_app(common.CLIENT_ID)
        print(f"bulk: {emulator.command()}", flush=True)
        run = dict(workers=args.workers, timeout=args.timeout, data_dir=data_dir, workload=workload)
        run1 = {
            **run,
            "workload": {
                **workload,
                "invoices": args.unscaled_invoices or args.invoices,
                "purchase_orders": args.unscaled_pos or args.pos,
            },
        }

        if args.unscaled_only:
            emulator.scale(1)
            unscaled = cellbooks_phase("cellbooks-unscaled", emulator, env=_rescale(env, 1), **run1)
            _say(unscaled)
            common.write_result(
                args.out,
                {
                    "command": args.command or " ".join(sys.argv),
                    "emulator": {"latency_ms": args.latency_ms, "time_scale": 1},
                    "workload": {**run1["workload"], "vendors": 10, "devices_per_invoice": "5-50"},
                    "phases": [unscaled],
                    "summary": {"unscaled": _unscaled_figures(unscaled)},
                },
            )
            return 0

        # 1 and 2, side by side at the time scale.
        scaled = cellbooks_phase("cellbooks-scaled", emulator, env=env, **run)
        _say(scaled)
        naive_scaled = naive_phase(
            emulator,
            built=_built_of("Bench cellbooks-scaled"),
            timeout=args.timeout,
            name="naive-scaled",
        )
        _say(naive_scaled)
        phases = [scaled, naive_scaled]

        # Unscaled: QBO's real windows and latency (Cellbooks on the whole workload, the naive
        # way on every n-th document: it goes one at a time, so its rate does not depend on how
        # many there are).
        unscaled = naive_unscaled = None
        if args.unscaled:
            emulator.scale(1)
            env1 = _rescale(env, 1)
            unscaled = cellbooks_phase("cellbooks-unscaled", emulator, env=env1, **run1)
            _say(unscaled)
            naive_unscaled = naive_phase(
                emulator,
                built=_built_of("Bench cellbooks-unscaled"),
                timeout=args.timeout,
                name="naive-unscaled",
                sample_every=args.naive_sample,
            )
            _say(naive_unscaled)
            phases += [unscaled, naive_unscaled]

        capacity = None
        if args.capacity:  # Cellbooks alone: no limits anywhere, no latency
            emulator.settings(rate_limits_enabled=False, latency_ms=0, time_scale=1)
            env_off = {**_rescale(env, 1), "QBO_RATE_LIMITS": "off"}
            os.environ["QBO_RATE_LIMITS"] = "off"
            capacity = cellbooks_phase(
                "cellbooks-capacity", emulator, env=env_off, profile=profile, **run
            )
            _say(capacity)
            phases.append(capacity)

    report = {
        "command": args.command or " ".join(sys.argv),
        "emulator": {"latency_ms": args.latency_ms, "time_scale": scale, "rate_limits": True},
        "workload": {**workload, "vendors": 10, "devices_per_invoice": "5-50"},
        "unscaled_workload": run1["workload"],
        "ceiling": {
            "formula": "per realm and app: R = 500 requests/min, b = 40 batch requests/min of "
            "B = 30 operations. Single requests only: R = 500 docs/min. With batch: B*b + (R - b) "
            "= 30*40 + 460 = 1660 docs/min (steady state).",
            "single_docs_per_min": SINGLE_CEILING,
            "batch_docs_per_min": BATCH_CEILING,
        },
        "phases": phases,
        "summary": _summary(scaled, naive_scaled, unscaled, naive_unscaled, capacity, scale),
        "profile": profiles.summarize(profile) if profile else None,
    }
    common.write_result(args.out, report)
    return 0


def _rescale(env, scale):
    os.environ["QBO_RATE_SCALE"] = str(scale)
    return {**env, "QBO_RATE_SCALE": str(scale)}


def _built_of(company_name):
    """The documents the first Cellbooks phase synced, for the naive phase (same workload)."""
    from bench.data import Built
    from cellbooks.accounts.models import Company
    from cellbooks.inventory.models import Invoice, PurchaseOrder

    company = Company.objects.get(name=company_name)
    return Built(
        company=company,
        user=None,
        purchase_order_ids=list(
            PurchaseOrder.objects.filter(company=company)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        invoice_ids=list(
            Invoice.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
        ),
        devices=0,
        customers=0,
        vendors=0,
    )


def _summary(scaled, naive_scaled, unscaled, naive_unscaled, capacity, scale):
    def ratio(a, b):
        return round(a / b, 2) if a and b else None

    out = {
        "time_scale": scale,
        "scaled": {
            "cellbooks_docs_per_min": scaled["docs_per_min"],
            "naive_docs_per_min": naive_scaled["docs_per_min"],
            "ratio_cellbooks_to_naive": ratio(scaled["docs_per_min"], naive_scaled["docs_per_min"]),
            "cellbooks_docs_per_min_divided_by_scale": round(scaled["docs_per_min"] / scale, 1),
            "naive_docs_per_min_divided_by_scale": round(naive_scaled["docs_per_min"] / scale, 1),
            "ceiling_docs_per_min_scaled": BATCH_CEILING * scale,
            "ratio_to_scaled_ceiling": ratio(scaled["docs_per_min"], BATCH_CEILING * scale),
            "cellbooks_calls_per_doc": scaled["calls_per_doc"],
            "naive_calls_per_doc": naive_scaled["calls_per_doc"],
        },
    }
    if unscaled:
        out["unscaled"] = {
            **_unscaled_figures(unscaled),
            "naive_docs_per_min": naive_unscaled["docs_per_min"],
            "ratio_cellbooks_to_naive": ratio(
                unscaled["docs_per_min"], naive_unscaled["docs_per_min"]
            ),
            "naive_calls_per_doc": naive_unscaled["calls_per_doc"],
        }
    if capacity:
        out["capacity_docs_per_min"] = capacity["docs_per_min"]
    return out


def _unscaled_figures(unscaled) -> dict:
    """The headline: documents a minute at QBO's real windows, against the ceiling — over the
    whole run, and after its first minute (a sliding window lets a quiet realm spend a whole
    minute's budget at once, so the first minute can go faster than the steady state)."""
    rate = unscaled["docs_per_min"]
    return {
        "cellbooks_docs_per_min": rate,
        "ratio_to_batch_ceiling": round(rate / BATCH_CEILING, 3) if rate else None,
        "ratio_to_single_ceiling": round(rate / SINGLE_CEILING, 2) if rate else None,
        "after_first_minute_docs_per_min": _rate_after(unscaled["timeline"], 60.0),
        "cellbooks_calls_per_doc": unscaled["calls_per_doc"],
        "calls_by_kind": unscaled["calls"]["by_kind"],
        "throttled_429": unscaled["calls"]["throttled_429"],
        "seconds": unscaled["seconds"],
    }


def _rate_after(timeline, start: float) -> float | None:
    """Documents a minute from ``start`` seconds to the end, when the run lasted 30 s past it."""
    if not timeline or timeline[-1][0] < start + 30:
        return None
    before = max((done for t, done in timeline if t <= start), default=0)
    end_t, end_done = timeline[-1]
    return round((end_done - before) / (end_t - start) * 60, 1)


def _say(phase):
    print(
        f"  [{phase['name']}] {phase['synced']}/{phase['documents']} docs in {phase['seconds']} s: "
        f"{phase['docs_per_min']} docs/min at time scale {phase['time_scale']:g}, "
        f"{phase['calls_per_doc']} calls/doc, {phase['calls']['throttled_429']} × 429",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark 4: payment latency — from "Receive payment" in the emulator to the Cellbooks invoice
marked paid.

Setup: N open invoices synced to an emulator realm (time scale 1, rate limits on, --latency-ms);
Cellbooks' web server (gunicorn, as the Procfile runs it) and worker (run_huey) as processes; the
emulator's app has its webhook URL pointing at Cellbooks' endpoint (CloudEvents, signed).

With webhooks: a payment arrives every 1/--rate seconds (open loop: the next one does not wait
for the last), each by the emulator's own UI form (POST …/invoices/<id>/receive-payment, the
"Receive payment" button); the bench polls Cellbooks' database every 20 ms for the invoice's
status and records when it became "paid". Path: emulator commit → webhook delivery → Cellbooks
stores the event and enqueues a task → the worker reads the Payment from QBO and records it.

Without webhooks (emulator webhooks disabled): payments arrive the same way, and only the
change-data-capture sweep (inbound.sweep_connection, what the periodic task runs) finds them.
The worker's periodic task runs once a minute (crontab) and sweeps a connection when
QBO_SWEEP_MINUTES (default 5) have passed, so the bound is about max(QBO_SWEEP_MINUTES, 1 min) +
one sweep's duration. Instead of waiting minutes, the bench runs the sweep itself every
--sweep-seconds and shows that the measured latencies stay within that interval + the sweep time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time

from bench import common

WEBHOOK_PATH = "/integrations/quickbooks/webhook/"


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="payments per second (webhooks)")
    parser.add_argument("--sweep-payments", type=int, default=30)
    parser.add_argument("--sweep-seconds", type=float, default=5.0)
    parser.add_argument("--sweep-span", type=float, default=30.0, help="seconds to spread them")
    parser.add_argument("--out", default="payments")
    parser.add_argument("--command", default="")
    return parser.parse_args(argv)


def stats(latencies: list[float]) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "count": len(ms),
        "p50_ms": round(common.percentile(ms, 50), 1) if ms else None,
        "p95_ms": round(common.percentile(ms, 95), 1) if ms else None,
        "p99_ms": round(common.percentile(ms, 99), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
    }


def receive(emulator, realm, qbo_id: str, amount) -> None:
    response = emulator.http.post(
        f"/companies/{realm}/invoices/{qbo_id}/receive-payment",
        data={"amount": str(amount), "reference": f"BENCH-{qbo_id}"},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"receive payment: HTTP {response.status_code} {response.text[:200]}")


def run_payments(emulator, realm, invoices, *, schedule, poll=0.02, grace=60.0):
    """Send payments at the scheduled offsets (seconds) from a thread; poll for 'paid'."""
    from cellbooks.inventory.models import Invoice

    sent: dict[int, float] = {}
    paid: dict[int, float] = {}
    errors: list[str] = []
    started = time.perf_counter()

    def sender():
        for (local_id, qbo_id, amount), offset in zip(invoices, schedule, strict=True):
            delay = started + offset - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent[local_id] = time.perf_counter()
            try:
                receive(emulator, realm, qbo_id, amount)
            except Exception as exc:  # noqa: BLE001 — reported
                errors.append(str(exc)[:200])

    thread = threading.Thread(target=sender)
    thread.start()
    deadline = started + schedule[-1] + grace
    while time.perf_counter() < deadline:
        waiting = [pk for pk in sent if pk not in paid]
        if waiting:
            now = time.perf_counter()
            for pk in Invoice.objects.filter(
                pk__in=waiting, status=Invoice.Status.PAID
            ).values_list("pk", flat=True):
                paid[pk] = now
        elif not thread.is_alive():
            break
        time.sleep(poll)
    thread.join()
    latencies = [paid[pk] - sent[pk] for pk in sent if pk in paid]
    return latencies, len(sent) - len(latencies), errors


def main(argv=None) -> int:
    args = parse(argv)
    with (
        common.temp_dir("payments") as data_dir,
        common.Emulator(latency_ms=args.latency_ms, time_scale=1) as emulator,
    ):
        env = common.setup_django(data_dir, emulator)
        from bench import data
        from cellbooks.quickbooks import inbound
        from cellbooks.quickbooks import worker as sync_worker
        from cellbooks.quickbooks.models import Binding, Connection, SyncRequest, WebhookEvent

        emulator.register_app(common.CLIENT_ID)
        from cellbooks.inventory.models import Invoice

        def synced_company(name, count):
            """A company with ``count`` open invoices synced to its own realm."""
            realm = emulator.create_company(name)
            company, user = data.new_company(name)
            built = data.bulk_workload(
                company,
                user,
                invoices=count,
                purchase_orders=max(1, count // 20),
                customers=20,
                min_devices=1,
                max_devices=3,
            )
            connection = common.connect_company(company, emulator, realm)
            token = emulator.tokens(common.CLIENT_ID, realm)["access_token"]
            common.save_qbo_settings(company, emulator, realm, token)
            ids = [
                SyncRequest.objects.create(company=company, kind="invoice", local_id=pk).pk
                for pk in built.invoice_ids
            ]
            for i in range(0, len(ids), 30):
                sync_worker.process_batch(ids[i : i + 30])
            bindings = dict(
                Binding.objects.filter(company=company, kind="invoice").values_list(
                    "local_id", "qbo_id"
                )
            )
            totals = dict(Invoice.objects.filter(company=company).values_list("pk", "total"))
            invoices = [
                (pk, bindings[pk], totals[pk]) for pk in built.invoice_ids if pk in bindings
            ]
            return connection, realm, invoices

        started = time.perf_counter()
        connection, realm, with_webhooks = synced_company("Bench payments webhooks", args.payments)
        sweep_connection, sweep_realm, by_sweep = synced_company(
            "Bench payments sweep", args.sweep_payments
        )
        print(
            f"payments: {len(with_webhooks) + len(by_sweep)} invoices synced in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        # With webhooks: web server + worker as processes, the emulator's app pointed at them.
        web = worker = None
        try:
            web, web_url = common.start_gunicorn(env, data_dir / "web.log")
            worker = common.start_worker(env, data_dir / "worker.log")
            emulator.register_app(common.CLIENT_ID, webhook_url=f"{web_url}{WEBHOOK_PATH}")
            Connection.objects.filter(pk=connection.pk).update(last_sweep_at=None)
            time.sleep(3)
            schedule = [i / args.rate for i in range(len(with_webhooks))]
            emulator.clear_requests()
            latencies, missing, errors = run_payments(
                emulator, realm, with_webhooks, schedule=schedule
            )
            calls = common.count_calls(emulator.requests(realm))
        finally:
            common.stop(worker)
            common.stop(web)
        webhook = {
            **stats(latencies),
            "not_paid_in_time": missing,
            "errors": errors[:5],
            "rate_per_second": args.rate,
            "events_stored": WebhookEvent.objects.count(),
            "cellbooks_api_calls": calls,
            "api_calls_per_payment": round(calls["total"] / max(1, len(latencies)), 2),
            "deliveries": _delivery_outcomes(emulator, realm),
            "latencies_ms": [round(x * 1000, 1) for x in latencies],
        }
        print(
            f"  webhooks: p50 {webhook['p50_ms']} ms, p95 {webhook['p95_ms']} ms, p99 {webhook['p99_ms']} ms "
            f"({webhook['count']} paid, {missing} missing)",
            flush=True,
        )

        # Without webhooks: the sweep, run here every --sweep-seconds.
        emulator.settings(webhooks_enabled=False)
        sweeps: list[float] = []
        stop_sweeping = threading.Event()

        def sweeper():
            from django.db import connection as db

            try:
                while not stop_sweeping.wait(args.sweep_seconds):
                    began = time.perf_counter()
                    inbound.sweep_connection(Connection.objects.get(pk=sweep_connection.pk))
                    sweeps.append(time.perf_counter() - began)
            finally:
                db.close()

        inbound.sweep_connection(Connection.objects.get(pk=sweep_connection.pk))  # catch up
        rng = random.Random(4)
        schedule = sorted(rng.uniform(0, args.sweep_span) for _ in by_sweep)
        thread = threading.Thread(target=sweeper)
        thread.start()
        try:
            sweep_latencies, sweep_missing, sweep_errors = run_payments(
                emulator,
                sweep_realm,
                by_sweep,
                schedule=schedule,
                poll=0.05,
                grace=args.sweep_seconds * 3 + 10,
            )
        finally:
            stop_sweeping.set()
            thread.join()
        sweep = {
            **stats(sweep_latencies),
            "not_paid_in_time": sweep_missing,
            "errors": sweep_errors[:5],
            "sweep_every_seconds": args.sweep_seconds,
            "sweep_duration_ms": {
                "median": round(statistics.median(sweeps) * 1000, 1) if sweeps else None,
                "max": round(max(sweeps) * 1000, 1) if sweeps else None,
                "count": len(sweeps),
            },
            # A payment committed just after a sweep read QBO waits for that sweep to end, the
            # interval, and the whole next sweep.
            "expected_bound_ms": round(
                (args.sweep_seconds + 2 * (max(sweeps) if sweeps else 0)) * 1000, 1
            ),
            "latencies_ms": [round(x * 1000, 1) for x in sweep_latencies],
        }
        print(
            f"  sweep every {args.sweep_seconds:g} s: p50 {sweep['p50_ms']} ms, max {sweep['max_ms']} ms "
            f"(bound {sweep['expected_bound_ms']} ms; sweep takes {sweep['sweep_duration_ms']})",
            flush=True,
        )

    report = {
        "command": args.command or " ".join(sys.argv),
        "emulator": {"latency_ms": args.latency_ms, "time_scale": 1, "rate_limits": True},
        "cellbooks": "gunicorn cellbooks.wsgi --workers 2 --threads 4; manage.py run_huey (4 threads)",
        "webhooks": webhook,
        "sweep": sweep,
        "sweep_bound_in_production": "latency <= QBO_SWEEP_MINUTES rounded up to whole minutes (the "
        "periodic task runs on the minute, crontab) + 2 x one sweep's duration; default "
        "QBO_SWEEP_MINUTES=5 -> about 5 min",
    }
    common.write_result(args.out, report)
    return 0


def _delivery_outcomes(emulator, realm) -> dict:
    log = emulator.http.get("/_emulator/webhooks", params={"realm_id": realm}).json()
    outcomes: dict[str, int] = {}
    for entry in log.get("deliveries", []):
        outcomes[entry["outcome"]] = outcomes.get(entry["outcome"], 0) + 1
    return outcomes


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark 6: a person presses Sync on a purchase order's page — how long until the page shows
"Synced"?

Cellbooks as `make run` runs it: gunicorn (2 workers × 4 threads) and the worker (`run_huey`) as
processes, against ``qbo-emulator serve`` with QBO's rate limits on and --latency-ms (150) on
every API call, time scale 1. A browser is played by an HTTP client with the person's session:
for each of --clicks received POs (5 devices, a vendor not yet in QuickBooks), it opens the page,
then the clock starts: POST Sync → the redirect → the page (Queued, with the box's script) →
the box polls its endpoint (``…/panel/?while=queued``) at the script's pace (every 200 ms for 5 s,
then every second) until it answers with the box saying "Synced". The clock stops when that
answer arrives. One click at a time, a second apart.

Also recorded: the worker's own time (the request's queued → done), and the bytes a poll costs.
Targets: p50 < 1 s, p95 < 2 s.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import httpx

from bench import common

POLL_FAST, POLL_SLOW, FAST_FOR = 0.2, 1.0, 5.0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--workers", type=int, default=8, help="HUEY_WORKERS (the default)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per click, seconds")
    parser.add_argument("--out", default="sync_click")
    parser.add_argument("--command", default="")
    return parser.parse_args(argv)


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def build(company, count: int) -> list:
    from bench.data import imei
    from cellbooks.inventory import services

    pos = []
    for n in range(count):
        vendor = services.create_partner(
            company=company, name=f"Click Vendor {n:03d}", is_vendor=True, payment_terms_days=30
        )
        po = services.create_purchase_order(company=company, vendor=vendor)
        for d in range(5):
            services.add_device_to_purchase_order(
                purchase_order=po,
                identifier=imei(3_000_000 + n * 10 + d),
                manufacturer="Apple",
                model="iPhone 13",
                capacity="128GB",
                colour="Blue",
                network="Unlocked",
                condition="AB"[d % 2],
                cost=f"{300 + d}.25",
            )
        pos.append(services.receive_purchase_order(purchase_order=po))
    return pos


def click(browser: httpx.Client, po_pk: int, timeout: float) -> dict:
    page = browser.get(f"/purchase-orders/{po_pk}/")
    page.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = time.perf_counter()
    answer = browser.post(
        f"/integrations/quickbooks/sync/purchase_order/{po_pk}/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": str(page.url)},
    )
    assert answer.status_code == 302, answer.status_code
    page = browser.get(answer.headers["Location"])
    loaded = time.perf_counter()
    polls, poll_bytes = 0, 0
    panel = f"/integrations/quickbooks/sync/purchase_order/{po_pk}/panel/?while=queued"
    if (
        "qbo-sync-waiting" in page.text
        and "Synced" not in page.text.split('id="qbo-sync"')[1][:600]
    ):
        while True:
            since = time.perf_counter() - loaded
            time.sleep(POLL_FAST if since < FAST_FOR else POLL_SLOW)
            response = browser.get(panel)
            polls += 1
            poll_bytes += len(response.content)
            if response.status_code == 200 and "Synced" in response.text:
                break
            if response.status_code == 200 and "qbo-sync-waiting" not in response.text:
                raise RuntimeError(f"PO {po_pk}: the box says {response.text[:300]!r}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"PO {po_pk}: not synced within {timeout} s")
    return {
        "seconds": time.perf_counter() - started,
        "polls": polls,
        "poll_bytes": poll_bytes,
        "page_seconds": loaded - started,
    }


def main(argv=None) -> int:
    args = parse(argv)
    with (
        common.temp_dir("click") as data_dir,
        common.Emulator(latency_ms=args.latency_ms, time_scale=1) as emulator,
    ):
        env = common.setup_django(data_dir, emulator, HUEY_WORKERS=args.workers)
        from bench import data
        from cellbooks.quickbooks.models import SyncRequest

        emulator.register_app(common.CLIENT_ID)
        realm = emulator.create_company("Bench click")
        company, user = data.new_company("Bench click")
        common.connect_company(company, emulator, realm)
        token = emulator.tokens(common.CLIENT_ID, realm)["access_token"]
        common.save_qbo_settings(company, emulator, realm, token)
        pos = build(company, args.clicks)
        cookie = session_cookie(user)

        web, url = common.start_gunicorn(env, data_dir / "web.log")
        worker = common.start_worker(env, data_dir / "worker.log", workers=args.workers)
        clicks = []
        try:
            with httpx.Client(base_url=url, cookies={"sessionid": cookie}, timeout=30) as browser:
                click(browser, pos[0].pk, args.timeout)  # warm-up: connections, caches
                for po in pos[1:]:
                    clicks.append(click(browser, po.pk, args.timeout))
                    time.sleep(1.0)
        finally:
            common.stop(worker)
            common.stop(web)
        requests = SyncRequest.objects.filter(
            company=company, local_id__in=[p.pk for p in pos[1:]], status="done"
        )
        worker_seconds = [(r.finished_at - r.requested_at).total_seconds() for r in requests]
        calls = common.count_calls(emulator.requests(realm))

    seconds = [c["seconds"] for c in clicks]
    report = {
        "command": args.command or " ".join(sys.argv),
        "latency_ms": args.latency_ms,
        "clicks": len(clicks),
        "p50_ms": round(common.percentile(seconds, 50) * 1000),
        "p95_ms": round(common.percentile(seconds, 95) * 1000),
        "max_ms": round(max(seconds) * 1000),
        "worker_p50_ms": round(common.percentile(worker_seconds, 50) * 1000),
        "worker_p95_ms": round(common.percentile(worker_seconds, 95) * 1000),
        "page_p50_ms": round(common.percentile([c["page_seconds"] for c in clicks], 50) * 1000),
        "polls_per_click": round(sum(c["polls"] for c in clicks) / len(clicks), 1),
        "bytes_per_poll": round(
            sum(c["poll_bytes"] for c in clicks) / max(1, sum(c["polls"] for c in clicks))
        ),
        "api_calls": calls,
        "all_ms": [round(s * 1000) for s in seconds],
        "targets": {"p50_ms": 1000, "p95_ms": 2000},
    }
    common.write_result(args.out, report)
    print(
        f"  click → Synced: p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms "
        f"(worker p50 {report['worker_p50_ms']} ms; {report['polls_per_click']} polls of "
        f"{report['bytes_per_poll']} bytes)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The emulator's own throughput: creates, reads and queries per second against the CLI server
in a subprocess (rate limits off, no latency), over keep-alive connections from a few client
threads. A bounded run (a few seconds per phase); prints a summary and writes
bench/results/emulator.json.

    .venv/bin/python bench/bench_emulator.py [--seconds 5] [--clients 4]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

RESULTS = Path(__file__).resolve().parent / "results" / "emulator.json"
CLIENT_ID = "bench-client"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    binary = Path(sys.executable).parent / "qbo-emulator"
    process = subprocess.Popen(
        [str(binary), "serve", "--port", str(port), "--no-rate-limits", "--latency-ms", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/settings", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("qbo-emulator did not start")


def setup(url: str) -> tuple[str, str]:
    realm = httpx.post(f"{url}/_emulator/companies", json={"name": "Bench Co"}).json()["realmId"]
    httpx.post(
        f"{url}/_emulator/apps",
        json={
            "client_id": CLIENT_ID,
            "client_secret": "s",
            "redirect_uris": ["http://127.0.0.1:9/cb"],
        },
    ).raise_for_status()
    tokens = httpx.post(f"{url}/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": realm})
    tokens.raise_for_status()
    return realm, tokens.json()["access_token"]


def run_phase(name: str, make_request, *, seconds: float, clients: int, client_factory) -> dict:
    """Run ``make_request(client, n)`` from ``clients`` threads for ``seconds``; count answers."""
    counter = itertools.count()
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        with client_factory() as client:
            local, bad = [], 0
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = make_request(client, next(counter))
                local.append(time.perf_counter() - started)
                if response.status_code != 200:
                    bad += 1
            with lock:
                latencies.extend(local)
                failures[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    result = {
        "phase": name,
        "requests": len(latencies),
        "failures": failures[0],
        "seconds": round(elapsed, 3),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2) if latencies else None,
    }
    print(
        f"{name:<16} {result['per_second']:>8} req/s   p50 {result['p50_ms']} ms   p95 {result['p95_ms']} ms"
        f"   ({result['requests']} requests, {result['failures']} failed)"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="duration of each phase (default 5)"
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="concurrent client threads (default 4)"
    )
    args = parser.parse_args(argv)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        realm, token = setup(url)
        base = f"{url}/v3/company/{realm}"

        def client_factory():
            return httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=30,
            )

        with client_factory() as client:
            income = client.get(
                "/query", params={"query": "select * from Account where Name = 'Services'"}
            )
            income_id = income.json()["QueryResponse"]["Account"][0]["Id"]
            item = client.post(
                "/item",
                json={
                    "Name": "Bench Item",
                    "Type": "Service",
                    "IncomeAccountRef": {"value": income_id},
                },
            )
            item_id = item.json()["Item"]["Id"]
            customer_id = client.post("/customer", json={"DisplayName": "Bench Buyer"}).json()[
                "Customer"
            ]["Id"]

        phases = [
            run_phase(
                "create customer",
                lambda c, n: c.post("/customer", json={"DisplayName": f"Customer {n}"}),
                seconds=args.seconds,
                clients=args.clients,
                client_factory=client_factory,
            ),
            run_phase(
                "create invoice",
                lambda c, n: c.post(
                    "/invoice",
                    json={
                        "CustomerRef": {"value": customer_id},
                        "Line": [
                            {
                                "Amount": "19.99",
                                "DetailType": "SalesItemLineDetail",
                                "SalesItemLineDetail": {
                                    "ItemRef": {"value": item_id},
                                    "Qty": 1,
                                    "UnitPrice": "19.99",
                                },
                            }
                        ],
                    },
                ),
                seconds=args.seconds,
                clients=args.clients,
                client_factory=client_factory,
            ),
            run_phase(
                "read customer",
                lambda c, n: c.get(f"/customer/{customer_id}"),
                seconds=args.seconds,
                clients=args.clients,
                client_factory=client_factory,
            ),
            run_phase(
                "query invoices",
                lambda c, n: c.get(
                    "/query",
                    params={
                        "query": f"select * from Invoice where CustomerRef = '{customer_id}' maxresults 10"
                    },
                ),
                seconds=args.seconds,
                clients=args.clients,
                client_factory=client_factory,
            ),
        ]
        with client_factory() as client:
            counts = {
                entity: client.get(
                    "/query", params={"query": f"select count(*) from {entity}"}
                ).json()["QueryResponse"]["totalCount"]
                for entity in ("Customer", "Invoice")
            }
    finally:
        server.terminate()
        server.wait(timeout=10)

    report = {
        "benchmark": "qbo_emulator throughput",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "server": "qbo-emulator serve --no-rate-limits --latency-ms 0 (one uvicorn process)",
        "clients": args.clients,
        "seconds_per_phase": args.seconds,
        "phases": phases,
        "records_at_end": counts,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

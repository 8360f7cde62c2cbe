"""Benchmark 5: webhook intake — signed events per second Cellbooks' endpoint accepts on this
machine, from a load generator on loopback, bounded in count and time.

Cellbooks: gunicorn as the Procfile runs it (2 workers × 4 threads; no access log), a file-based SQLite
database, one connected company (so every event is verified, parsed, stored and named in a
task — one task for the events a web process stored meanwhile; the worker is not running, so
the tasks wait in the queue). Load: an asyncio HTTP/1.1
keep-alive generator in this process (--connections concurrent connections), bodies and
``intuit-signature`` headers computed before the clock starts, each event unique (a CloudEvents
array of --events-per-request Payment events). Counted: answers 200 per second, their latency,
and the events stored.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import sys
import time
import uuid

from bench import common, profiles

PATH = "/integrations/quickbooks/webhook/"
REALM = "9130350000000001"


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=30.0, help="upper bound per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--events-per-request", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--out", default="intake")
    parser.add_argument("--command", default="")
    parser.add_argument("--profile", action="store_true", help="py-spy the gunicorn workers")
    return parser.parse_args(argv)


def bodies(count: int, per_request: int) -> list[bytes]:
    """Raw HTTP requests, each a signed CloudEvents array of unique Payment events."""
    out = []
    for n in range(count):
        events = [
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "intuit.bench",
                "type": "qbo.payment.created.v1",
                "datacontenttype": "application/json",
                "time": "2026-11-25T12:00:00.000000000Z",
                "intuitentityid": str(100000 + n * per_request + i),
                "intuitaccountid": REALM,
                "data": {},
            }
            for i in range(per_request)
        ]
        body = json.dumps(events, separators=(",", ":")).encode()
        signature = base64.b64encode(
            hmac.new(common.VERIFIER.encode(), body, hashlib.sha256).digest()
        ).decode()
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"intuit-signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        out.append(head + body)
    return out


async def load(host: str, port: int, requests: list[bytes], *, connections: int, seconds: float):
    queue = list(reversed(requests))
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client():
        reader = writer = None
        while queue and time.perf_counter() < deadline:
            raw = queue.pop()  # before connecting, which lets another client take the last one
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            began = time.perf_counter()
            writer.write(raw)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                statuses[-1] = statuses.get(-1, 0) + 1
                writer.close()
                reader = writer = None
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length, close = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            statuses[status] = statuses.get(status, 0) + 1
            if close:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return time.perf_counter() - started, statuses, latencies


def main(argv=None) -> int:
    args = parse(argv)
    runs = []
    with common.temp_dir("intake") as data_dir:
        env = common.setup_django(data_dir, None)
        from bench import data
        from cellbooks.quickbooks.models import Connection, WebhookEvent

        company, _ = data.new_company("Bench intake")
        Connection.objects.create(
            company=company,
            status=Connection.Status.CONNECTED,
            realm_id=REALM,
            linked_realm_id=REALM,
            environment="emulator",
        )
        profile = common.RESULTS / "profiles" / "intake-gunicorn.raw" if args.profile else None
        web, url = common.start_gunicorn(
            env, data_dir / "web.log", workers=args.workers, threads=args.threads, profile=profile
        )
        try:
            port = int(url.rsplit(":", 1)[1])
            # Warm up (imports, first connections), not counted.
            asyncio.run(load("127.0.0.1", port, bodies(100, 1), connections=4, seconds=10))
            for per_request in args.events_per_request:
                before = WebhookEvent.objects.count()
                requests = bodies(max(1, args.requests // per_request), per_request)
                elapsed, statuses, latencies = asyncio.run(
                    load(
                        "127.0.0.1",
                        port,
                        requests,
                        connections=args.connections,
                        seconds=args.seconds,
                    )
                )
                ok = statuses.get(200, 0)
                stored = WebhookEvent.objects.count() - before
                ms = [x * 1000 for x in latencies]
                run = {
                    "events_per_request": per_request,
                    "requests_sent": sum(statuses.values()),
                    "statuses": {str(k): v for k, v in statuses.items()},
                    "seconds": round(elapsed, 2),
                    "requests_per_second": round(ok / elapsed, 1),
                    "events_per_second": round(ok * per_request / elapsed, 1),
                    "events_stored": stored,
                    "p50_ms": round(common.percentile(ms, 50), 1) if ms else None,
                    "p99_ms": round(common.percentile(ms, 99), 1) if ms else None,
                }
                runs.append(run)
                print(
                    f"  intake, {per_request} event(s)/request: {run['events_per_second']} events/s "
                    f"({run['requests_per_second']} req/s, p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, "
                    f"{stored} stored, statuses {run['statuses']})",
                    flush=True,
                )
        finally:
            common.stop(web)
    common.write_result(
        args.out,
        {
            "profile": profiles.summarize(profile, top=20) if args.profile else None,
            "command": args.command or " ".join(sys.argv),
            "server": f"gunicorn cellbooks.wsgi --workers {args.workers} --threads {args.threads}",
            "generator": f"asyncio HTTP/1.1 keep-alive, {args.connections} connections, same machine",
            "bounds": {"requests": args.requests, "seconds": args.seconds},
            "runs": runs,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

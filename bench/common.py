"""Shared pieces of the benchmarks: the emulator as a separate process, Cellbooks on a file-based
SQLite database in a temporary directory, its web server and worker as processes, connecting a
company to an emulator realm, building data fast (bulk inserts), and small statistics helpers.

Every benchmark module runs as its own process (``python -m bench.<name>``) because Django reads
its settings once per process; ``bench/__main__.py`` runs them one after another.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
CLIENT_ID = "bench-cellbooks"
CLIENT_SECRET = "bench-cellbooks-secret"
VERIFIER = "bench-verifier-token"
NAIVE_CLIENT_ID = "bench-naive"


# ---- small helpers ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (pct in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values):
    return statistics.median(values) if values else None


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_result(name: str, report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "backend": backend_label(),
        **report,
    }
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written {path.relative_to(ROOT)}", flush=True)
    return path


def wait_http(url: str, *, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered at {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, *, timeout: float = 15.0) -> None:
    """Stop a process we started (SIGTERM, then SIGKILL), by its own id. A command run under
    py-spy gets SIGINT (py-spy writes its profile then), and its own session is ended after."""
    if process is None or process.poll() is not None:
        return
    if getattr(process, "profiled", False):
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the profiled child, in the session we made
        except ProcessLookupError:
            pass
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# ---- the emulator, as a separate process -------------------------------------------------------
class Emulator:
    """``qbo-emulator serve`` in a subprocess with QBO's rate limits on."""

    def __init__(self, *, latency_ms: float, time_scale: float, rate_limits: bool = True, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            str(BIN / "qbo-emulator"),
            "serve",
            "--port",
            str(self.port),
            "--latency-ms",
            str(latency_ms),
            "--time-scale",
            str(time_scale),
        ]
        if not rate_limits:
            args.append("--no-rate-limits")
        self.latency_ms, self.time_scale, self.rate_limits = latency_ms, time_scale, rate_limits
        self.process = subprocess.Popen(
            args, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL
        )
        wait_http(f"{self.url}/_emulator/settings", process=self.process)
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def close(self) -> None:
        self.http.close()
        stop(self.process)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def command(self) -> str:
        flags = f"--latency-ms {self.latency_ms:g} --time-scale {self.time_scale:g}"
        return f"qbo-emulator serve {flags}" + ("" if self.rate_limits else " --no-rate-limits")

    def scale(self, time_scale: float) -> None:
        """Change the time scale of the running server (windows and latency)."""
        self.settings(time_scale=time_scale)

    def settings(self, **changes) -> dict:
        if changes:
            response = self.http.put("/_emulator/settings", json=changes)
        else:
            response = self.http.get("/_emulator/settings")
        response.raise_for_status()
        current = response.json()
        self.time_scale = current.get("time_scale", self.time_scale)
        self.latency_ms = current.get("latency_ms", self.latency_ms)
        self.rate_limits = current.get("rate_limits_enabled", self.rate_limits)
        return current

    def create_company(self, name: str) -> str:
        response = self.http.post(
            "/_emulator/companies",
            json={"name": name, "plan": "plus", "purchase_orders_enabled": True},
        )
        response.raise_for_status()
        return response.json()["realmId"]

    def register_app(
        self, client_id: str, *, webhook_url: str | None = None, fmt: str = "cloudevents"
    ) -> None:
        body = {
            "client_id": client_id,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": ["http://127.0.0.1:9/integrations/quickbooks/callback/"],
            "verifier_token": VERIFIER,
            "webhook_format": fmt,
        }
        if webhook_url:
            body["webhook_url"] = webhook_url
        self.http.post("/_emulator/apps", json=body).raise_for_status()

    def tokens(self, client_id: str, realm_id: str) -> dict:
        response = self.http.post(
            "/_emulator/tokens", json={"client_id": client_id, "realm_id": realm_id}
        )
        response.raise_for_status()
        return response.json()

    def clear_requests(self) -> None:
        self.http.delete("/_emulator/requests").raise_for_status()

    def requests(self, realm_id: str | None = None) -> list[dict]:
        params = {"limit": 10000}
        if realm_id:
            params["realm"] = realm_id
        response = self.http.get("/_emulator/requests", params=params)
        response.raise_for_status()
        return response.json()["requests"]

    def api(self, realm_id: str, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/v3/company/{realm_id}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=60,
        )


def count_calls(entries: list[dict]) -> dict:
    """What the emulator's request log says: /v3 calls by kind and status."""
    v3 = [e for e in entries if e["path"].startswith("/v3/")]
    by_kind: dict[str, int] = {}
    for entry in v3:
        tail = entry["path"].split("/")[4:]  # /v3/company/{realm}/<entity>[/id]
        key = f"{entry['method']} {tail[0] if tail else ''}"
        by_kind[key] = by_kind.get(key, 0) + 1
    return {
        "total": len(v3),
        "ok": sum(1 for e in v3 if e["status"] == 200),
        "throttled_429": sum(1 for e in v3 if e["status"] == 429),
        "other_errors": sum(1 for e in v3 if e["status"] not in (200, 429)),
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
    }


def calls_timeline(entries: list[dict], step: float = 5.0) -> list[list]:
    """The emulator's log of /v3 calls in ``step``-second slices from the first call: [start s,
    single requests, batch requests, answers 429] — how a run spent QuickBooks' windows."""
    v3 = [e for e in entries if e["path"].startswith("/v3/")]
    if not v3:
        return []
    sent = [
        (datetime.fromisoformat(e["time"]).timestamp() - e["duration_ms"] / 1000, e) for e in v3
    ]
    first = min(t for t, _ in sent)
    slices: dict[int, list] = {}
    for t, entry in sent:
        n = int((t - first) // step)
        row = slices.setdefault(n, [round(n * step, 1), 0, 0, 0])
        row[2 if entry["path"].endswith("/batch") else 1] += 1
        if entry["status"] == 429:
            row[3] += 1
    return [slices[n] for n in sorted(slices)]


# ---- Cellbooks on a file-based SQLite database, or on PostgreSQL + Redis ---------------------------
# `python -m bench` runs each benchmark on SQLite, then (`--backends ... postgres`) again under
# scripts/with-servers, which starts PostgreSQL and Redis and sets DATABASE_URL and REDIS_URL;
# BENCH_BACKEND=postgres tells the benchmark to use them. Read once: setup_django replaces the
# environment.
SERVERS = {name: os.environ.get(name, "") for name in ("DATABASE_URL", "REDIS_URL")}


def backend() -> str:
    """ "sqlite" (a file-based SQLite database, Huey on SQLite) or "postgres" (+ Redis)."""
    chosen = os.environ.get("BENCH_BACKEND", "sqlite")
    if chosen == "postgres" and not SERVERS["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("BENCH_BACKEND=postgres needs DATABASE_URL and REDIS_URL (with-servers)")
    return chosen


def backend_label() -> str:
    return "PostgreSQL + Redis" if backend() == "postgres" else "SQLite"


def cellbooks_env(data_dir: Path, emulator: Emulator | None, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cellbooks.settings",
        "CELLBOOKS_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'cellbooks.sqlite3'}",
        "QBO_ENVIRONMENT": "emulator",
        "QBO_CLIENT_ID": CLIENT_ID,
        "QBO_CLIENT_SECRET": CLIENT_SECRET,
        "QBO_WEBHOOK_VERIFIER_TOKEN": VERIFIER,
        "QBO_RATE_LIMITS": "on",
        "QBO_RATE_SCALE": str(emulator.time_scale if emulator else 1),
        "HUEY_IMMEDIATE": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    if backend() == "postgres":
        env.update(SERVERS)
        env["BENCH_BACKEND"] = "postgres"
    else:
        env.pop("REDIS_URL", None)
    if emulator is not None:
        env["QBO_EMULATOR_URL"] = emulator.url
    env.update({k: str(v) for k, v in extra.items()})
    env.pop("CELLBOOKS_ENCRYPTION_KEY", None)
    return env


def setup_django(data_dir: Path, emulator: Emulator | None, **extra) -> dict:
    """Point this process at a fresh file-based SQLite database (or the PostgreSQL one) and
    migrate it."""
    env = cellbooks_env(data_dir, emulator, **extra)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return env


@contextmanager
def temp_dir(prefix: str):
    with tempfile.TemporaryDirectory(prefix=f"cellbooks-bench-{prefix}-") as name:
        yield Path(name)


def py_spy(out: Path | None) -> list[str]:
    """The prefix that runs a command under py-spy (sampling, all threads, native off), or []."""
    if out is None:
        return []
    out.parent.mkdir(parents=True, exist_ok=True)
    return [
        str(BIN / "py-spy"),
        "record",
        "--format",
        "raw",
        "--rate",
        "200",
        "--threads",
        "--nonblocking",
        "-o",
        str(out),
        "--",
    ]


def start_worker(
    env: dict, log_path: Path, *, workers: int | None = None, profile: Path | None = None
) -> subprocess.Popen:
    """``python manage.py run_huey`` (threads), as `make run` starts it."""
    env = dict(env)
    if workers is not None:
        env["HUEY_WORKERS"] = str(workers)
    process = subprocess.Popen(
        [*py_spy(profile), sys.executable, "manage.py", "run_huey"],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=profile is not None,
    )
    process.profiled = profile is not None
    return process


def start_gunicorn(
    env: dict, log_path: Path, *, workers: int = 2, threads: int = 4, profile: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Cellbooks' web server as the Procfile runs it (2 workers × 4 threads by default), but without
    its access log (a line a request): what is measured is Cellbooks, not the log."""
    port = free_port()
    spy = py_spy(profile)
    if spy:
        spy.insert(2, "--subprocesses")
    process = subprocess.Popen(
        [
            *spy,
            str(BIN / "gunicorn"),
            "cellbooks.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "ab"),
        stderr=subprocess.STDOUT,
        start_new_session=profile is not None,
    )
    process.profiled = profile is not None
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/accounts/login/", process=process)
    return process, url


def connect_company(company, emulator: Emulator, realm_id: str):
    """A Connection row as the OAuth callback leaves it, with tokens from the control plane."""
    from django.utils import timezone

    from cellbooks.quickbooks.models import Connection

    connection = Connection(
        company=company,
        status=Connection.Status.CONNECTED,
        realm_id=realm_id,
        linked_realm_id=realm_id,
        environment="emulator",
        qbo_company_name=f"Bench realm {realm_id}",
        connected_at=timezone.now(),
    )
    connection.set_tokens(emulator.tokens(CLIENT_ID, realm_id))
    connection.save()
    return connection


def save_qbo_settings(company, emulator: Emulator, realm_id: str, token: str, **options):
    """Integrations → QuickBooks → Settings, through the service (creates the QBO item)."""
    from cellbooks.quickbooks import services

    with emulator.api(realm_id, token) as api:
        accounts = api.get("/query", params={"query": "select * from Account maxresults 1000"})
        accounts.raise_for_status()
        by_name = {a["Name"]: a["Id"] for a in accounts.json()["QueryResponse"]["Account"]}
    return services.save_settings(
        company=company,
        item_name="Cellbooks Inventory",
        income_account_id=by_name["Sales of Product Income"],
        expense_account_id=by_name["Cost of Goods Sold"],
        sync_pos_to=options.pop("sync_pos_to", "bill"),
        **options,
    )

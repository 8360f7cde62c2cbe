"""The browser test's world: Cellbooks started the way `make run` starts it, and Debian's chromium.

- ``stack``: migrate + load_demo into a fresh data directory, then honcho with the repo's Procfile
  (web, worker, emulator) on free ports, in its own process group; stopped at the end.
  ``empty_stack``: the same without the demo (a first run). Both write email to files.
- ``browser``: /usr/bin/chromium driven by Playwright (never `playwright install`: no downloads).
- ``shots``: the folder a test's screenshots go to (test-output/e2e/<test>/, gitignored).

Set CELLBOOKS_SCREENSHOTS=docs/screenshots to also copy the README's screenshots there.

`make test-postgres` sets CELLBOOKS_E2E_SCALED=1: then each stack runs as `make run-scaled` does —
a fresh PostgreSQL database on the run's server (DATABASE_URL), the queue on its Redis (REDIS_URL,
a queue name of its own) and three worker processes — with nothing else changed.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
STARTUP_SECONDS = 60
# What the servers must not inherit from the test run (its settings module, inline tasks, a temp
# data dir) or from the developer's shell (another database, queue or QuickBooks).
NOT_INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "HUEY_IMMEDIATE",
    "DATABASE_URL",
    "REDIS_URL",
    "QBO_ENVIRONMENT",
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
    "QBO_REDIRECT_URI",
    "QBO_WEBHOOK_VERIFIER_TOKEN",
    "QBO_RATE_LIMITS",
    "QBO_RATE_SCALE",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Stack:
    base_url: str
    emulator_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen

    def emails(self) -> list[tuple[str, str]]:
        """(recipient, text) of every email the servers sent, oldest first (the file-based backend
        writes them one after another, separated by a line of dashes, quoted-printable)."""
        folder = self.data_dir / "email"
        if not folder.exists():
            return []
        found = []
        for path in sorted(folder.glob("*.log"), key=os.path.getmtime):
            for chunk in re.split(r"\n-{79}\n", path.read_text()):
                if chunk.strip():
                    message = email.message_from_string(chunk.lstrip())
                    body = message.get_payload(decode=True) or b""
                    found.append((message["To"] or "", body.decode(errors="replace")))
        return found

    def log_tail(self, lines: int = 40) -> str:
        """The end of the servers' output, without the access log and the worker's chatter."""
        noise = re.compile(r'"(GET|POST) /|INFO:huey|INFO huey')
        try:
            text = self.log_path.read_text(errors="replace")
            return "\n".join(
                [line for line in text.splitlines() if not noise.search(line)][-lines:]
            )
        except OSError:
            return "(no log)"

    def emulator_requests(self, limit: int = 25) -> str:
        """The emulator's last API requests (its control plane's request log), one a line."""
        try:
            entries = httpx.get(
                f"{self.emulator_url}/_emulator/requests", params={"limit": limit}, timeout=5
            ).json()["requests"]
        except (httpx.HTTPError, ValueError, KeyError):
            return "(request log unavailable)"
        return "\n".join(
            f"{e.get('time', '')[11:23]} {e.get('status')} {e.get('method')} {e.get('path')}"
            f"{'?' + e['query'][:80] if e.get('query') else ''}"
            for e in entries
        )


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop honcho and everything it started: the whole process group, politely, then firmly."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _scaled_out(data_dir: Path) -> dict:
    """A database of its own on the run's PostgreSQL server and a queue of its own on its Redis:
    only DATABASE_URL, REDIS_URL (and the queue's name) differ from `make run`."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith("postgres") or not redis_url:
        pytest.fail("CELLBOOKS_E2E_SCALED=1 needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    name = f"e2e_{uuid.uuid4().hex[:16]}"
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return {
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}")),
        "REDIS_URL": redis_url,
        "HUEY_NAME": name,
    }


@contextmanager
def running_stack(data_dir: Path, *, demo: bool):
    """Cellbooks as `make run` starts it (with the demo company, or an empty install), its email
    written to files in ``data_dir/email`` (the invitations' links are read from there)."""
    # The README's screenshots show make run's own addresses when they are free.
    if demo and os.environ.get("CELLBOOKS_SCREENSHOTS") and _is_free(8000) and _is_free(8765):
        port, emulator_port = 8000, 8765
    else:
        port, emulator_port = free_port(), free_port()
        while emulator_port == port:
            emulator_port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="cellbooks.settings",
        CELLBOOKS_DATA_DIR=str(data_dir),
        STATIC_ROOT=str(data_dir / "staticfiles"),
        HOST="127.0.0.1",
        PORT=str(port),
        EMULATOR_PORT=str(emulator_port),
        QBO_EMULATOR_URL=emulator_url,
        CELLBOOKS_PUBLIC_URL=base_url,
        QBO_SWEEP_MINUTES="1",  # the payment sweep backs up the webhooks within a minute or two
        PYTHONUNBUFFERED="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(data_dir / "email"),
    )
    scaled = os.environ.get("CELLBOOKS_E2E_SCALED") == "1"
    if scaled:
        env.update(_scaled_out(data_dir))
    python = str(VENV_BIN / "python")
    # What `make run` does before honcho: migrate, load the demo once, collect static files.
    steps = [["migrate", "--no-input", "-v", "0"]]
    if demo:
        steps.append(["load_demo", "--if-empty"])
    steps.append(["collectstatic", "--no-input", "-v", "0"])
    for args in steps:
        subprocess.run([python, "manage.py", *args], cwd=REPO, env=env, check=True, timeout=300)

    log_path = data_dir / "servers.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "-f", "Procfile", "start"]
            # Scaled: three worker processes, one of which enqueues the periodic tasks.
            + ["-c", "more-workers=2" if scaled else "more-workers=0"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so teardown stops all three
        )
    running = Stack(base_url, emulator_url, data_dir, log_path, process)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (_answers(f"{base_url}/accounts/login/") and _answers(f"{emulator_url}/")):
            if process.poll() is not None:
                pytest.fail(f"honcho exited with {process.returncode}:\n{running.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the servers did not answer in {STARTUP_SECONDS}s:\n{running.log_tail()}"
                )
            time.sleep(0.25)
        yield running
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The demo company's Cellbooks, as `make run` starts it."""
    with running_stack(tmp_path_factory.mktemp("cellbooks-e2e-data"), demo=True) as running:
        yield running


@pytest.fixture
def empty_stack(tmp_path_factory):
    """A fresh install: no company, no account."""
    with running_stack(tmp_path_factory.mktemp("cellbooks-e2e-empty"), demo=False) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Pages that talk to QuickBooks take a moment more while the rest of the suite runs alongside.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport=VIEWPORT, base_url=stack.base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


class Shots:
    """Numbered full-page screenshots of each step; some are copied for the README."""

    def __init__(self, folder: Path, readme_folder: Path | None):
        self.folder = folder
        self.readme_folder = readme_folder
        self.count = 0

    def take(self, page, name: str, *, readme: str | None = None) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        if readme and self.readme_folder:
            _save_small(path, self.readme_folder / f"{readme}.png")
        return path


def _save_small(source: Path, target: Path) -> None:
    """The README's copy in 256 colours (a third of the size; screenshots are flat colours)."""
    from PIL import Image  # Pillow comes with fpdf2

    with Image.open(source) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        small.save(target, optimize=True)


@pytest.fixture
def shots(request):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder = REPO / "test-output" / "e2e" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    readme = os.environ.get("CELLBOOKS_SCREENSHOTS")
    readme_folder = None
    if readme:
        readme_folder = (REPO / readme).resolve()
        readme_folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, readme_folder)

"""Helpers for tests that drive Cellbooks against the emulator (fixtures are in conftest.py)."""

from urllib.parse import parse_qs, urlsplit

import httpx
from django.urls import reverse

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
VERIFIER = "test-verifier-token"
PUBLIC = "http://testserver"


def consent(authorize_url: str, realm_id: str, *, action: str = "connect") -> str:
    """Play the person on the emulator's consent page; return where the browser is sent."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    with httpx.Client() as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        answer = browser.post(
            authorize_url,
            data={
                **query,
                "email": "bookkeeper@example.com",
                "password": "demo",
                "realm_id": realm_id,
                "action": action,
            },
        )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def connect_directly(qbo, company, realm_id: str | None = None):
    """What a completed sign-in leaves behind, without the browser dance: a grant the emulator
    issues for the test app, stored as the callback stores it."""
    from django.utils import timezone

    from cellbooks.quickbooks.models import Connection, IntegrationSettings

    realm_id = realm_id or qbo.realm
    token = qbo.http.post(
        "/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": realm_id}
    ).json()
    name = qbo.emulator.store.company(realm_id)["name"]
    connection, _ = Connection.objects.get_or_create(company=company)
    connection.set_tokens(token)
    connection.status = Connection.Status.CONNECTED
    connection.environment = "emulator"
    connection.realm_id = connection.linked_realm_id = realm_id
    connection.qbo_company_name = name
    connection.connected_at = timezone.now()
    connection.save()
    IntegrationSettings.objects.get_or_create(company=company)
    return connection


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def connect(client, qbo, realm_id: str | None = None):
    """Integrations → Connect → consent → callback, through the Django test client."""
    started = client.post(reverse("quickbooks_connect"))
    assert started.status_code == 302, started.content
    back = consent(started["Location"], realm_id or qbo.realm)
    return client.get(local(back))


def qbo_environment(qbo) -> dict:
    """The environment that points a Cellbooks process started by a test (manage.py, a worker) at
    the test's emulator and app, as ``settings.QBO`` does for the test itself."""
    return {
        "QBO_ENVIRONMENT": "emulator",
        "QBO_EMULATOR_URL": qbo.url,
        "QBO_CLIENT_ID": CLIENT_ID,
        "QBO_CLIENT_SECRET": CLIENT_SECRET,
        "QBO_WEBHOOK_VERIFIER_TOKEN": VERIFIER,
        "CELLBOOKS_PUBLIC_URL": PUBLIC,
        "QBO_RATE_LIMITS": "off",
        "QBO_TIMEOUT": "5",
    }


def request_log(qbo) -> list[dict]:
    """The emulator's request log (it records a request before answering it)."""
    return list(qbo.emulator.request_log)


def token_requests(qbo) -> list[dict]:
    return [e for e in request_log(qbo) if e["method"] == "POST" and "token" in e["path"]]


def account_named(qbo, name: str, realm: str | None = None) -> dict:
    realm = realm or qbo.realm
    return next(a for a in qbo.emulator.store.list_entities(realm, "Account") if a["Name"] == name)


def settings_form(qbo, **overrides) -> dict:
    form = {
        "item_name": "Cellbooks Inventory",
        "income_account_id": account_named(qbo, "Sales of Product Income")["Id"],
        "expense_account_id": account_named(qbo, "Cost of Goods Sold")["Id"],
        "sync_pos_to": "bill",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def run_pending(company=None, *, once: bool = False) -> list:
    """Do what the worker would: process every pending sync request now, in this thread, retries
    included (backoff skipped); ``once`` makes a single pass, leaving retries pending."""
    from cellbooks.quickbooks.models import SyncRequest
    from cellbooks.quickbooks.worker import process_request

    done = []
    for _ in range(1 if once else 20):
        rows = SyncRequest.objects.filter(status=SyncRequest.Status.PENDING)
        if company is not None:
            rows = rows.filter(company=company)
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            return done
        for request_id in ids:
            SyncRequest.objects.filter(pk=request_id).update(next_attempt_at="2000-01-01T00:00:00Z")
            done.append(process_request(request_id))
    return done


def qbo_documents(qbo, entity: str, realm: str | None = None) -> list[dict]:
    return qbo.emulator.store.list_entities(realm or qbo.realm, entity)


def writes(qbo) -> list[dict]:
    return [
        e
        for e in qbo.emulator.request_log
        if e["method"] == "POST" and e["path"].startswith("/v3/")
    ]


class WebhookInbox:
    """A live HTTP receiver for the emulator's webhook deliveries. The test then hands each
    delivery, byte for byte with its headers, to Cellbooks' webhook endpoint."""

    def __init__(self):
        import queue
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.deliveries: queue.Queue = queue.Queue()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.deliveries.put((dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def next(self, timeout: float = 10.0) -> tuple[dict, bytes]:
        return self.deliveries.get(timeout=timeout)

    def drain(self, timeout: float = 0.5) -> list[tuple[dict, bytes]]:
        import queue

        items = []
        while True:
            try:
                items.append(self.deliveries.get(timeout=timeout))
            except queue.Empty:
                return items

    def close(self):
        self.server.shutdown()

"""Webhook delivery: formats, signature, ordering, retries, the disabled switch and the log.

A small http.server in a thread plays the app's webhook receiver; each test scripts how it
answers (status, delay) request by request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from qbo_emulator.core import Emulator
from qbo_emulator.server import run_in_thread
from qbo_emulator.webhooks import build_body, retry_delay, sign

VERIFIER = "verifier-token-123"
REALM_FREE_PORT = "http://127.0.0.1:9/unreachable"


# Generous waits: polling returns as soon as the condition holds, so they only cost time when
# something is wrong, and a busy machine never turns a slow thread into a failure.
DEADLINE = 20.0


def wait_for(condition, timeout: float = DEADLINE):
    """Polls ``condition`` until it returns something truthy (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {condition}")
        time.sleep(0.02)


class Receiver:
    """Records every delivery; answers from ``script`` (status, hold), then 200. ``hold`` is None
    or a ``threading.Event``: the answer waits until the test sets it, so "slower than the
    emulator's timeout" does not depend on how fast this machine is."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, threading.Event | None]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    status, hold = receiver.script.pop(0) if receiver.script else (200, None)
                    receiver.requests.append(
                        {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                    )
                if hold is not None:
                    hold.wait(DEADLINE)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the emulator gave up waiting: that is the point of the test

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def payloads(self) -> list:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(port=0)
    yield running
    running.stop()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def emulator(server):
    em = server.emulator
    em.reset()
    # Retries come quickly (10 s / 1000), and a receiver that answers is never "too slow", even
    # on a busy machine: tests that need a timeout set a short one themselves.
    em.settings.update({"time_scale": 1000.0, "webhook_timeout": DEADLINE})
    return em


def connect(emulator, receiver_url, *, fmt="cloudevents", client_id="hooks-app") -> str:
    """A company with the app connected (webhooks only fire for connected companies)."""
    realm_id = str(emulator.store.create_company(name=f"Hooks {uuid.uuid4().hex[:6]}", plan="plus"))
    emulator.auth.register_app(
        client_id=client_id,
        client_secret="secret",
        redirect_uris=["http://127.0.0.1:9/cb"],
        webhook_url=receiver_url,
        verifier_token=VERIFIER,
        webhook_format=fmt,
    )
    emulator.auth.issue_tokens(client_id, realm_id)
    return realm_id


def at(seconds: int) -> datetime:
    return datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC).replace(second=seconds)


def events_of(payloads: list) -> list:
    """Flattens deliveries to (entity, id, operation) in arrival order, for either format."""
    out = []
    for payload in payloads:
        if isinstance(payload, dict):
            for note in payload["eventNotifications"]:
                out += [
                    (e["name"], e["id"], e["operation"])
                    for e in note["dataChangeEvent"]["entities"]
                ]
        else:
            out += [(e["type"], e["intuitentityid"]) for e in payload]
    return out


# ---------------------------------------------------------------------- signing and formats


def test_signature_matches_intuits_dotnet_sdk_test_vector():
    # intuit/QuickBooks-V3-DotNET-SDK WebhooksServiceTest.cs: payload, signature, and the
    # verifier token from that test project's AppSettings.json. Our legacy body for the same
    # events is byte-identical, so its signature is the same.
    app = {"client_id": "x", "webhook_format": "legacy"}
    events = [
        {"entity": "Vendor", "id": "40", "operation": "Update", "updated_at": "2016-10-05T03:09:04+00:00"},
        {"entity": "Customer", "id": "43", "operation": "Create", "updated_at": "2016-10-05T03:07:04+00:00"},
    ]  # fmt: skip
    body = build_body(app, "1269959970", events)
    assert body == (
        b'{"eventNotifications":[{"realmId":"1269959970","dataChangeEvent":{"entities":['
        b'{"name":"Vendor","id":"40","operation":"Update","lastUpdated":"2016-10-05T03:09:04.000Z"},'
        b'{"name":"Customer","id":"43","operation":"Create","lastUpdated":"2016-10-05T03:07:04.000Z"}]}}]}'
    )
    assert sign("00faeec4-08d0-4996-bb37-698ae19f0149", body) == (
        "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM="
    )


def test_retry_schedule_is_intuits():
    assert [retry_delay(n) for n in range(1, 11)] == [
        10, 20, 30, 300, 1200, 7200, 14400, 21600, 21600, 21600,
    ]  # fmt: skip


def verify(request) -> None:
    expected = base64.b64encode(
        hmac.new(VERIFIER.encode(), request["body"], hashlib.sha256).digest()
    ).decode()
    assert request["headers"]["intuit-signature"] == expected
    assert request["headers"]["Content-Type"] == "application/json"


def test_cloudevents_delivery_has_intuits_fields(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.webhooks.notify(realm_id, "Payment", "17", "Create", at(7))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    [request] = receiver.requests
    verify(request)
    [event] = json.loads(request["body"])
    assert set(event) == {
        "specversion", "id", "source", "type", "datacontenttype", "time",
        "intuitentityid", "intuitaccountid", "data",
    }  # fmt: skip
    assert event["specversion"] == "1.0"
    assert uuid.UUID(event["id"])
    assert re.fullmatch(r"intuit\.[A-Za-z0-9+/]+=*", event["source"])
    assert event["type"] == "qbo.payment.created.v1"
    assert event["datacontenttype"] == "application/json"
    assert event["time"] == "2026-03-04T05:06:07.123456000Z"
    assert event["intuitentityid"] == "17"
    assert event["intuitaccountid"] == realm_id
    assert event["data"] == {}


@pytest.mark.parametrize(
    ("entity", "operation", "event_type"),
    [
        ("Invoice", "Update", "qbo.invoice.updated.v1"),
        ("Invoice", "Delete", "qbo.invoice.deleted.v1"),
        ("Invoice", "Void", "qbo.invoice.voided.v1"),
        ("Customer", "Merge", "qbo.customer.merged.v1"),
        ("PurchaseOrder", "Emailed", "qbo.purchaseorder.emailed.v1"),
    ],
)
def test_cloudevents_types_per_operation(emulator, receiver, entity, operation, event_type):
    realm_id = connect(emulator, receiver.url)
    emulator.webhooks.notify(realm_id, entity, "5", operation, at(1))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert [e["type"] for e in receiver.payloads()[0]] == [event_type]


def test_legacy_delivery_has_intuits_fields(emulator, receiver):
    realm_id = connect(emulator, receiver.url, fmt="legacy")
    emulator.webhooks.notify(realm_id, "Customer", "1", "Create", at(19))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    [request] = receiver.requests
    verify(request)
    assert json.loads(request["body"]) == {
        "eventNotifications": [
            {
                "realmId": realm_id,
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": "Customer",
                            "id": "1",
                            "operation": "Create",
                            "lastUpdated": "2026-03-04T05:06:19.123Z",
                        }
                    ]
                },
            }
        ]
    }


def test_operations_an_entity_does_not_publish_are_not_sent(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.webhooks.notify(realm_id, "Bill", "1", "Void", at(1))  # Bill: Create/Update/Delete
    emulator.webhooks.notify(realm_id, "CompanyInfo", "1", "Update", at(1))  # not a webhook entity
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert receiver.requests == []


def test_store_writes_are_delivered(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    customer = emulator.store.create_entity(realm_id, "Customer", {"DisplayName": "Hook Customer"})
    emulator.store.update_entity(
        realm_id,
        "Customer",
        {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "CompanyName": "Hooked Inc"},
    )
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert events_of(receiver.payloads()) == [
        ("qbo.customer.created.v1", customer["Id"]),
        ("qbo.customer.updated.v1", customer["Id"]),
    ]


# ---------------------------------------------------------------------- who gets what


def test_only_connected_apps_with_a_webhook_url_get_events(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.auth.register_app(
        client_id="no-hooks", client_secret="s", redirect_uris=["http://127.0.0.1:9/cb"]
    )
    emulator.auth.issue_tokens("no-hooks", realm_id)
    other_realm = str(emulator.store.create_company(name="Not connected", plan="plus"))
    emulator.webhooks.notify(other_realm, "Invoice", "1", "Create", at(1))
    emulator.webhooks.notify(realm_id, "Invoice", "2", "Create", at(2))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert events_of(receiver.payloads()) == [("qbo.invoice.created.v1", "2")]
    assert {e["client_id"] for e in emulator.webhooks.log()} == {"hooks-app"}


def test_a_disconnected_app_gets_no_more_events(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.auth.disconnect("hooks-app", realm_id)
    emulator.webhooks.notify(realm_id, "Invoice", "1", "Create", at(1))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert receiver.requests == []


def test_disabled_webhooks_send_nothing_and_log_skipped(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.settings.update({"webhooks_enabled": False})
    emulator.webhooks.notify(realm_id, "Invoice", "1", "Create", at(1))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert emulator.webhooks.pending() == 0  # skipped at once: nothing queued, nothing to send
    assert receiver.requests == []
    [entry] = emulator.webhooks.log()
    assert entry["outcome"] == "skipped"
    assert entry["error"] == "webhooks disabled"
    assert entry["events"] == ["Invoice 1 Create"]


# ---------------------------------------------------------------------- order and retries


def test_events_arrive_in_order_per_realm(emulator, receiver):
    realm_id = connect(emulator, receiver.url, fmt="legacy")
    for n in range(1, 41):
        emulator.webhooks.notify(realm_id, "Invoice", str(n), "Create", at(n % 60))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    assert events_of(receiver.payloads()) == [("Invoice", str(n), "Create") for n in range(1, 41)]
    # Every delivery carries one realm; piled-up events are batched.
    for payload in receiver.payloads():
        assert [note["realmId"] for note in payload["eventNotifications"]] == [realm_id]


def test_a_500_is_retried_with_the_same_body_and_later_events_wait(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    receiver.script = [(500, None)]
    # Whether event 2 joins event 1's delivery or waits behind it depends on thread timing; the
    # assertions below hold either way.
    emulator.webhooks.notify(realm_id, "Invoice", "1", "Create", at(1))
    emulator.webhooks.notify(realm_id, "Invoice", "2", "Create", at(2))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    first, retried, *rest = receiver.requests
    assert retried["body"] == first["body"]
    assert events_of(receiver.payloads())[-1] == ("qbo.invoice.created.v1", "2")
    assert [e[1] for e in events_of(receiver.payloads()[1:])] == ["1", "2"]
    log = emulator.webhooks.log()
    assert (log[0]["attempt"], log[0]["outcome"], log[0]["status"]) == (1, "http_error", 500)
    assert log[0]["error"] == "HTTP 500"
    assert log[0]["next_retry_at"] is not None
    assert (log[1]["attempt"], log[1]["outcome"], log[1]["status"]) == (2, "delivered", 200)
    # The retry waited 10 s / time_scale (1000) = 10 ms at least.
    assert retried["at"] - first["at"] >= 0.01


def test_a_slow_receiver_is_a_failure_and_retried(emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    # Real time scale: the retry waits 10 s on the emulator clock, until the test moves it.
    emulator.settings.update({"time_scale": 1.0, "webhook_timeout": 0.3})
    slow = threading.Event()
    receiver.script = [(200, slow)]  # the first answer comes only after the emulator gave up
    emulator.webhooks.notify(realm_id, "Payment", "9", "Create", at(1))
    [first] = wait_for(emulator.webhooks.log)
    slow.set()
    assert (first["attempt"], first["outcome"], first["status"]) == (1, "timeout", None)
    # The retry must not be judged by the short timeout on a busy machine; then make it due.
    emulator.settings.update({"webhook_timeout": DEADLINE})
    emulator.clock.advance(11)
    assert emulator.webhooks.flush(timeout=DEADLINE)
    log = emulator.webhooks.log()
    assert [(e["attempt"], e["outcome"]) for e in log] == [(1, "timeout"), (2, "delivered")]
    assert len(receiver.requests) == 2
    assert receiver.requests[1]["body"] == receiver.requests[0]["body"]


def test_a_refused_connection_is_retried_on_the_schedule(emulator):
    realm_id = connect(emulator, REALM_FREE_PORT)
    emulator.settings.update({"time_scale": 1.0})
    emulator.webhooks.notify(realm_id, "Invoice", "1", "Create", at(1))
    [entry] = wait_for(emulator.webhooks.log)
    assert (entry["attempt"], entry["outcome"], entry["status"]) == (1, "refused", None)
    # Measured from the attempt's own log time, so a test thread that runs late cannot skew it.
    due = datetime.fromisoformat(entry["next_retry_at"])
    assert 9 <= (due - datetime.fromisoformat(entry["time"])).total_seconds() <= 10
    assert due > emulator.clock.now()  # not retried yet: it waits for the clock
    # Moving the emulator clock makes the retry due.
    emulator.clock.advance(11)
    second = wait_for(lambda: emulator.webhooks.log()[1:])[0]
    assert (second["attempt"], second["outcome"]) == (2, "refused")
    due = datetime.fromisoformat(second["next_retry_at"])
    assert 19 <= (due - datetime.fromisoformat(second["time"])).total_seconds() <= 20
    emulator.webhooks.reset()  # stop retrying


# ---------------------------------------------------------------------- log and persistence


def test_the_delivery_log_is_served_by_the_control_plane(server, emulator, receiver):
    realm_id = connect(emulator, receiver.url)
    emulator.webhooks.notify(realm_id, "Invoice", "3", "Create", at(1))
    assert emulator.webhooks.flush(timeout=DEADLINE)
    body = httpx.get(f"{server.url}/_emulator/webhooks", params={"realm_id": realm_id}).json()
    assert body["pending"] == 0
    [entry] = body["deliveries"]
    assert entry["client_id"] == "hooks-app"
    assert entry["realm_id"] == realm_id
    assert entry["attempt"] == 1
    assert entry["outcome"] == "delivered"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert entry["url"] == receiver.url
    assert entry["format"] == "cloudevents"
    assert entry["body"] == receiver.requests[0]["body"].decode()
    assert entry["signature"] == receiver.requests[0]["headers"]["intuit-signature"]


def test_undelivered_events_survive_a_restart(tmp_path, receiver):
    first = Emulator(data_dir=tmp_path / "first")
    first.settings.update({"time_scale": 1000.0})
    realm_id = str(first.store.create_company(name="Persist Co", plan="plus"))
    first.auth.register_app(
        client_id="p", client_secret="s", redirect_uris=["http://x/cb"],
        webhook_url=REALM_FREE_PORT, verifier_token=VERIFIER,
    )  # fmt: skip
    first.auth.issue_tokens("p", realm_id)
    first.webhooks.notify(realm_id, "Invoice", "1", "Create", at(1))
    first.webhooks.notify(realm_id, "Invoice", "2", "Create", at(2))
    wait_for(first.webhooks.log)  # the first attempt has failed: nobody listens
    snapshot = tmp_path / "second"
    # Under the emulator lock, so the background flusher cannot rewrite a file (or leave a
    # temporary one behind) while the directory is copied.
    with first.lock:
        first.save()
        shutil.copytree(tmp_path / "first", snapshot)
    first.webhooks.reset()  # stop its retries

    # The app's receiver comes back up at a new address; the queue resumes in order.
    data = json.loads((snapshot / "oauth.json").read_text())
    data["apps"]["p"]["webhook_url"] = receiver.url
    (snapshot / "oauth.json").write_text(json.dumps(data))
    second = Emulator(data_dir=snapshot)
    second.clock.advance(60)  # past the first retry delay
    assert second.webhooks.flush(timeout=DEADLINE)
    assert [e[1] for e in events_of(receiver.payloads())] == ["1", "2"]
    assert second.webhooks.log()[0]["outcome"] == "refused"
    assert second.webhooks.log()[-1]["outcome"] == "delivered"

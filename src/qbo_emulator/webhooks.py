"""Webhook delivery imitating Intuit's (docs/intuit-api.md §6).

Every committed write reaches ``notify``. For each app connected to that company with a webhook
URL, the event joins the queue of that (app, realm) pair. One worker thread per queue sends the
queued events in order, several per delivery when they pile up (up to 100, as Intuit batches),
signed with ``intuit-signature`` = base64(HMAC-SHA256(verifier token, raw body)), in the app's
format (legacy ``eventNotifications`` or a CloudEvents array).

A delivery succeeds when the receiver answers HTTP 200 within ``settings.webhook_timeout``.
Otherwise the same body is sent again after 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h and
then every 6 h (Intuit's schedule, divided by ``settings.time_scale`` and measured on the
emulator clock, so ``POST /_emulator/clock`` also makes retries due). Later events wait behind a
failing one: Intuit's queue is ordered and "you may not receive subsequent events until you
acknowledge the first".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import httpx

RETRY_SCHEDULE = [10, 20, 30, 300, 1200, 7200, 14400, 21600]  # seconds; then every 21600
MAX_EVENTS_PER_DELIVERY = 100
LOG_LIMIT = 2000
POLL_SECONDS = 0.02  # how often a waiting worker looks at the (movable) emulator clock

_ALL_TXN_OPS = {"Create", "Update", "Delete", "Void", "Emailed"}
_NAME_LIST_OPS = {"Create", "Update", "Delete", "Merge"}
# Intuit's table of webhook entities and operations (docs/intuit-api.md §6.3). Entities that
# section does not list (BillPayment, JournalEntry, Term, Department, PaymentMethod) follow
# Intuit's webhooks page as we understand it: marked uncertain in docs/emulator.md.
WEBHOOK_ENTITIES: dict[str, set[str]] = {
    "Payment": _ALL_TXN_OPS,
    "Invoice": _ALL_TXN_OPS,
    "CreditMemo": _ALL_TXN_OPS,
    "RefundReceipt": _ALL_TXN_OPS,
    "SalesReceipt": _ALL_TXN_OPS,
    "Estimate": _ALL_TXN_OPS,
    "Bill": {"Create", "Update", "Delete"},
    "VendorCredit": {"Create", "Update", "Delete"},
    "JournalEntry": {"Create", "Update", "Delete"},
    "BillPayment": {"Create", "Update", "Delete", "Void"},
    "PurchaseOrder": {"Create", "Update", "Delete", "Emailed"},
    "Customer": _NAME_LIST_OPS,
    "Vendor": _NAME_LIST_OPS,
    "Item": _NAME_LIST_OPS,
    "Account": _NAME_LIST_OPS,
    "Employee": _NAME_LIST_OPS,
    "Class": _NAME_LIST_OPS,
    "Department": _NAME_LIST_OPS,
    "PaymentMethod": _NAME_LIST_OPS,
    "Term": {"Create", "Update", "Delete"},
    "Preferences": {"Update"},
    # Further entities of Intuit's webhooks page (docs/emulator.md, [U]).
    "Deposit": {"Create", "Update", "Delete"},
    "Transfer": {"Create", "Update", "Delete"},
    "Purchase": {"Create", "Update", "Delete"},
    "TimeActivity": {"Create", "Update", "Delete"},
    "TaxAgency": {"Create", "Update"},
}
_OPERATIONS = {op.lower(): op for op in _ALL_TXN_OPS | _NAME_LIST_OPS}
# CloudEvents verbs. "voided"/"emailed"/"deleted" are what most clients expect
# (docs/intuit-api.md §11 [U]).
_CLOUDEVENT_VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}


def sign(verifier_token: str | None, body: bytes) -> str:
    digest = hmac.new((verifier_token or "").encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def legacy_time(moment: datetime) -> str:
    # The .NET SDK's sample shape, "2016-10-05T03:09:04.000Z" (the docs' "-0700" form is the
    # same instant in local time).
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def cloudevent_time(moment: datetime) -> str:
    # The blog's sample carries nanoseconds: "2025-09-10T21:31:25.179851517Z".
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond * 1000:09d}Z"


def legacy_payload(realm_id: str, events: list[dict]) -> dict:
    return {
        "eventNotifications": [
            {
                "realmId": realm_id,
                "dataChangeEvent": {
                    "entities": [
                        {
                            "name": e["entity"],
                            "id": e["id"],
                            "operation": e["operation"],
                            "lastUpdated": legacy_time(_as_datetime(e["updated_at"])),
                        }
                        for e in events
                    ]
                },
            }
        ]
    }


def cloudevents_source(client_id: str) -> str:
    # Intuit's source looks like "intuit.<base64 of an opaque app hash>"; derive one per app.
    digest = hashlib.sha256(f"qbo-emulator:{client_id}".encode()).digest()
    return "intuit." + base64.b64encode(digest).decode("ascii")


def cloudevents_payload(client_id: str, realm_id: str, events: list[dict]) -> list[dict]:
    return [
        {
            "specversion": "1.0",
            "id": e["event_id"],
            "source": cloudevents_source(client_id),
            "type": f"qbo.{e['entity'].lower()}.{_CLOUDEVENT_VERBS[e['operation']]}.v1",
            "datacontenttype": "application/json",
            "time": cloudevent_time(_as_datetime(e["updated_at"])),
            "intuitentityid": e["id"],
            "intuitaccountid": realm_id,
            "data": {},
        }
        for e in events
    ]


def build_body(app: dict, realm_id: str, events: list[dict]) -> bytes:
    if app.get("webhook_format") == "legacy":
        payload = legacy_payload(realm_id, events)
    else:
        payload = cloudevents_payload(app["client_id"], realm_id, events)
    return json.dumps(payload, separators=(",", ":")).encode()


def retry_delay(attempt: int) -> float:
    """Seconds (unscaled) to wait after failed attempt number ``attempt`` (1-based)."""
    return RETRY_SCHEDULE[min(attempt, len(RETRY_SCHEDULE)) - 1]


class _Queue:
    """Events for one (app, realm), sent in order by one worker thread."""

    def __init__(self, client_id: str, realm_id: str):
        self.client_id = client_id
        self.realm_id = realm_id
        self.pending: deque[dict] = deque()
        # The delivery being attempted: its body is fixed once built, so retries are identical.
        self.inflight: dict | None = None
        self.worker: threading.Thread | None = None

    def busy(self) -> bool:
        return bool(self.pending) or self.inflight is not None

    def to_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "realm_id": self.realm_id,
            "pending": list(self.pending),
            "inflight": self.inflight,
        }


class WebhookDispatcher:
    def __init__(self, emulator):
        self.emulator = emulator
        self._cond = threading.Condition()
        self._generation = 0  # bumped by reset(): workers of an older generation stop
        self._queues: dict[tuple[str, str], _Queue] = {}
        self._log: list[dict] = []
        self._next_log_id = 1

    # ------------------------------------------------------------------ intake

    def notify(self, realm_id, entity_name, entity_id, operation, updated_at) -> None:
        """Called by the store after every committed write; never blocks on delivery."""
        op = _OPERATIONS.get(str(operation).lower())
        if op is None or op not in WEBHOOK_ENTITIES.get(entity_name, ()):
            return
        realm_id = str(realm_id)
        event = {
            "event_id": str(uuid.uuid4()),
            "entity": entity_name,
            "id": str(entity_id),
            "operation": op,
            "updated_at": _as_datetime(updated_at or self.emulator.clock.now()).isoformat(),
        }
        # Webhooks only fire for companies connected through OAuth (docs/intuit-api.md §6.3).
        apps = [a for a in self.emulator.auth.connections(realm_id) if a.get("webhook_url")]
        with self._cond:
            for app in apps:
                if not self.emulator.settings.webhooks_enabled:
                    body = build_body(app, realm_id, [event])
                    self._record(
                        app, realm_id, 0, "skipped", body, [event], error="webhooks disabled"
                    )
                    continue
                key = (app["client_id"], realm_id)
                queue = self._queues.setdefault(key, _Queue(*key))
                queue.pending.append(event)
                self._ensure_worker(queue)
            self._cond.notify_all()

    def _ensure_worker(self, queue: _Queue) -> None:
        if queue.worker is None or not queue.worker.is_alive():
            queue.worker = threading.Thread(
                target=self._run,
                args=(queue, self._generation),
                name=f"webhooks-{queue.client_id}-{queue.realm_id}",
                daemon=True,
            )
            queue.worker.start()

    # ------------------------------------------------------------------ worker

    def _run(self, queue: _Queue, generation: int) -> None:
        while True:
            with self._cond:
                if generation != self._generation:
                    return
                if queue.inflight is None:
                    if not queue.pending:
                        queue.worker = None
                        self._cond.notify_all()
                        return
                    app = self.emulator.auth.get_app(queue.client_id)
                    events = [
                        queue.pending.popleft()
                        for _ in range(min(MAX_EVENTS_PER_DELIVERY, len(queue.pending)))
                    ]
                    if not app or not app.get("webhook_url"):
                        continue  # the app was removed or lost its URL: nothing to send to
                    queue.inflight = {
                        "body": build_body(app, queue.realm_id, events).decode(),
                        "events": events,
                        "attempt": 0,
                        "due": None,
                    }
                inflight = queue.inflight
                due = inflight["due"]
            if due is not None and not self._wait_until(due, generation):
                return
            self._attempt(queue, inflight, generation)

    def _wait_until(self, due: float, generation: int) -> bool:
        while self.emulator.clock.now().timestamp() < due:
            with self._cond:
                if generation != self._generation:
                    return False
                self._cond.wait(POLL_SECONDS)
        return True

    def _attempt(self, queue: _Queue, inflight: dict, generation: int) -> None:
        settings = self.emulator.settings
        app = self.emulator.auth.get_app(queue.client_id)
        body = inflight["body"].encode()
        if not app or not app.get("webhook_url") or not settings.webhooks_enabled:
            reason = "webhooks disabled" if app else "app removed"
            with self._cond:
                if generation == self._generation:
                    self._record(
                        app or {"client_id": queue.client_id},
                        queue.realm_id,
                        inflight["attempt"] + 1,
                        "skipped",
                        body,
                        inflight["events"],
                        error=reason,
                    )
                    queue.inflight = None
            return
        attempt = inflight["attempt"] + 1
        status, outcome, error, duration = self._post(app, body, settings.webhook_timeout)
        with self._cond:
            if generation != self._generation:
                return
            inflight["attempt"] = attempt
            next_at = None
            if outcome == "delivered":
                queue.inflight = None
            else:
                delay = retry_delay(attempt) / max(settings.time_scale, 1e-9)
                next_at = self.emulator.clock.now().timestamp() + delay
                inflight["due"] = next_at
            self._record(
                app,
                queue.realm_id,
                attempt,
                outcome,
                body,
                inflight["events"],
                status=status,
                error=error,
                duration=duration,
                next_at=next_at,
            )
            self._cond.notify_all()

    def _post(self, app: dict, body: bytes, timeout: float):
        headers = {
            "Content-Type": "application/json",
            "intuit-signature": sign(app.get("verifier_token"), body),
            "User-Agent": "qbo-emulator-webhooks/1",
        }
        with httpx.Client(timeout=httpx.Timeout(timeout)) as client:
            # The receiver's time starts with the request: building the client (its TLS context
            # alone takes tens of milliseconds, far more on a busy machine) is ours, not theirs.
            started = time.monotonic()
            try:
                response = client.post(app["webhook_url"], content=body, headers=headers)
            except httpx.TimeoutException as exc:
                return None, "timeout", str(exc) or "timed out", time.monotonic() - started
            except httpx.ConnectError as exc:
                return None, "refused", str(exc), time.monotonic() - started
            except httpx.HTTPError as exc:
                return None, "error", str(exc), time.monotonic() - started
            duration = time.monotonic() - started
        if duration > timeout:
            return response.status_code, "timeout", f"answered after {duration:.2f}s", duration
        if response.status_code != 200:
            return response.status_code, "http_error", f"HTTP {response.status_code}", duration
        return 200, "delivered", None, duration

    # ------------------------------------------------------------------ log

    def _record(
        self,
        app,
        realm_id,
        attempt,
        outcome,
        body,
        events,
        *,
        status=None,
        error=None,
        duration=None,
        next_at=None,
    ) -> None:
        def iso(ts):
            return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None

        self._log.append(
            {
                "id": self._next_log_id,
                "time": self.emulator.clock.now().isoformat(),
                "client_id": app.get("client_id"),
                "realm_id": realm_id,
                "url": app.get("webhook_url"),
                "format": app.get("webhook_format"),
                "attempt": attempt,
                "outcome": outcome,
                "status": status,
                "error": error,
                "duration_ms": round(duration * 1000, 1) if duration is not None else None,
                "events": [f"{e['entity']} {e['id']} {e['operation']}" for e in events],
                "next_retry_at": iso(next_at),
                "body": body.decode() if isinstance(body, bytes) else body,
                "signature": sign(app.get("verifier_token"), body)
                if outcome != "skipped"
                else None,
            }
        )
        self._next_log_id += 1
        del self._log[:-LOG_LIMIT]

    def log(self, *, realm_id: str | None = None, client_id: str | None = None) -> list[dict]:
        with self._cond:
            return [
                dict(entry)
                for entry in self._log
                if (realm_id is None or entry["realm_id"] == str(realm_id))
                and (client_id is None or entry["client_id"] == client_id)
            ]

    def pending(self) -> int:
        with self._cond:
            return sum(len(q.pending) + (q.inflight is not None) for q in self._queues.values())

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until every queue is empty (tests and tools); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while any(q.busy() for q in self._queues.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, POLL_SECONDS))
        return True

    # ------------------------------------------------------------------ persistence

    def reset(self) -> None:
        with self._cond:
            self._generation += 1
            self._queues.clear()
            self._log.clear()
            self._next_log_id = 1
            self._cond.notify_all()

    def save(self, data_dir) -> None:
        with self._cond:
            # Serialised under the lock: the log and the in-flight deliveries are live objects a
            # worker changes as it records an attempt.
            text = json.dumps(
                {
                    "next_log_id": self._next_log_id,
                    "log": self._log,
                    "queues": [q.to_json() for q in self._queues.values() if q.busy()],
                }
            )
        path = Path(data_dir) / "webhooks.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)

    def load(self, data_dir) -> None:
        path = Path(data_dir) / "webhooks.json"
        if not path.exists():
            return
        data = json.loads(path.read_text())
        with self._cond:
            self._log = data.get("log", [])
            self._next_log_id = data.get("next_log_id", len(self._log) + 1)
            # Undelivered events survive a restart and resume in order.
            for spec in data.get("queues", []):
                queue = _Queue(spec["client_id"], spec["realm_id"])
                queue.pending.extend(spec.get("pending", []))
                queue.inflight = spec.get("inflight")
                self._queues[(queue.client_id, queue.realm_id)] = queue
                self._ensure_worker(queue)

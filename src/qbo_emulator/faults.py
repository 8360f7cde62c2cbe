"""Fault injection (``POST /_emulator/faults``) and the request log.

A rule matches a request by method, path regex, entity (the URL segment after the realm) and
realm, fires with a probability and/or a limited number of times, and does one of:

- ``http_500`` / ``http_503``: a SystemFault answer, nothing written;
- ``throttle``: the 429 XML answer (code 3001), nothing written;
- ``unauthorized``: the gateway 401 body (code 3200), nothing written;
- ``delay``: sleep ``delay_seconds`` (real seconds, not scaled: it is meant to outlast the
  client's timeout), then handle the request normally — the write happens;
- ``reset_before``: drop the TCP connection (RST) without handling the request;
- ``reset_after``: handle the request (the write is committed and its requestid remembered),
  then drop the connection instead of answering — the classic duplicate maker.

Dropping the connection uses the transport of uvicorn's request cycle, reached through the
bound ``receive`` callable; SO_LINGER 0 makes the close an RST, which clients see as a
connection error (httpx: ``RemoteProtocolError``/``ReadError``; requests: ``ConnectionError``).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import socket
import struct
import threading
import time
from urllib.parse import parse_qs

from . import errors
from .jsonutil import dumps

KINDS = ("http_500", "http_503", "throttle", "unauthorized", "delay", "reset_before", "reset_after")
LOG_LIMIT = 10_000


class FaultRule:
    def __init__(self, rule_id: int, spec: dict):
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        self.id = rule_id
        self.kind = kind
        self.method = (spec.get("method") or "*").upper()
        self.path = spec.get("path") or ""
        self.path_re = re.compile(self.path) if self.path else None
        self.entity = (spec.get("entity") or "").lower() or None
        self.realm = str(spec["realm"]) if spec.get("realm") else None
        self.probability = float(spec.get("probability", 1.0))
        count = spec.get("count")
        self.remaining = int(count) if count is not None else None
        self.delay_seconds = float(spec.get("delay_seconds", 10.0))
        self.status = int(spec.get("status", 500 if kind == "http_500" else 503))
        self.hits = 0

    def matches(self, method: str, path: str, entity: str | None, realm: str | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method not in ("*", method):
            return False
        if self.path_re and not self.path_re.search(path):
            return False
        if self.entity and self.entity != (entity or ""):
            return False
        return not (self.realm and self.realm != realm)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "entity": self.entity,
            "realm": self.realm,
            "probability": self.probability,
            "remaining": self.remaining,
            "delay_seconds": self.delay_seconds,
            "hits": self.hits,
        }


class FaultInjector:
    def __init__(self, emulator):
        self.emulator = emulator
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.random = random.Random()

    def add(self, spec: dict) -> dict:
        rule = FaultRule(next(self._ids), spec)
        with self._lock:
            self.rules.append(rule)
        return rule.as_dict()

    def list(self) -> list[dict]:
        with self._lock:
            return [r.as_dict() for r in self.rules]

    def remove(self, rule_id: int | None = None) -> None:
        with self._lock:
            self.rules = [r for r in self.rules if rule_id is not None and r.id != rule_id]

    def reset(self) -> None:
        self.remove()

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires (by probability); its count is consumed."""
        if not path.startswith("/v3/"):
            return None
        parts = path.split("/")
        realm = parts[3] if len(parts) > 3 else None
        entity = parts[4].lower() if len(parts) > 4 else None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, path, entity, realm):
                    continue
                if rule.probability < 1.0 and self.random.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None


# --- the ASGI wrapper ------------------------------------------------------------------------


async def serve_with_faults(emulator, app, scope, receive, send) -> None:
    """Run one HTTP request through the fault rules and record it in the request log."""
    path = scope.get("path", "")
    method = scope.get("method", "GET")
    started = time.perf_counter()
    state = {"status": None}

    async def recording_send(message):
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
        await send(message)

    rule = emulator.faults.pick(method, path)
    fault = rule.kind if rule else None
    try:
        if rule is None:
            await app(scope, receive, recording_send)
        elif rule.kind == "delay":
            # Read the request first: a client that gives up meanwhile must not stop the write.
            replay = await buffered(receive)
            await asyncio.sleep(rule.delay_seconds)
            await app(scope, replay, recording_send)
        elif rule.kind == "reset_before":
            await drop_connection(receive, send)
        elif rule.kind == "reset_after":

            async def swallow(message):
                if message["type"] == "http.response.start":
                    state["status"] = message["status"]

            await app(scope, receive, swallow)
            await drop_connection(receive, send)
            state["status"] = None
        else:
            await send_fault(emulator, rule, path, recording_send)
    finally:
        if not path.startswith("/_emulator"):
            log_request(emulator, scope, state["status"], time.perf_counter() - started, fault)


async def buffered(receive):
    """Read the whole request body now and return a ``receive`` that hands it over later."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    delivered = False

    async def replay():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replay


async def send_fault(emulator, rule: FaultRule, path: str, send) -> None:
    parts = path.split("/")
    realm = parts[3] if len(parts) > 3 else ""
    if rule.kind == "throttle":
        body = errors.throttle_xml(emulator.store.time(realm)).encode()
        status, media = 429, b"application/xml"
    elif rule.kind == "unauthorized":
        now_ms = int(emulator.clock.now().timestamp() * 1000)
        body = dumps(errors.gateway_401_body("Token expired", now_ms)).encode()
        status, media = 401, b"application/json;charset=UTF-8"
    else:
        error = errors.system_error(
            "System Failure Error: An unexpected error occurred while accessing or saving your data. "
            "Please wait a few minutes and try again. If the problem persists, contact customer support."
        )
        status = rule.status
        body = dumps({"Fault": error.fault(), "time": emulator.store.time(realm)}).encode()
        media = b"application/json;charset=UTF-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def drop_connection(receive, send) -> None:
    """Close the client's TCP connection with an RST and no response."""
    cycle = getattr(receive, "__self__", None) or getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        # Not uvicorn: the best we can do is an exception, which most servers turn into a
        # dropped connection once the response has not started.
        raise ConnectionAbortedError("fault injection: connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()
    # Let uvicorn notice the lost connection before the app returns, so it does not try to
    # write a 500 on a closed transport.
    for _ in range(3):
        await asyncio.sleep(0)


def log_request(emulator, scope, status, duration: float, fault: str | None) -> None:
    path = scope.get("path", "")
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    parts = path.split("/")
    entry = {
        "method": scope.get("method"),
        "path": path,
        "query": scope.get("query_string", b"").decode("latin-1"),
        "status": status,
        "realm": parts[3] if len(parts) > 3 and parts[1] == "v3" else None,
        "requestid": (query.get("requestid") or [None])[0],
        "duration_ms": round(duration * 1000, 3),
        "time": emulator.clock.now().isoformat(),
        "fault": fault,
    }
    log = emulator.request_log
    log.append(entry)
    if len(log) > LOG_LIMIT:
        del log[: len(log) - LOG_LIMIT]

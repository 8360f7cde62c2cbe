"""The ASGI layer outside Starlette: every HTTP request goes through the fault rules
(``faults.py``) and into the request log (``emulator.request_log``, ``GET /_emulator/requests``).

It sits outside Starlette because some faults act on the connection itself. Dropping it uses the
transport of uvicorn's request cycle, reached through the bound ``receive`` callable; SO_LINGER 0
makes the close an RST, which clients see as a connection error (httpx:
``RemoteProtocolError``/``ReadError``; requests: ``ConnectionError``).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from urllib.parse import parse_qs

from . import errors
from .faults import FaultRule
from .jsonutil import dumps

LOG_LIMIT = 10_000  # request log entries kept


async def serve_with_faults(emulator, app, scope, receive, send) -> None:
    """Run one HTTP request through the fault rules and record it in the request log.

    The entry is written before the client can see the outcome (before the response starts, or
    before the connection is dropped), so a client that has its answer finds it in the log."""
    path = scope.get("path", "")
    method = scope.get("method", "GET")
    started = time.perf_counter()
    state = {"status": None, "logged": False}
    rule = emulator.faults.pick(method, path)
    fault = rule.kind if rule else None

    def record(status) -> None:
        if not state["logged"] and not path.startswith("/_emulator"):
            state["logged"] = True
            log_request(emulator, scope, status, time.perf_counter() - started, fault)

    async def recording_send(message):
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            record(message["status"])
        await send(message)

    try:
        if rule is None:
            await app(scope, receive, recording_send)
        elif rule.kind == "delay":
            # Read the request first: a client that gives up meanwhile must not stop the write.
            replay = await buffered(receive)
            await asyncio.sleep(rule.delay_seconds)
            await app(scope, replay, recording_send)
        elif rule.kind == "reset_before":
            record(None)
            await drop_connection(receive, send)
        elif rule.kind == "reset_after":

            async def swallow(message):
                if message["type"] == "http.response.start":
                    state["status"] = message["status"]

            await app(scope, receive, swallow)
            record(None)
            await drop_connection(receive, send)
        else:
            await send_fault(emulator, rule, path, recording_send)
    finally:
        record(state["status"])


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

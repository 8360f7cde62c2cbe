"""Fault injection rules (``POST /_emulator/faults``): which request a rule hits and what it
does. ``middleware.py`` applies them to the HTTP traffic.

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
"""

from __future__ import annotations

import itertools
import random
import re
import threading

KINDS = ("http_500", "http_503", "throttle", "unauthorized", "delay", "reset_before", "reset_after")


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

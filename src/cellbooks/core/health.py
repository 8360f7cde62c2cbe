"""``GET /healthz``: is this node able to work? For load balancers, monitoring and systemd.

Checks, each cheap (one small query or one queue call): the database answers, the background
queue answers (Redis or Huey's SQLite file), and what the installed integrations add (QuickBooks:
the age of the oldest connection's last payment sweep, which only advances while a scheduler runs).
Answers JSON, 200 when every check passes and 503 otherwise; no login, nothing about any company.
``?checks=database,queue`` limits the checks (a load balancer in front of web nodes should not take
them all out of service because the scheduler stopped).
"""

from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY

from .integrations import HealthCheck, registry


def _timed(check) -> HealthCheck:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a failing dependency is an answer, never a 500
        result = HealthCheck(False, {"error": type(exc).__name__})
    result.facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> HealthCheck:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HealthCheck(True, {"vendor": connection.vendor})


def _queue() -> HealthCheck:
    return HealthCheck(True, {"backend": type(HUEY).__name__, "pending": HUEY.pending_count()})


@never_cache
@require_GET
def healthz(request):
    wanted = {name.strip() for name in request.GET.get("checks", "").split(",") if name.strip()}
    checks = {"database": _database, "queue": _queue}
    results = {
        name: _timed(check) for name, check in checks.items() if not wanted or name in wanted
    }
    if not wanted or wanted - set(checks):
        try:
            extra = registry.health_checks()
        except Exception as exc:
            extra = {"integrations": HealthCheck(False, {"error": type(exc).__name__})}
        results.update(
            (name, check) for name, check in extra.items() if not wanted or name in wanted
        )
    unknown = sorted(wanted - set(results))
    healthy = all(check.ok for check in results.values()) and not unknown
    body = {
        "status": "ok" if healthy else "failing",
        "checks": {name: check.as_dict() for name, check in results.items()},
    }
    if unknown:
        body["unknown_checks"] = unknown
    return JsonResponse(body, status=200 if healthy else 503)

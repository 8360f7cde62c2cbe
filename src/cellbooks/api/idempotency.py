"""``Idempotency-Key`` on every POST, with Stripe's semantics.

A client that is not sure its POST arrived (a timeout, a dropped connection) sends it again with
the same key and gets the first answer instead of a second document:

- same key, same request (method, path and JSON body, whatever its spacing or key order) within
  24 hours → the stored answer, status and body, with ``Idempotent-Replayed: true``;
- same key, another request → 409, saying so; nothing is done;
- two identical requests at the same moment → one runs; the other waits for it and gets its answer.

The key is recorded in the same transaction as everything the request writes, so a request that
failed with a server error (or a crash) leaves no key behind and can be retried. Keys belong to a
company, and are forgotten after 24 hours (``prune``, hourly on the worker).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .auth import authenticated_key
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_LENGTH = 255
KEPT = timedelta(hours=24)
# Printable ASCII, no surrounding spaces: what survives every HTTP client and proxy unchanged.
PATTERN = r"^[!-~](?:[ -~]*[!-~])?$"
_VALID = re.compile(PATTERN)

HEADER_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Send the same key again to retry this POST safely: within 24 hours the same "
    "request gets the first answer back (with `Idempotent-Replayed: true`), never a second "
    "document; the same key with another request answers 409. A UUID is a good key.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": PATTERN},
    "example": "3f9c2a4e-7b1d-4c55-9a0e-2d6f1b8c9e01",
}


def _error(status: int, msg: str, type_: str) -> JsonResponse:
    return JsonResponse(
        {"detail": [{"loc": ["header", HEADER], "msg": msg, "type": type_}]}, status=status
    )


def fingerprint(request: HttpRequest) -> str:
    """The request as a retry would repeat it: method, path, query and the body's content (JSON
    compared by value, so spacing and key order do not matter)."""
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        content = canonical.encode()
    except (ValueError, RecursionError):
        content = body
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.path.encode(),
        request.META.get("QUERY_STRING", "").encode(),
    ):
        digest.update(part + b"\n")
    digest.update(content)
    return digest.hexdigest()


def _replay(stored: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(stored.body), status=stored.status_code, content_type=stored.content_type or None
    )
    response[REPLAYED] = "true"
    return response


def idempotent(run):
    """Wrap one API operation's ``run`` (ninja's view-mode decorator): POSTs with the header get
    the semantics above; everything else passes through."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return run(request, *args, **kwargs)
        api_key = authenticated_key(request)
        if api_key is None:
            return run(request, *args, **kwargs)  # answers 401
        if len(key) > MAX_LENGTH or not _VALID.match(key):
            return _error(
                422,
                f"An {HEADER} is 1 to {MAX_LENGTH} printable ASCII characters "
                "(letters, digits, punctuation), e.g. a UUID.",
                "invalid",
            )
        company, wanted = api_key.company, fingerprint(request)
        with transaction.atomic():
            IdempotentRequest.objects.filter(
                company=company, key=key, created_at__lt=timezone.now() - KEPT
            ).delete()
            existing = IdempotentRequest.objects.filter(company=company, key=key).first()
            if existing is None:
                response = run(request, *args, **kwargs)
                if response.streaming:
                    return response
                if response.status_code >= 500:
                    transaction.set_rollback(True)  # nothing of a failed request is kept
                    return response
                try:
                    with transaction.atomic():
                        IdempotentRequest.objects.create(
                            company=company,
                            key=key,
                            method=request.method,
                            path=request.path[:500],
                            fingerprint=wanted,
                            status_code=response.status_code,
                            content_type=response.get("Content-Type", "")[:100],
                            body=response.content,
                        )
                    return response
                except IntegrityError:
                    # A concurrent request with this key committed first (a database that lets
                    # both run at once): undo this one's work and answer as the retry it is.
                    transaction.set_rollback(True)
                    existing = None
        if existing is None:
            existing = IdempotentRequest.objects.get(company=company, key=key)
        if existing.fingerprint != wanted:
            return _error(
                409,
                f"This {HEADER} was used in the last 24 hours for another request "
                f"({existing.method} {existing.path} with a different body): send a new key "
                "with a new request.",
                "idempotency_conflict",
            )
        return _replay(existing)

    return wrapper


def prune(*, now=None) -> int:
    """Forget keys older than 24 hours; returns how many."""
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=now - KEPT).delete()
    return deleted

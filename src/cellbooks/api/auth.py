"""API key authentication and permissions: ``Authorization: Bearer <key>``, one company per key,
and what the key may do decided by its role and the operation's entry in
``cellbooks.core.permissions.API_OPERATIONS`` (by operation id).

Every operation goes through ``with_operation_id`` (``api.add_decorator`` in ``api.py``), which
tells the authentication which operation is being run; an operation the table does not know is
refused, so a new operation cannot escape the check. Wrong keys count against the caller's
address (django-axes): past the limit the address gets 429 for a while.
"""

from datetime import timedelta
from functools import wraps

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from cellbooks.accounts import audit, throttling
from cellbooks.accounts.models import ApiKey, Company
from cellbooks.core import permissions

# Recording every request's use of a key would turn each read into a write; once a minute is
# enough to tell a live key from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiForbidden(Exception):
    """The key is good but its role may not run this operation (403)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ApiThrottled(Exception):
    """Too many wrong keys from this address (429)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def with_operation_id(run):
    """Wraps an operation's ``run`` (ninja's "view" decorator mode) to note its operation id on
    the request before authentication runs."""
    operation = run.__self__

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        request.cellbooks_operation_id = operation.operation_id or (
            operation.api.get_openapi_operation_id(operation)
        )
        return run(request, *args, **kwargs)

    return wrapper


class ApiKeyAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        if not throttling.api_key_allowed(request):
            raise ApiThrottled(throttling.lockout_message(api=True))
        key = super().__call__(request)
        if not key and request.headers.get("Authorization"):
            throttling.api_key_failed(request)
        return key

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        """The active key whose hash matches (None: ninja answers 401), if its role may run the
        operation (otherwise ``ApiForbidden``: 403 with a sentence)."""
        token = token.strip()
        if not token:
            return None
        key = (
            ApiKey.objects.active()
            .select_related("company")
            .filter(key_hash=ApiKey.hash_key(token))
            .first()
        )
        if key is None:
            return None
        _touch(key)
        operation_id = getattr(request, "cellbooks_operation_id", "")
        capability = permissions.api_capability(operation_id)
        if capability is None:
            raise ApiForbidden(
                f"The operation '{operation_id}' has no entry in Cellbooks' table of "
                "permissions, so it is refused."
            )
        if not permissions.role_can(key.role, capability):
            what = permissions.CAPABILITIES.get(capability, "do this")
            raise ApiForbidden(
                f"This API key's role ({permissions.role_label(key.role)}) cannot {what}. "
                "An owner can create a key with another role."
            )
        audit.set_actor(audit.Actor.for_api_key(key))  # reset by ActorMiddleware after the request
        return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so concurrent requests with the same key write at most once a minute.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    key.last_used_at = now


def company_of(request: HttpRequest) -> Company:
    """The company the request's API key acts for; every query starts from it."""
    return request.auth.company


def authenticated_key(request: HttpRequest) -> ApiKey | None:
    """The active key the request's ``Authorization: Bearer`` names, or None — a plain look-up
    for what wraps an operation (Idempotency-Key): no throttling count, no permission check, no
    audit; the operation's own authentication does all of those."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return (
        ApiKey.objects.active()
        .select_related("company")
        .filter(key_hash=ApiKey.hash_key(token))
        .first()
    )


def requested_by(request: HttpRequest) -> dict:
    """Who asked, for records that say so (e.g. a sync request): the API key, and its user when
    the key belongs to one."""
    key = request.auth
    return {"user": getattr(key, "user", None), "api_key": key}

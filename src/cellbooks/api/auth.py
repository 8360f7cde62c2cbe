"""API key authentication: ``Authorization: Bearer <key>``, one company per key."""

from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from cellbooks.accounts.models import ApiKey, Company

# Recording every request's use of a key would turn each read into a write; once a minute is
# enough to tell a live key from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        """Return the active key whose hash matches, or None (ninja answers 401)."""
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

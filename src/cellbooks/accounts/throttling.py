"""Login throttling with django-axes: failed sign-ins are counted per account and per address;
wrong API keys are counted per address. Past ``AXES_FAILURE_LIMIT`` the account or address is
locked for ``AXES_COOLOFF_TIME``; ``manage.py unlock`` lifts a lock at once.

The settings (``AXES_*`` in settings.py) name the three functions below.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from .forms import EmailAuthenticationForm

# The "username" under which wrong API keys are counted (their address is what locks).
API_KEY_USERNAME = "(API key)"
API_KEY_CREDENTIALS = {"username": API_KEY_USERNAME, "api_key": True}


def lockout_parameters(request_or_attempt, credentials=None) -> list:
    """Sign-ins lock the account and, separately, the address; API keys lock the address."""
    if credentials and credentials.get("api_key"):
        return ["ip_address"]
    return ["username", "ip_address"]


def username_of(request, credentials=None) -> str:
    """Accounts are e-mail addresses, whatever their case or surrounding spaces."""
    if credentials and credentials.get("username") is not None:
        return str(credentials["username"]).strip().lower()
    return str(request.POST.get("username", "")).strip().lower()


def lockout_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message(*, api: bool = False) -> str:
    minutes = lockout_minutes()
    if api:
        return (
            f"Too many requests with a wrong API key from your address: it is blocked for "
            f"{minutes} minutes. Check the key, then try again later."
        )
    return (
        f"Too many failed attempts to log in: this account, or your address, is locked for "
        f"{minutes} minutes. Try again later, reset your password, or ask the person who runs "
        "Cellbooks to unlock it."
    )


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out attempt gets: 429 with the reason, as JSON for the API and as the login
    page (with the message instead of the form's errors) for people."""
    if request.path.startswith("/api/") or (credentials and credentials.get("api_key")):
        return JsonResponse({"detail": lockout_message(api=True)}, status=429)
    form = EmailAuthenticationForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": lockout_message()},
        status=429,
    )


def api_key_allowed(request) -> bool:
    """False while the request's address is locked for wrong API keys (or failed sign-ins)."""
    return AxesProxyHandler.is_allowed(request, API_KEY_CREDENTIALS)


def api_key_failed(request) -> None:
    """Count a wrong API key against the request's address."""
    AxesProxyHandler.user_login_failed(
        sender=api_key_failed, credentials=API_KEY_CREDENTIALS, request=request
    )


def unlock_account(username: str) -> int:
    """Forget the failed sign-ins of an account (its lock, if any, is lifted)."""
    return reset(username=username.strip().lower())

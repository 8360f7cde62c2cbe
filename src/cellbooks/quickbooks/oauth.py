"""Intuit's OAuth 2.0, through Authlib's httpx client and Intuit's discovery document.

This module only speaks OAuth; storing tokens and serializing refreshes is tokens.py's job.
"""

from __future__ import annotations

import threading
import time
import warnings

import authlib.deprecate  # noqa: F401 (see below)
import httpx
from authlib.integrations.base_client.errors import OAuthError

# Authlib 1.9 prefers the httpx2 fork and warns on every import when it falls back to httpx (which
# works as before); its own module installs an "always" filter, so ours must come after it.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")

from authlib.integrations.httpx_client import OAuth2Client  # noqa: E402

from .config import SCOPES, QBOConfig  # noqa: E402
from .errors import AuthorizationLostError, RetryableError  # noqa: E402
from .transport import tls_context  # noqa: E402

_DISCOVERY_TTL = 3600
_discovery_cache: dict[str, tuple[float, dict]] = {}
_discovery_lock = threading.Lock()


def discovery(config: QBOConfig) -> dict:
    """Intuit's discovery document (endpoints), cached for an hour."""
    with _discovery_lock:
        cached = _discovery_cache.get(config.discovery_url)
        if cached and time.monotonic() - cached[0] < _DISCOVERY_TTL:
            return cached[1]
    try:
        response = httpx.get(
            config.discovery_url,
            timeout=config.timeout,
            headers={"Accept": "application/json"},
            verify=tls_context(),
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise RetryableError(
            f"Could not reach QuickBooks' sign-in service ({exc.__class__.__name__})."
        ) from exc
    document = response.json()
    with _discovery_lock:
        _discovery_cache[config.discovery_url] = (time.monotonic(), document)
    return document


def _client(config: QBOConfig) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=" ".join(SCOPES),
        redirect_uri=config.redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
        timeout=config.timeout,
        verify=tls_context(),
    )


def authorization_url(config: QBOConfig, *, state: str) -> str:
    with _client(config) as client:
        url, _ = client.create_authorization_url(
            discovery(config)["authorization_endpoint"], state=state
        )
    return url


def _token_call(config: QBOConfig, **kwargs) -> dict:
    """Call the token endpoint; invalid_grant means the grant is gone for good."""
    endpoint = discovery(config)["token_endpoint"]
    try:
        with _client(config) as client:
            if "refresh_token" in kwargs:
                token = client.refresh_token(endpoint, refresh_token=kwargs["refresh_token"])
            else:
                token = client.fetch_token(
                    endpoint, grant_type="authorization_code", code=kwargs["code"]
                )
    except OAuthError as exc:
        if exc.error in {"invalid_grant", "invalid_client", "unauthorized_client"}:
            raise AuthorizationLostError(
                f"QuickBooks refused the sign-in ({exc.error}).",
                code=exc.error,
                detail=exc.description or "",
            ) from None
        raise RetryableError(
            f"QuickBooks' sign-in service answered {exc.error}.",
            code=exc.error,
            detail=exc.description or "",
        ) from None
    except httpx.HTTPError as exc:
        raise RetryableError(
            f"Could not reach QuickBooks' sign-in service ({exc.__class__.__name__})."
        ) from exc
    return dict(token)


def exchange_code(config: QBOConfig, *, code: str) -> dict:
    return _token_call(config, code=code)


def refresh(config: QBOConfig, *, refresh_token: str) -> dict:
    return _token_call(config, refresh_token=refresh_token)


def revoke(config: QBOConfig, *, token: str) -> None:
    """Revoke the whole grant at Intuit (a refresh token revokes both tokens)."""
    endpoint = discovery(config)["revocation_endpoint"]
    try:
        response = httpx.post(
            endpoint,
            json={"token": token},
            auth=(config.client_id, config.client_secret),
            headers={"Accept": "application/json"},
            timeout=config.timeout,
            verify=tls_context(),
        )
    except httpx.HTTPError as exc:
        raise RetryableError(
            f"Could not reach QuickBooks to revoke access ({exc.__class__.__name__})."
        ) from exc
    # 400 means the token was already invalid: the grant is gone either way.
    if response.status_code not in (200, 400):
        raise RetryableError(f"QuickBooks answered {response.status_code} when revoking access.")

"""The OAuth 2.0 / OpenID Connect endpoints, on Intuit's paths (docs/intuit-api.md §7):
discovery, authorize (the consent page), token, revoke, userinfo and JWKS. The state behind them
(apps, codes, grants, tokens, the signing key) is ``emulator.auth`` (``auth/state.py``); the
consent page's HTML is ``ui/consent.py``.

Answers are Intuit's: bare ``{"error": "..."}`` bodies, an ``intuit_tid`` header and
``Cache-Control: no-store`` on every one.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..auth.state import (
    AUTHORIZE_PATH,
    COMPANY_SCOPES,
    DEMO_USER,
    ISSUER_PATH,
    JWKS_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    AuthError,
    AuthorizeError,
    OAuthError,
)
from ..ui import consent


def _json(body: dict, status: int = 200, **headers) -> JSONResponse:
    # Intuit tags every OAuth answer with an intuit_tid; tokens must never be cached.
    base = {"intuit_tid": uuid.uuid4().hex, "Cache-Control": "no-store", "Pragma": "no-cache"}
    return JSONResponse(body, status_code=status, headers={**base, **headers})


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return _json({"error": exc.error}, exc.status)


def discovery(emulator) -> dict:
    base = emulator.base_url
    return {
        "issuer": base + ISSUER_PATH,
        "authorization_endpoint": base + AUTHORIZE_PATH,
        "token_endpoint": base + TOKEN_PATH,
        "userinfo_endpoint": base + USERINFO_PATH,
        "revocation_endpoint": base + REVOKE_PATH,
        "jwks_uri": base + JWKS_PATH,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _redirect_with(uri: str, params: dict) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def routes(emulator) -> list[Route]:
    auth = emulator.auth

    async def discovery_doc(request: Request) -> Response:
        return _json(discovery(emulator))

    async def jwks(request: Request) -> Response:
        return _json(auth.jwks())

    async def authorize(request: Request) -> Response:
        params = request.query_params if request.method == "GET" else await request.form()
        try:
            app, scopes = auth.validate_authorize(params)
        except AuthorizeError as exc:
            return HTMLResponse(consent.error_page(str(exc)), status_code=400)
        except OAuthError as exc:
            return _redirect_with(
                params["redirect_uri"], {"error": exc.error, "state": params.get("state")}
            )
        needs_company = bool(COMPANY_SCOPES & set(scopes))
        companies = emulator.store.companies() if needs_company else []
        if request.method == "GET":
            return HTMLResponse(consent.consent_page(app, params, companies))
        if params.get("action") == "cancel":
            return _redirect_with(
                params["redirect_uri"], {"error": "access_denied", "state": params["state"]}
            )
        email, password = params.get("email", ""), params.get("password", "")
        if email.strip().lower() != DEMO_USER["email"] or password != DEMO_USER["password"]:
            page = consent.consent_page(
                app, params, companies, error="Incorrect email or password."
            )
            return HTMLResponse(page, status_code=401)
        realm_id = params.get("realm_id") or None
        if needs_company and realm_id not in {consent.realm_of(c) for c in companies}:
            page = consent.consent_page(
                app, params, companies, error="Choose a company to connect."
            )
            return HTMLResponse(page, status_code=400)
        code = auth.create_code(
            client_id=app["client_id"],
            redirect_uri=params["redirect_uri"],
            scope=" ".join(scopes),
            realm_id=realm_id if needs_company else None,
        )
        return _redirect_with(
            params["redirect_uri"],
            {
                "code": code,
                "state": params["state"],
                "realmId": realm_id if needs_company else None,
            },
        )

    async def token(request: Request) -> Response:
        form = await request.form()
        creds = _basic_credentials(request) or (form.get("client_id"), form.get("client_secret"))
        hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
        try:
            app = auth.check_client(*creds)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                body = auth.exchange_code(
                    app["client_id"], form.get("code"), form.get("redirect_uri"), hard_expiry=hard
                )
            elif grant_type == "refresh_token":
                body = auth.refresh(app["client_id"], form.get("refresh_token"), hard_expiry=hard)
            elif not grant_type:
                raise OAuthError("invalid_request")
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return _oauth_error(exc)
        emulator.schedule_save()
        return _json(body)

    async def revoke(request: Request) -> Response:
        # intuitlib sends JSON, the Java SDK a form: accept both.
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                payload = json.loads(await request.body() or b"{}")
            except ValueError:
                payload = {}
            payload = payload if isinstance(payload, dict) else {}
        else:
            payload = dict(await request.form())
        creds = _basic_credentials(request) or (
            payload.get("client_id"),
            payload.get("client_secret"),
        )
        try:
            app = auth.check_client(*creds)
            if not payload.get("token"):
                raise OAuthError("invalid_request")
        except OAuthError as exc:
            return _oauth_error(exc)
        auth.revoke(app["client_id"], payload["token"])
        emulator.schedule_save()
        return _json({"statuscode": "200"})

    async def userinfo(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        try:
            info = auth.userinfo(token)
        except AuthError:
            return _json(
                {"error": "invalid_token"},
                401,
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return _json(info)

    return [
        Route("/.well-known/openid_sandbox_configuration/", discovery_doc),
        Route("/.well-known/openid_sandbox_configuration", discovery_doc),
        Route("/.well-known/openid_configuration/", discovery_doc),
        Route("/.well-known/openid_configuration", discovery_doc),
        Route(JWKS_PATH, jwks),
        Route(AUTHORIZE_PATH, authorize, methods=["GET", "POST"]),
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(REVOKE_PATH, revoke, methods=["POST"]),
        Route(USERINFO_PATH, userinfo, methods=["GET", "POST"]),
    ]

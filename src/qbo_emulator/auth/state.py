"""The state of the OAuth 2.0 / OpenID Connect server imitating Intuit's (docs/intuit-api.md §7);
its HTTP endpoints are in ``routes/oauth.py``.

State: registered apps, authorization codes, grants (one per consent: app + realm + scopes), and
the access and refresh tokens of each grant. Tokens are opaque random strings; the id_token is an
RS256 JWT whose public key is served at the jwks endpoint.

Choices where Intuit's behaviour is uncertain (also in docs/emulator.md):
  - Like Intuit, a refresh answers the *same* refresh token value (with a new access token) while
    that value is younger than ``settings.refresh_token_keep`` (24 h); an older one is rotated.
    With ``settings.strict_rotation`` every refresh rotates. Once rotated, the previous refresh
    token keeps working for ``settings.refresh_token_grace`` seconds and answers the *same* new
    pair (so two workers racing on one refresh both end up with the same tokens); after that it
    answers ``invalid_grant``.
  - Authorization codes live 5 minutes and are single-use. Reusing a code answers
    ``invalid_grant`` and revokes the tokens that code produced (RFC 6749 §4.1.2; what Intuit staff
    describe in intuit/oauth-jsclient#173).
  - Revoking any token of a grant (access or refresh) revokes the whole grant; unknown tokens
    still answer 200 (RFC 7009).
  - Error bodies are Intuit's bare ``{"error": "invalid_grant"}`` (content-length 25 in
    intuit/oauth-jsclient#128), ``{"error": "invalid_client"}`` with 401, and so on.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from .. import demo
from .signer import Signer

AUTH_CODE_LIFETIME = 300  # seconds
HARD_EXPIRY = 5 * 365 * 24 * 3600  # the 2025 policy: a refresh token lives at most 5 years
ID_TOKEN_LIFETIME = 3600

ACCOUNTING = "com.intuit.quickbooks.accounting"
PAYMENT = "com.intuit.quickbooks.payment"
# Scopes that need a company: only these put realmId on the redirect (docs/intuit-api.md §7.2).
COMPANY_SCOPES = {ACCOUNTING, PAYMENT}
KNOWN_SCOPES = COMPANY_SCOPES | {
    "openid",
    "profile",
    "email",
    "phone",
    "address",
    "intuit_name",
    "com.intuit.quickbooks.payroll",
    "com.intuit.quickbooks.payroll.timetracking",
    "com.intuit.quickbooks.payroll.benefits",
    "com.intuit.quickbooks.payroll.payslip.read",
}
DEFAULT_SCOPE = f"{ACCOUNTING} openid profile email phone address"

# Paths mirror Intuit's hosts' paths (discovery.json in the .NET SDK tests).
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
ISSUER_PATH = "/op/v1"
JWKS_PATH = "/op/v1/jwks"

WEBHOOK_FORMATS = ("legacy", "cloudevents")

DEMO_USER = {
    "email": demo.DEMO_USER_EMAIL,
    "password": demo.DEMO_USER_PASSWORD,
    "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"qbo-emulator:user:{demo.DEMO_USER_EMAIL}")),
    "givenName": "Demo",
    "familyName": "Bookkeeper",
    "phoneNumber": "+1 5555550100",
}


class AuthError(Exception):
    """A bearer token the API must refuse (routes/v3.py answers the gateway-style 401)."""


class OAuthError(Exception):
    """An error the token/revoke endpoints answer as ``{"error": code}``."""

    def __init__(self, error: str, status: int = 400):
        super().__init__(error)
        self.error = error
        self.status = status


class AuthorizeError(Exception):
    """A bad authorize request that cannot be sent back to the app (unknown client or
    redirect_uri): shown to the user as an error page, like Intuit's."""


@dataclass(frozen=True)
class Grant:
    id: str
    client_id: str
    realm_id: str | None
    scope: str
    sub: str


def _token(prefix: str, nbytes: int = 48) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


class AuthServer:
    def __init__(self, emulator):
        self.emulator = emulator
        # Own lock, never held while calling the store: the store may call webhooks, which call
        # connections() here, while the emulator lock is held.
        self._lock = threading.RLock()
        self._signer: Signer | None = None  # generated on first use: key generation is slow
        self.reset()

    # ------------------------------------------------------------------ state

    @property
    def signer(self) -> Signer:
        with self._lock:
            if self._signer is None:
                self._signer = Signer()
            return self._signer

    def reset(self) -> None:
        with self._lock:
            self.apps: dict[str, dict] = {}
            self.codes: dict[str, dict] = {}
            self.grants: dict[str, dict] = {}
            self.access_tokens: dict[str, dict] = {}
            self.refresh_tokens: dict[str, dict] = {}

    def _path(self, data_dir) -> Path:
        return Path(data_dir) / "oauth.json"

    def save(self, data_dir) -> None:
        with self._lock:
            data = {
                "signing_key": self._signer.pem() if self._signer else None,
                "apps": self.apps,
                "codes": self.codes,
                "grants": self.grants,
                "access_tokens": self.access_tokens,
                "refresh_tokens": self.refresh_tokens,
            }
            path = self._path(data_dir)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(path)

    def load(self, data_dir) -> None:
        path = self._path(data_dir)
        if not path.exists():
            return
        data = json.loads(path.read_text())
        with self._lock:
            pem = data.get("signing_key")
            self._signer = Signer(pem) if pem else None
            self.apps = data.get("apps", {})
            self.codes = data.get("codes", {})
            self.grants = data.get("grants", {})
            self.access_tokens = data.get("access_tokens", {})
            self.refresh_tokens = data.get("refresh_tokens", {})

    def _now(self) -> float:
        return self.emulator.clock.now().timestamp()

    # ------------------------------------------------------------------ apps

    def register_app(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        webhook_url: str | None = None,
        verifier_token: str | None = None,
        webhook_format: str = "cloudevents",
        disconnect_url: str | None = None,
        name: str | None = None,
    ) -> dict:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        if isinstance(redirect_uris, str):
            redirect_uris = [redirect_uris]
        if webhook_format not in WEBHOOK_FORMATS:
            raise ValueError(f"webhook_format must be one of {', '.join(WEBHOOK_FORMATS)}")
        app = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": list(redirect_uris or []),
            "webhook_url": webhook_url or None,
            "verifier_token": verifier_token or None,
            "webhook_format": webhook_format,
            "disconnect_url": disconnect_url or None,
            "name": name or client_id,
        }
        with self._lock:
            self.apps[client_id] = app
        return dict(app)

    def get_app(self, client_id: str) -> dict | None:
        with self._lock:
            app = self.apps.get(client_id)
            return dict(app) if app else None

    def check_client(self, client_id: str | None, client_secret: str | None) -> dict:
        app = self.get_app(client_id or "")
        if not app or not secrets.compare_digest(app["client_secret"], client_secret or ""):
            raise OAuthError("invalid_client", 401)
        return app

    # ------------------------------------------------------------------ authorize

    def validate_authorize(self, params) -> tuple[dict, list[str]]:
        """Checks an authorize request. Raises AuthorizeError when the app cannot be told (unknown
        client_id or redirect_uri), or OAuthError for errors sent back on the redirect."""
        app = self.get_app(params.get("client_id") or "")
        if not app:
            raise AuthorizeError("Invalid client_id: this app is not registered with the emulator.")
        if params.get("redirect_uri") not in app["redirect_uris"]:
            raise AuthorizeError(
                "The redirect_uri does not match any of the app's registered redirect URIs."
            )
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type")
        scopes = (params.get("scope") or "").split()
        if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
            raise OAuthError("invalid_scope")
        if not params.get("state"):
            raise OAuthError("invalid_request")
        return app, scopes

    def create_code(
        self, *, client_id: str, redirect_uri: str, scope: str, realm_id: str | None
    ) -> str:
        code = _token("AB11", 36)
        with self._lock:
            self.codes[code] = {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": scope,
                "realm_id": realm_id,
                "sub": DEMO_USER["sub"],
                "expires_at": self._now() + AUTH_CODE_LIFETIME,
                "used": False,
                "grant_id": None,
            }
        return code

    # ------------------------------------------------------------------ tokens

    def exchange_code(self, client_id: str, code: str, redirect_uri: str, **opts) -> dict:
        with self._lock:
            record = self.codes.get(code or "")
            if not record or record["client_id"] != client_id:
                raise OAuthError("invalid_grant")
            if record["used"]:
                # A replayed code may be stolen: revoke what it produced.
                if record["grant_id"]:
                    self._revoke_grant(record["grant_id"])
                raise OAuthError("invalid_grant")
            if record["redirect_uri"] != redirect_uri or self._now() > record["expires_at"]:
                raise OAuthError("invalid_grant")
            record["used"] = True
            grant_id = self._new_grant(
                client_id, record["realm_id"], record["scope"], record["sub"]
            )
            record["grant_id"] = grant_id
            return self._issue(grant_id, with_id_token=True, **opts)

    def refresh(self, client_id: str, refresh_token: str, **opts) -> dict:
        with self._lock:
            now = self._now()
            record = self.refresh_tokens.get(refresh_token or "")
            grant = record and self.grants.get(record["grant_id"])
            if not record or not grant or grant["client_id"] != client_id:
                raise OAuthError("invalid_grant")
            if grant["revoked_at"] or now > record["expires_at"] or now > grant["hard_expires_at"]:
                raise OAuthError("invalid_grant")
            settings = self.emulator.settings
            if record["rotated_at"] is not None:
                if now <= record["rotated_at"] + settings.refresh_token_grace:
                    return dict(record["successor"])
                raise OAuthError("invalid_grant")
            if not settings.strict_rotation and now < record.get("issued_at", 0) + (
                settings.refresh_token_keep
            ):
                # Like Intuit: the refresh token's value stays the same for about a day; only a
                # new access token is issued.
                return self._issue(
                    record["grant_id"], with_id_token=False, keep_refresh=refresh_token, **opts
                )
            response = self._issue(record["grant_id"], with_id_token=False, **opts)
            record["rotated_at"] = now
            record["successor"] = response
            return response

    def issue_tokens(self, client_id: str, realm_id: str, scope: str = DEFAULT_SCOPE) -> dict:
        """What the token endpoint answers for a fresh consent, without the browser dance."""
        if not self.get_app(client_id):
            raise KeyError(f"unknown client_id {client_id!r}")
        with self._lock:
            grant_id = self._new_grant(client_id, str(realm_id), scope, DEMO_USER["sub"])
            return self._issue(grant_id, with_id_token=True)

    def _new_grant(self, client_id: str, realm_id: str | None, scope: str, sub: str) -> str:
        now = self._now()
        grant_id = uuid.uuid4().hex
        self.grants[grant_id] = {
            "client_id": client_id,
            "realm_id": realm_id,
            "scope": scope,
            "sub": sub,
            "created_at": now,
            "hard_expires_at": now + HARD_EXPIRY,
            "revoked_at": None,
        }
        return grant_id

    def _issue(
        self,
        grant_id: str,
        *,
        with_id_token: bool,
        hard_expiry: bool = False,
        keep_refresh: str | None = None,
    ) -> dict:
        settings = self.emulator.settings
        grant = self.grants[grant_id]
        now = self._now()
        access_token = _token("eyJ", 96)  # opaque; Intuit's look like JWE, hence the prefix
        self.access_tokens[access_token] = {
            "grant_id": grant_id,
            "expires_at": now + settings.access_token_lifetime,
        }
        if keep_refresh is not None:
            # The same refresh token, with what is left of its life.
            refresh_token = keep_refresh
            refresh_expires = self.refresh_tokens[keep_refresh]["expires_at"]
        else:
            # Rolling lifetime: each new refresh token lives the full lifetime, capped by the
            # grant's hard expiry.
            refresh_token = _token("RT1-", 36)
            refresh_expires = min(now + settings.refresh_token_lifetime, grant["hard_expires_at"])
            self.refresh_tokens[refresh_token] = {
                "grant_id": grant_id,
                "expires_at": refresh_expires,
                "issued_at": now,
                "rotated_at": None,
                "successor": None,
            }
        response = {
            "token_type": "bearer",
            "expires_in": int(settings.access_token_lifetime),
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": round(refresh_expires - now),
            "access_token": access_token,
        }
        if hard_expiry:
            response["x_refresh_token_hard_expires_in"] = round(grant["hard_expires_at"] - now)
        if with_id_token and "openid" in grant["scope"].split():
            response["id_token"] = self._id_token(grant, now)
        return response

    def _id_token(self, grant: dict, now: float) -> str:
        claims = {
            "sub": grant["sub"],
            "aud": [grant["client_id"]],  # a list, as Intuit sends and intuitlib reads it
            "auth_time": int(grant["created_at"]),
            "iss": self.emulator.base_url + ISSUER_PATH,
            "exp": int(now) + ID_TOKEN_LIFETIME,
            "iat": int(now),
        }
        if grant["realm_id"]:
            claims["realmid"] = grant["realm_id"]
        return self.signer.sign(claims)

    def jwks(self) -> dict:
        return self.signer.jwks()

    # ------------------------------------------------------------------ revoke / use

    def revoke(self, client_id: str, token: str) -> None:
        with self._lock:
            record = self.refresh_tokens.get(token) or self.access_tokens.get(token)
            if not record:
                return  # RFC 7009: unknown tokens answer 200 too
            grant = self.grants.get(record["grant_id"])
            if grant and grant["client_id"] == client_id:
                self._revoke_grant(record["grant_id"])

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self.grants.get(grant_id)
        if grant and not grant["revoked_at"]:
            grant["revoked_at"] = self._now()

    def _live_grant_for_access_token(self, token: str) -> dict:
        if not token:
            raise AuthError("missing access token")
        with self._lock:
            record = self.access_tokens.get(token)
            if not record:
                raise AuthError("unknown access token")
            if self._now() > record["expires_at"]:
                raise AuthError("access token expired")
            grant = self.grants.get(record["grant_id"])
            if not grant or grant["revoked_at"]:
                raise AuthError("access token revoked")
            return {**grant, "id": record["grant_id"]}

    def authenticate(self, bearer_token: str | None, realm_id: str) -> Grant:
        token = (bearer_token or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        grant = self._live_grant_for_access_token(token)
        if grant["realm_id"] is None or str(grant["realm_id"]) != str(realm_id):
            raise AuthError("access token is for another company")
        return Grant(
            grant["id"], grant["client_id"], grant["realm_id"], grant["scope"], grant["sub"]
        )

    def userinfo(self, access_token: str) -> dict:
        grant = self._live_grant_for_access_token(access_token)
        scopes = set(grant["scope"].split())
        if "openid" not in scopes:
            raise AuthError("the token has no openid scope")
        info: dict = {"sub": grant["sub"]}
        if "email" in scopes:
            info.update(email=DEMO_USER["email"], emailVerified=True)
        if "profile" in scopes:
            info.update(givenName=DEMO_USER["givenName"], familyName=DEMO_USER["familyName"])
        if "phone" in scopes:
            info.update(phoneNumber=DEMO_USER["phoneNumber"], phoneNumberVerified=False)
        if "address" in scopes:
            info["address"] = {
                "streetAddress": "1 Demo Way",
                "locality": "Mountain View",
                "region": "CA",
                "postalCode": "94043",
                "country": "US",
            }
        return info

    # ------------------------------------------------------------------ connections

    def connections(self, realm_id: str) -> list[dict]:
        """Apps with at least one live grant for this company, oldest connection first."""
        now = self._now()
        with self._lock:
            first_seen: dict[str, float] = {}
            for grant in self.grants.values():
                live = not grant["revoked_at"] and now <= grant["hard_expires_at"]
                if (
                    live
                    and grant["realm_id"] is not None
                    and str(grant["realm_id"]) == str(realm_id)
                ):
                    cid = grant["client_id"]
                    first_seen[cid] = min(
                        first_seen.get(cid, grant["created_at"]), grant["created_at"]
                    )
            result = []
            for cid, since in sorted(first_seen.items(), key=lambda item: item[1]):
                app = self.apps.get(cid)
                if app:
                    result.append({**app, "connected_at": since})
            return result

    def disconnect(self, client_id: str, realm_id: str) -> dict | None:
        """Revokes every grant of this app for this company (the Apps page's Disconnect);
        returns the app so the caller can send the browser to its disconnect URL."""
        with self._lock:
            for grant_id, grant in self.grants.items():
                if grant["client_id"] == client_id and str(grant["realm_id"]) == str(realm_id):
                    self._revoke_grant(grant_id)
            return self.get_app(client_id)

"""The OAuth 2.0 / OpenID Connect server over HTTP, against the emulator running in a thread."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from qbo_emulator import demo
from qbo_emulator.core import Emulator
from qbo_emulator.server import run_in_thread

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
REDIRECT_URI = "http://127.0.0.1:9/callback"
DISCONNECT_URL = "http://127.0.0.1:9/disconnected"
SCOPE = "com.intuit.quickbooks.accounting openid profile email phone address"

TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(port=0)
    yield running
    running.stop()


@pytest.fixture
def qbo(server):
    """A fresh emulator state with one app and one company; an httpx client on the server."""
    server.emulator.reset()
    server.emulator.auth.register_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI],
        disconnect_url=DISCONNECT_URL,
    )
    realm_id = server.emulator.store.create_company(name="OAuth Test Co", plan="plus")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.realm_id = str(realm_id)
        client.emulator = server.emulator
        yield client


def authorize_params(**overrides) -> dict:
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def consent(client, realm_id, action="connect", **overrides) -> httpx.Response:
    """The form the consent page posts (what a browser sends after GET /connect/oauth2)."""
    form = {
        **authorize_params(**overrides),
        "email": demo.DEMO_USER_EMAIL,
        "password": demo.DEMO_USER_PASSWORD,
        "realm_id": realm_id,
        "action": action,
    }
    return client.post("/connect/oauth2", data=form)


def redirect_query(response: httpx.Response) -> dict:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def get_code(client) -> str:
    return redirect_query(consent(client, client.realm_id))["code"]


def exchange(client, code, *, basic=True, redirect_uri=REDIRECT_URI, secret=CLIENT_SECRET):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if basic:
        return client.post(TOKEN_PATH, data=data, auth=(CLIENT_ID, secret))
    return client.post(TOKEN_PATH, data={**data, "client_id": CLIENT_ID, "client_secret": secret})


def refresh(client, refresh_token, *, basic=True) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if basic:
        return client.post(TOKEN_PATH, data=data, auth=(CLIENT_ID, CLIENT_SECRET))
    return client.post(
        TOKEN_PATH, data={**data, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )


def company_info(client, access_token) -> httpx.Response:
    realm = client.realm_id
    return client.get(
        f"/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )


def advance(client, seconds) -> None:
    client.emulator.clock.advance(seconds)


# ---------------------------------------------------------------------- discovery


@pytest.mark.parametrize(
    "path",
    ["/.well-known/openid_sandbox_configuration/", "/.well-known/openid_configuration/"],
)
def test_discovery_documents_give_absolute_urls_on_the_emulator(qbo, path):
    doc = qbo.get(path).json()
    base = qbo.emulator.base_url
    assert base.startswith("http://127.0.0.1:")
    assert doc["issuer"] == f"{base}/op/v1"
    assert doc["authorization_endpoint"] == f"{base}/connect/oauth2"
    assert doc["token_endpoint"] == f"{base}{TOKEN_PATH}"
    assert doc["revocation_endpoint"] == f"{base}{REVOKE_PATH}"
    assert doc["userinfo_endpoint"] == f"{base}{USERINFO_PATH}"
    assert doc["jwks_uri"] == f"{base}/op/v1/jwks"
    assert doc["token_endpoint_auth_methods_supported"] == [
        "client_secret_post",
        "client_secret_basic",
    ]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


# ---------------------------------------------------------------------- the whole dance


def test_the_whole_authorization_code_dance(qbo):
    # The consent page: sign-in prefilled, the company offered, Connect and Cancel.
    page = qbo.get("/connect/oauth2", params=authorize_params())
    assert page.status_code == 200
    assert f'value="{demo.DEMO_USER_EMAIL}"' in page.text
    assert f'<option value="{qbo.realm_id}"' in page.text
    assert 'id="connect"' in page.text and 'id="cancel"' in page.text

    query = redirect_query(consent(qbo, qbo.realm_id))
    assert set(query) == {"code", "state", "realmId"}
    assert query["state"] == "state-123"
    assert query["realmId"] == qbo.realm_id

    # Code exchange with HTTP Basic client authentication.
    response = exchange(qbo, query["code"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert set(tokens) == {
        "token_type",
        "expires_in",
        "refresh_token",
        "x_refresh_token_expires_in",
        "access_token",
        "id_token",
    }
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] == qbo.emulator.settings.refresh_token_lifetime
    assert company_info(qbo, tokens["access_token"]).status_code == 200

    # With strict rotation on (the default keeps the value for a day, see below), refresh
    # (client credentials in the body this time) rotates both tokens.
    qbo.emulator.settings.strict_rotation = True
    first = refresh(qbo, tokens["refresh_token"], basic=False)
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert "id_token" not in rotated
    assert company_info(qbo, rotated["access_token"]).status_code == 200

    # Within the grace period the previous refresh token answers the same new pair...
    advance(qbo, qbo.emulator.settings.refresh_token_grace - 5)
    again = refresh(qbo, tokens["refresh_token"])
    assert again.status_code == 200
    assert again.json() == rotated

    # ...and after it, invalid_grant; the newest refresh token still works.
    advance(qbo, 10)
    late = refresh(qbo, tokens["refresh_token"])
    assert late.status_code == 400
    assert late.json() == {"error": "invalid_grant"}
    newest = refresh(qbo, rotated["refresh_token"]).json()

    # Revoke (JSON body, as intuitlib sends it) revokes the whole grant.
    revoke = qbo.post(
        REVOKE_PATH, json={"token": newest["refresh_token"]}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert revoke.status_code == 200
    assert revoke.json() == {"statuscode": "200"}
    assert company_info(qbo, newest["access_token"]).status_code == 401
    after = refresh(qbo, newest["refresh_token"])
    assert after.status_code == 400
    assert after.json() == {"error": "invalid_grant"}


def test_by_default_the_refresh_token_keeps_its_value_for_a_day_like_intuits(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    assert qbo.emulator.settings.strict_rotation is False
    # Two refreshes from the same stored token within the hour both work...
    advance(qbo, 600)
    first = refresh(qbo, tokens["refresh_token"]).json()
    advance(qbo, 1800)
    second = refresh(qbo, tokens["refresh_token"]).json()
    # ...and answer the same refresh token, with what is left of its 100 days, and new access
    # tokens that both work.
    assert first["refresh_token"] == second["refresh_token"] == tokens["refresh_token"]
    lifetime = qbo.emulator.settings.refresh_token_lifetime
    assert (first["x_refresh_token_expires_in"], second["x_refresh_token_expires_in"]) == (
        lifetime - 600,
        lifetime - 2400,
    )
    assert len({tokens["access_token"], first["access_token"], second["access_token"]}) == 3
    assert company_info(qbo, first["access_token"]).status_code == 200
    assert company_info(qbo, second["access_token"]).status_code == 200

    # A day after it was issued, a refresh rotates it: a new value with a fresh 100 days.
    advance(qbo, qbo.emulator.settings.refresh_token_keep)
    rotated = refresh(qbo, tokens["refresh_token"]).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["x_refresh_token_expires_in"] == lifetime
    # The old value then follows the rotation rules: the same pair within the grace, then
    # invalid_grant.
    assert refresh(qbo, tokens["refresh_token"]).json() == rotated
    advance(qbo, qbo.emulator.settings.refresh_token_grace + 1)
    late = refresh(qbo, tokens["refresh_token"])
    assert (late.status_code, late.json()) == (400, {"error": "invalid_grant"})
    assert (
        refresh(qbo, rotated["refresh_token"]).json()["refresh_token"] == rotated["refresh_token"]
    )


def test_the_keep_window_and_strict_rotation_are_settings(qbo):
    response = qbo.put("/_emulator/settings", json={"refresh_token_keep": 60})
    assert response.json()["refresh_token_keep"] == 60
    tokens = exchange(qbo, get_code(qbo)).json()
    advance(qbo, 61)
    assert refresh(qbo, tokens["refresh_token"]).json()["refresh_token"] != tokens["refresh_token"]
    qbo.put("/_emulator/settings", json={"strict_rotation": True})
    fresh = exchange(qbo, get_code(qbo)).json()
    assert refresh(qbo, fresh["refresh_token"]).json()["refresh_token"] != fresh["refresh_token"]


def test_code_exchange_accepts_client_credentials_in_the_body(qbo):
    response = exchange(qbo, get_code(qbo), basic=False)
    assert response.status_code == 200
    assert company_info(qbo, response.json()["access_token"]).status_code == 200


def test_access_tokens_expire_after_the_configured_lifetime(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    advance(qbo, qbo.emulator.settings.access_token_lifetime + 1)
    assert company_info(qbo, tokens["access_token"]).status_code == 401
    # The refresh token outlives it.
    fresh = refresh(qbo, tokens["refresh_token"]).json()
    assert company_info(qbo, fresh["access_token"]).status_code == 200


def test_a_token_for_one_company_is_refused_for_another(qbo):
    other = str(qbo.emulator.store.create_company(name="Other Co", plan="plus"))
    tokens = exchange(qbo, get_code(qbo)).json()
    response = qbo.get(
        f"/v3/company/{other}/companyinfo/{other}",
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
    )
    assert response.status_code == 401


def test_refresh_token_hard_expiry_is_returned_when_asked(qbo):
    code = get_code(qbo)
    response = qbo.post(
        TOKEN_PATH,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(CLIENT_ID, CLIENT_SECRET),
        headers={"x-include-refresh-token-hard-expires-in": "true"},
    )
    assert response.json()["x_refresh_token_hard_expires_in"] == 5 * 365 * 24 * 3600


# ---------------------------------------------------------------------- id_token, userinfo


def test_the_id_token_verifies_against_the_jwks(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    doc = qbo.get("/.well-known/openid_sandbox_configuration/").json()
    jwks = qbo.get("/op/v1/jwks").json()
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]].key
    claims = jwt.decode(
        tokens["id_token"], key, algorithms=["RS256"], audience=CLIENT_ID, issuer=doc["issuer"]
    )
    assert claims["aud"] == [CLIENT_ID]
    assert claims["realmid"] == qbo.realm_id
    assert claims["exp"] - claims["iat"] == 3600
    assert (
        claims["sub"]
        == qbo.get(
            USERINFO_PATH, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).json()["sub"]
    )


def test_userinfo_answers_the_demo_user_by_scope(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    info = qbo.get(USERINFO_PATH, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200
    body = info.json()
    assert body["email"] == demo.DEMO_USER_EMAIL
    assert body["emailVerified"] is True
    assert {"sub", "givenName", "familyName", "phoneNumber", "address"} <= set(body)


def test_userinfo_refuses_a_revoked_token(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    qbo.post(REVOKE_PATH, json={"token": tokens["access_token"]}, auth=(CLIENT_ID, CLIENT_SECRET))
    info = qbo.get(USERINFO_PATH, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 401
    assert info.json() == {"error": "invalid_token"}


# ---------------------------------------------------------------------- negative paths


def test_an_unregistered_redirect_uri_shows_an_error_page_and_does_not_redirect(qbo):
    page = qbo.get(
        "/connect/oauth2", params=authorize_params(redirect_uri="http://evil.example/cb")
    )
    assert page.status_code == 400
    assert (
        "The redirect_uri does not match any of the app&#x27;s registered redirect URIs."
        in page.text
    )
    posted = consent(qbo, qbo.realm_id, redirect_uri="http://evil.example/cb")
    assert posted.status_code == 400
    assert "location" not in posted.headers


def test_an_unknown_client_id_shows_an_error_page(qbo):
    page = qbo.get("/connect/oauth2", params=authorize_params(client_id="nobody"))
    assert page.status_code == 400
    assert "Invalid client_id: this app is not registered with the emulator." in page.text


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "com.intuit.quickbooks.accounting nonsense"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"state": None}, "invalid_request"),
    ],
)
def test_bad_authorize_parameters_come_back_on_the_redirect(qbo, override, error):
    response = qbo.get("/connect/oauth2", params=authorize_params(**override))
    query = redirect_query(response)
    assert query["error"] == error
    assert query.get("state") == override.get("state", "state-123")


def test_cancel_redirects_with_access_denied_and_the_state(qbo):
    query = redirect_query(consent(qbo, qbo.realm_id, action="cancel"))
    assert query == {"error": "access_denied", "state": "state-123"}


def test_a_wrong_password_keeps_the_user_on_the_consent_page(qbo):
    form = {**authorize_params(), "email": demo.DEMO_USER_EMAIL, "password": "nope",
            "realm_id": qbo.realm_id, "action": "connect"}  # fmt: skip
    response = qbo.post("/connect/oauth2", data=form)
    assert response.status_code == 401
    assert "Incorrect email or password." in response.text


def test_an_unknown_company_is_refused_on_the_consent_page(qbo):
    response = consent(qbo, "999999999")
    assert response.status_code == 400
    assert "Choose a company to connect." in response.text


def test_a_bad_client_secret_is_invalid_client(qbo):
    code = get_code(qbo)
    for basic in (True, False):
        response = exchange(qbo, code, basic=basic, secret="wrong")
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client"}
    # The code was not spent by the failed attempts.
    assert exchange(qbo, code).status_code == 200


def test_missing_client_credentials_are_invalid_client(qbo):
    response = qbo.post(TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


def test_a_reused_code_is_invalid_grant_and_revokes_what_it_produced(qbo):
    code = get_code(qbo)
    tokens = exchange(qbo, code).json()
    reused = exchange(qbo, code)
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant"}
    assert company_info(qbo, tokens["access_token"]).status_code == 401
    assert refresh(qbo, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_a_code_is_bound_to_its_redirect_uri(qbo):
    response = exchange(qbo, get_code(qbo), redirect_uri="http://127.0.0.1:9/other")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_a_code_expires_after_five_minutes(qbo):
    code = get_code(qbo)
    advance(qbo, 301)
    response = exchange(qbo, code)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_a_code_is_bound_to_its_client(qbo):
    qbo.emulator.auth.register_app(
        client_id="other", client_secret="other-secret", redirect_uris=[REDIRECT_URI]
    )
    response = qbo.post(
        TOKEN_PATH,
        data={
            "grant_type": "authorization_code",
            "code": get_code(qbo),
            "redirect_uri": REDIRECT_URI,
        },
        auth=("other", "other-secret"),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    ("grant_type", "error"),
    [("password", "unsupported_grant_type"), ("", "invalid_request")],
)
def test_grant_types_other_than_code_and_refresh_are_refused(qbo, grant_type, error):
    response = qbo.post(
        TOKEN_PATH, data={"grant_type": grant_type}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_an_unknown_refresh_token_is_invalid_grant(qbo):
    response = refresh(qbo, "RT1-not-a-token")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


def test_revoke_accepts_a_form_body_and_unknown_tokens(qbo):
    tokens = exchange(qbo, get_code(qbo)).json()
    form = qbo.post(
        REVOKE_PATH, data={"token": tokens["access_token"]}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert form.status_code == 200
    assert company_info(qbo, tokens["access_token"]).status_code == 401
    unknown = qbo.post(REVOKE_PATH, json={"token": "nope"}, auth=(CLIENT_ID, CLIENT_SECRET))
    assert unknown.status_code == 200


def test_revoke_needs_client_authentication_and_a_token(qbo):
    bad = qbo.post(REVOKE_PATH, json={"token": "x"}, auth=(CLIENT_ID, "wrong"))
    assert bad.status_code == 401
    assert bad.json() == {"error": "invalid_client"}
    missing = qbo.post(REVOKE_PATH, json={}, auth=(CLIENT_ID, CLIENT_SECRET))
    assert missing.status_code == 400
    assert missing.json() == {"error": "invalid_request"}


# ---------------------------------------------------------------------- control plane


def test_control_plane_registers_apps_and_mints_tokens(qbo):
    created = qbo.post(
        "/_emulator/apps",
        json={
            "client_id": "tool",
            "client_secret": "tool-secret",
            "redirect_uris": [REDIRECT_URI],
            "webhook_format": "legacy",
        },
    )
    assert created.status_code == 201
    assert "client_secret" not in created.json()
    tokens = qbo.post("/_emulator/tokens", json={"client_id": "tool", "realm_id": qbo.realm_id})
    assert tokens.status_code == 200
    body = tokens.json()
    assert {"access_token", "refresh_token", "token_type", "expires_in", "id_token"} <= set(body)
    assert company_info(qbo, body["access_token"]).status_code == 200
    assert [a["client_id"] for a in qbo.emulator.auth.connections(qbo.realm_id)] == ["tool"]
    replaced = qbo.post(
        "/_emulator/apps",
        json={"client_id": "tool", "client_secret": "new", "redirect_uris": [REDIRECT_URI]},
    )
    assert replaced.status_code == 200
    assert replaced.json()["webhook_format"] == "cloudevents"


def test_control_plane_rejects_bad_app_and_token_requests(qbo):
    bad_format = qbo.post(
        "/_emulator/apps",
        json={"client_id": "x", "client_secret": "y", "redirect_uris": [], "webhook_format": "xml"},
    )
    assert bad_format.status_code == 400
    assert bad_format.json() == {"error": "webhook_format must be one of legacy, cloudevents"}
    unknown_client = qbo.post(
        "/_emulator/tokens", json={"client_id": "nobody", "realm_id": qbo.realm_id}
    )
    assert unknown_client.status_code == 404
    assert unknown_client.json() == {"error": "unknown client_id 'nobody'"}
    unknown_realm = qbo.post("/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": "42"})
    assert unknown_realm.status_code == 404
    assert unknown_realm.json() == {"error": "unknown realm_id '42'"}


# ---------------------------------------------------------------------- persistence


def test_tokens_and_keys_survive_a_restart(tmp_path):
    first = Emulator(data_dir=tmp_path)
    first.auth.register_app(client_id="c", client_secret="s", redirect_uris=[REDIRECT_URI])
    tokens = first.auth.issue_tokens("c", "123")
    first.save()

    second = Emulator(data_dir=tmp_path)
    assert second.auth.authenticate(tokens["access_token"], "123").client_id == "c"
    assert second.auth.jwks() == first.auth.jwks()
    claims = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    assert claims["realmid"] == "123"
    assert re.fullmatch(r"RT1-[\w-]+", tokens["refresh_token"])

"""Intuit's own Python OAuth client (intuit-oauth, package ``intuitlib``), unchanged but for its
discovery URL, against the emulator: authorization URL, code exchange (with id_token
validation against the jwks), refresh, user info and revoke.

intuitlib reads its discovery document URL from ``intuitlib.config.DISCOVERY_URL`` (imported
by ``intuitlib.utils``); the test points the "sandbox" entry at the emulator and changes
nothing else. Everything after that comes from the emulator's discovery document.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from intuitlib import config as intuit_config
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbo_emulator import demo
from qbo_emulator.server import run_in_thread

CLIENT_ID = "intuitlib-client"
CLIENT_SECRET = "intuitlib-secret"
REDIRECT_URI = "http://localhost:9/intuit/callback"
SCOPES = [Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL, Scopes.PROFILE]


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(port=0)
    yield running
    running.stop()


@pytest.fixture
def realm_id(server, monkeypatch):
    server.emulator.reset()
    server.emulator.auth.register_app(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[REDIRECT_URI]
    )
    monkeypatch.setitem(
        intuit_config.DISCOVERY_URL,
        "sandbox",
        f"{server.url}/.well-known/openid_sandbox_configuration/",
    )
    return str(server.emulator.store.create_company(name="Intuitlib Co", plan="plus"))


def consent_in_browser(authorization_url: str, realm_id: str) -> dict:
    """What a user does on the consent page: open it, sign in, pick the company, Connect."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(authorization_url)
        assert page.status_code == 200
        form = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
        form.update(
            email=demo.DEMO_USER_EMAIL,
            password=demo.DEMO_USER_PASSWORD,
            realm_id=realm_id,
            action="connect",
        )
        answer = browser.post(authorization_url.split("?")[0], data=form)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def test_intuitlib_runs_the_whole_flow_against_the_emulator(server, realm_id):
    client = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, "sandbox")
    assert client.token_endpoint == f"{server.url}/oauth2/v1/tokens/bearer"
    assert client.issuer_uri == f"{server.url}/op/v1"

    url = client.get_authorization_url(SCOPES, state_token="intuitlib-state")
    assert url.startswith(f"{server.url}/connect/oauth2?")
    callback = consent_in_browser(url, realm_id)
    assert callback["state"] == "intuitlib-state"
    assert callback["realmId"] == realm_id

    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert client.access_token and client.refresh_token
    assert client.expires_in == 3600
    # intuitlib keeps the id_token only if it validated it (issuer, aud[0], exp, RS256 + jwks).
    assert client.id_token is not None
    grant = server.emulator.auth.authenticate(client.access_token, realm_id)
    assert grant.client_id == CLIENT_ID

    # Like Intuit, the refresh token keeps its value for a day; the access token is new.
    old_refresh, old_access = client.refresh_token, client.access_token
    client.refresh()
    assert (client.refresh_token, client.access_token != old_access) == (old_refresh, True)
    # A day later a refresh rotates it.
    server.emulator.clock.advance(server.emulator.settings.refresh_token_keep + 1)
    client.refresh()
    assert client.refresh_token != old_refresh
    assert server.emulator.auth.authenticate(client.access_token, realm_id).realm_id == realm_id

    info = client.get_user_info().json()
    assert info["email"] == demo.DEMO_USER_EMAIL
    assert info["givenName"] == "Demo"

    assert client.revoke() is True
    with pytest.raises(AuthClientError) as refused:
        client.refresh()
    assert refused.value.status_code == 400
    assert refused.value.response.json() == {"error": "invalid_grant"}


def test_intuitlib_reports_a_bad_secret_as_invalid_client(server, realm_id):
    client = AuthClient(CLIENT_ID, "wrong-secret", REDIRECT_URI, "sandbox")
    callback = consent_in_browser(client.get_authorization_url(SCOPES), realm_id)
    with pytest.raises(AuthClientError) as refused:
        client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert refused.value.status_code == 401
    assert refused.value.response.json() == {"error": "invalid_client"}

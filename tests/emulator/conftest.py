"""Shared fixtures for the emulator's tests (used by both halves of the emulator — keep the
names stable):

- ``emulator_server``: a RunningEmulator (``.url``, ``.emulator``) serving in a thread, one per
  test module, reset before each test;
- ``realm`` / ``essentials_realm``: a Plus company with purchase orders on / an Essentials one;
- ``token``: a bearer token for ``realm`` from the control plane (``POST /_emulator/tokens``);
- ``api``: an httpx client with base URL ``{url}/v3/company/{realm}`` and that token;
- ``issue_token(server, realm_id)``: the helper behind ``token``, for other realms.
"""

from __future__ import annotations

import os
import types

import httpx
import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks

from qbo_emulator.core import Emulator
from qbo_emulator.server import run_in_thread

TEST_CLIENT_ID = "emulator-tests"
TEST_CLIENT_SECRET = "emulator-tests-secret"
TEST_REDIRECT_URI = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def _emulator_thread():
    with run_in_thread(Emulator()) as running:
        yield running


@pytest.fixture
def emulator_server(_emulator_thread):
    _emulator_thread.emulator.reset()
    return _emulator_thread


def issue_token(server, realm_id: str) -> str:
    """A real access token from the control plane (``POST /_emulator/tokens``) for the test app,
    registering the app first (``POST /_emulator/apps`` replaces an existing one)."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        app = client.post(
            "/_emulator/apps",
            json={
                "client_id": TEST_CLIENT_ID,
                "client_secret": TEST_CLIENT_SECRET,
                "redirect_uris": [TEST_REDIRECT_URI],
            },
        )
        assert app.status_code in (200, 201), app.text
        tokens = client.post(
            "/_emulator/tokens", json={"client_id": TEST_CLIENT_ID, "realm_id": realm_id}
        )
        assert tokens.status_code == 200, tokens.text
        return tokens.json()["access_token"]


def create_company(server, **spec) -> str:
    response = httpx.post(f"{server.url}/_emulator/companies", json=spec, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["realmId"]


@pytest.fixture
def realm(emulator_server) -> str:
    return create_company(
        emulator_server,
        name="Plus Phones LLC",
        plan="plus",
        purchase_orders_enabled=True,
        custom_txn_numbers=True,
    )


@pytest.fixture
def essentials_realm(emulator_server) -> str:
    return create_company(
        emulator_server,
        name="Essentials Electronics Inc",
        plan="essentials",
        purchase_orders_enabled=False,
    )


@pytest.fixture
def token(emulator_server, realm) -> str:
    return issue_token(emulator_server, realm)


@pytest.fixture
def api(emulator_server, realm, token):
    with httpx.Client(
        base_url=f"{emulator_server.url}/v3/company/{realm}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        params={"minorversion": "75"},
        timeout=15,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def emulator_tools():
    """The helpers above for test modules (test directories are not packages, so fixtures are
    the way to share them): ``issue_token``, ``create_company`` and the test app's credentials."""
    return types.SimpleNamespace(
        issue_token=issue_token,
        create_company=create_company,
        client_id=TEST_CLIENT_ID,
        client_secret=TEST_CLIENT_SECRET,
        redirect_uri=TEST_REDIRECT_URI,
    )


@pytest.fixture
def pyqb(emulator_server, realm, token):
    """python-quickbooks' own client on ``realm``, unchanged but for its base URL."""
    return python_quickbooks_client(emulator_server.url, realm, token)


@pytest.fixture
def python_quickbooks(emulator_server):
    """A factory: python-quickbooks' client on another company of the server."""

    def make(realm_id: str):
        token = issue_token(emulator_server, realm_id)
        return python_quickbooks_client(emulator_server.url, realm_id, token)

    return make


def python_quickbooks_client(url: str, realm_id: str, access_token: str):
    # requests-oauthlib refuses plain http unless told this is local development.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    auth_client = AuthClient(
        TEST_CLIENT_ID,
        TEST_CLIENT_SECRET,
        TEST_REDIRECT_URI,
        f"{url}/.well-known/openid_sandbox_configuration/",
        access_token=access_token,
    )
    client = QuickBooks(
        auth_client=auth_client, refresh_token="unused", company_id=realm_id, minorversion=75
    )
    client.api_url_v3 = f"{url}/v3"
    return client

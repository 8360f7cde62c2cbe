"""Connecting to QuickBooks: the OAuth dance against the emulator, token care, disconnecting."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from qbo_helpers import CLIENT_ID, connect, consent, local, request_log, token_requests

from cellbooks.quickbooks import crypto, tokens
from cellbooks.quickbooks.client import QBOClient
from cellbooks.quickbooks.models import Connection, OAuthState


def test_connecting_stores_the_realm_the_company_name_and_encrypted_tokens(
    client_logged_in, qbo, company
):
    response = connect(client_logged_in, qbo)

    assert response.status_code == 302
    assert response["Location"] == reverse("quickbooks_settings")
    connection = Connection.objects.get(company=company)
    assert connection.status == Connection.Status.CONNECTED
    assert connection.realm_id == qbo.realm
    assert connection.qbo_company_name == "Northwind Books LLC"
    # Tokens are usable, and not stored in clear.
    assert connection.access_token and connection.refresh_token
    assert connection.access_token not in connection.access_token_encrypted
    assert connection.refresh_token not in connection.refresh_token_encrypted
    assert crypto.decrypt(connection.refresh_token_encrypted) == connection.refresh_token


def test_the_integrations_card_shows_the_connected_company(connected):
    page = connected.get(reverse("integrations")).content.decode()
    assert "Connected to Northwind Books LLC" in page


def test_a_replayed_state_is_refused(client_logged_in, qbo, company):
    started = client_logged_in.post(reverse("quickbooks_connect"))
    back = local(consent(started["Location"], qbo.realm))
    assert client_logged_in.get(back)["Location"] == reverse("quickbooks_settings")

    replay = client_logged_in.get(back, follow=True)

    assert "already used or is unknown" in replay.content.decode()
    assert OAuthState.objects.count() == 0


def test_an_unknown_state_is_refused_and_nothing_is_connected(client_logged_in, qbo, company):
    started = client_logged_in.post(reverse("quickbooks_connect"))
    back = local(consent(started["Location"], qbo.realm)).replace("state=", "state=forged")

    page = client_logged_in.get(back, follow=True).content.decode()

    assert "already used or is unknown" in page
    assert not Connection.objects.filter(
        company=company, status=Connection.Status.CONNECTED
    ).exists()


def test_a_state_started_by_another_user_is_refused(client, qbo, user, other_user):
    client.force_login(other_user)
    started = client.post(reverse("quickbooks_connect"))
    back = local(consent(started["Location"], qbo.realm))
    client.force_login(user)

    page = client.get(back, follow=True).content.decode()

    assert "started by someone else" in page


def test_cancelling_on_the_consent_page_says_so(client_logged_in, qbo, company):
    started = client_logged_in.post(reverse("quickbooks_connect"))
    back = local(consent(started["Location"], qbo.realm, action="cancel"))

    page = client_logged_in.get(back, follow=True).content.decode()

    assert "cancelled in QuickBooks" in page
    assert Connection.objects.get(company=company).status == Connection.Status.NOT_CONNECTED


def expire_access_token(qbo, connection):
    """An hour passes, for QuickBooks and for Cellbooks."""
    qbo.emulator.clock.advance(3700)
    Connection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_an_expired_access_token_is_refreshed_once_and_the_rotated_token_is_stored(
    connected, qbo, company
):
    connection = Connection.objects.get(company=company)
    old_refresh = connection.refresh_token
    expire_access_token(qbo, connection)
    before = len(token_requests(qbo))

    token, generation = tokens.access_token(connection.pk)
    again, _ = tokens.access_token(connection.pk)

    connection.refresh_from_db()
    assert len(token_requests(qbo)) == before + 1
    assert token == again == connection.access_token
    assert connection.token_generation == generation
    # The stored (rotated) refresh token is the one the next refresh uses, and it works.
    expire_access_token(qbo, connection)
    tokens.access_token(connection.pk)
    connection.refresh_from_db()
    assert len(token_requests(qbo)) == before + 2
    assert connection.status == Connection.Status.CONNECTED
    assert [e["status"] for e in token_requests(qbo)] == [200] * len(token_requests(qbo))
    assert old_refresh != "" and connection.refresh_token != ""


def test_a_401_triggers_one_refresh_and_the_request_succeeds(connected, qbo, company):
    connection = Connection.objects.get(company=company)
    qbo.emulator.clock.advance(
        3700
    )  # QuickBooks considers the token expired; Cellbooks does not yet
    before = len(token_requests(qbo))

    with QBOClient(connection) as client:
        info = client.company_info()

    assert info["CompanyName"] == "Northwind Books LLC"
    assert len(token_requests(qbo)) == before + 1
    statuses = [e["status"] for e in request_log(qbo) if "companyinfo" in e["path"]]
    assert sorted(statuses[-2:]) == [200, 401]  # the log may record the two in either order


def test_disconnecting_in_quickbooks_marks_the_connection_needs_reconnect(connected, qbo, company):
    qbo.emulator.auth.disconnect(CLIENT_ID, qbo.realm)

    landing = connected.get(f"{reverse('quickbooks_disconnected')}?realmId={qbo.realm}")

    assert landing.status_code == 200
    connection = Connection.objects.get(company=company)
    assert connection.status == Connection.Status.NEEDS_RECONNECT
    assert not connection.refresh_token_encrypted
    # A banner on every page says so.
    assert (
        "QuickBooks needs to be reconnected" in connected.get(reverse("dashboard")).content.decode()
    )


def test_the_disconnect_landing_does_not_believe_a_forged_visit(connected, qbo, company, client):
    client.get(f"{reverse('quickbooks_disconnected')}?realmId={qbo.realm}")

    assert Connection.objects.get(company=company).status == Connection.Status.CONNECTED


def test_the_next_failed_refresh_marks_needs_reconnect_and_work_pauses(connected, qbo, company):
    qbo.emulator.auth.disconnect(CLIENT_ID, qbo.realm)
    connection = Connection.objects.get(company=company)
    expire_access_token(qbo, connection)

    with pytest.raises(Exception) as raised:
        tokens.access_token(connection.pk)

    assert type(raised.value).__name__ == "AuthorizationLostError"
    assert Connection.objects.get(company=company).status == Connection.Status.NEEDS_RECONNECT


def test_disconnecting_from_cellbooks_revokes_at_intuit_and_keeps_settings(connected, qbo, company):
    connection = Connection.objects.get(company=company)
    access = connection.access_token

    response = connected.post(reverse("quickbooks_disconnect"))

    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NOT_CONNECTED
    assert connection.realm_id == qbo.realm and connection.linked_realm_id == qbo.realm
    assert not connection.access_token_encrypted
    api = qbo.http.get(
        f"/v3/company/{qbo.realm}/companyinfo/{qbo.realm}",
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
    )
    assert api.status_code == 401


def test_reconnecting_to_the_same_realm_resumes(connected, qbo, company):
    connected.post(reverse("quickbooks_disconnect"))

    response = connect(connected, qbo)

    assert response["Location"] == reverse("quickbooks_settings")
    assert Connection.objects.get(company=company).status == Connection.Status.CONNECTED


def test_the_admin_lists_connections_without_their_tokens(connected, qbo, company, admin_client):
    connection = Connection.objects.get(company=company)

    page = admin_client.get(
        f"/admin/quickbooks/connection/{connection.pk}/change/"
    ).content.decode()

    assert "Northwind Books LLC" in page
    assert connection.access_token not in page and connection.refresh_token not in page
    assert connection.access_token_encrypted not in page
    for model in (
        "binding",
        "syncrequest",
        "syncattempt",
        "webhookevent",
        "integrationsettings",
        "remotepayment",
    ):
        assert admin_client.get(f"/admin/quickbooks/{model}/").status_code == 200

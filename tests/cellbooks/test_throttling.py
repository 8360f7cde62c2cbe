"""Login throttling (django-axes): failed sign-ins lock the account and the address for a while,
wrong API keys lock the address, and `manage.py unlock` lifts a lock. The clock is moved, never
waited for."""

import html
import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from test_api_support import BASE, ApiClient

from cellbooks.accounts.models import ApiKey

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password
EMAIL = "owner@northwind.test"


def log_in(client, password, *, email=EMAIL, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def throttling(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def test_ten_wrong_passwords_in_a_row_lock_the_account_for_a_while(client, user):
    answers = [log_in(client, f"wrong {n}").status_code for n in range(10)]
    # The first failures are ordinary mistakes; from the limit on, every attempt is refused.
    assert answers[:4] == [200] * 4
    assert answers[4:] == [429] * 6

    # Now even the right password is refused, with a clear message, and nobody is signed in.
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    message = html.unescape(response.content.decode())
    assert "Too many failed attempts to log in" in message
    assert "locked for 15 minutes" in message
    assert not signed_in(client)

    # From another address too: the account itself is locked.
    assert log_in(Client(), PASSWORD, address="198.51.100.20").status_code == 429

    # A while later the lock is lifted and the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = log_in(client, PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_failures_from_one_address_lock_that_address_for_every_account(client, user, other_user):
    for n in range(5):
        log_in(client, "guess", email=f"someone{n}@example.com", address="192.0.2.50")
    # The right password of a real account, from that address: refused.
    response = log_in(Client(), PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    # The same account from elsewhere is not locked (it failed no attempt itself).
    response = log_in(Client(), PASSWORD, address="192.0.2.99")
    assert response.status_code == 302


def test_a_successful_login_starts_the_count_again(client, user):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


def test_unlock_lifts_an_account_lock_at_once(client, user):
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 429
    out = StringIO()
    call_command("unlock", "Owner@Northwind.test", "203.0.113.7", stdout=out)
    assert "Unlocked the account owner@northwind.test" in out.getvalue()
    assert log_in(client, PASSWORD).status_code == 302

    out = StringIO()
    call_command("unlock", "nobody@example.com", stdout=out)
    assert "was not locked: nothing to do" in out.getvalue()
    with pytest.raises(CommandError, match="Name an account's email or an address"):
        call_command("unlock", stdout=StringIO())


def test_wrong_api_keys_lock_the_address(company):
    _, raw = ApiKey.issue(company=company, name="scanner")
    guesser = ApiClient("cbk_guess")
    guesser.client.defaults["REMOTE_ADDR"] = "203.0.113.9"
    answers = [guesser.get("/devices").status_code for _ in range(6)]
    assert answers[:4] == [401] * 4
    assert answers[4:] == [429, 429]
    # The right key from that address is refused too, with the reason.
    good_from_there = ApiClient(raw)
    good_from_there.client.defaults["REMOTE_ADDR"] = "203.0.113.9"
    response = good_from_there.get("/devices")
    assert response.status_code == 429
    assert "Too many requests with a wrong API key from your address" in response.json()["detail"]
    # Keys are not accounts: the key works from any other address.
    elsewhere = ApiClient(raw)
    elsewhere.client.defaults["REMOTE_ADDR"] = "203.0.113.10"
    assert elsewhere.get("/devices").status_code == 200

    call_command("unlock", "203.0.113.9", stdout=StringIO())
    assert good_from_there.get("/devices").status_code == 200


def test_a_request_without_any_key_is_not_counted(company):
    anonymous = Client(REMOTE_ADDR="203.0.113.11")
    for _ in range(8):
        assert anonymous.get(f"{BASE}/devices").status_code == 401


def test_a_password_reset_lifts_the_lock(client, user):
    from django.core import mail

    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 429
    client.post(reverse("password_reset"), {"email": EMAIL})
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new secret", "new_password2": "a brand new secret"},
    )
    assert log_in(client, "a brand new secret").status_code == 302

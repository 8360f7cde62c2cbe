"""Logging in and out, the company guard on every page, and the company switcher."""

import pytest
from django.urls import reverse

from cellbooks.accounts.models import Membership
from cellbooks.accounts.services import add_member

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password

PAGES = [
    "dashboard",
    "device_list",
    "device_create",
    "purchase_order_list",
    "purchase_order_create",
    "invoice_list",
    "invoice_create",
    "partner_list",
    "partner_create",
    "integrations",
    "quickbooks_overview",
]


def test_the_login_page_renders(client, user):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content
    assert b'name="username"' in response.content


def test_a_user_logs_in_with_their_email_and_lands_on_the_dashboard(client, user):
    response = client.post(
        reverse("login"), {"username": "Owner@Northwind.test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert b"Northwind Devices" in response.content


def test_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(
        reverse("login"), {"username": "owner@northwind.test", "password": "nope"}
    )
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client_logged_in):
    assert client_logged_in.get(reverse("logout")).status_code == 405
    response = client_logged_in.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client_logged_in.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, user, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_member(client_logged_in, name):
    response = client_logged_in.get(reverse(name))
    assert response.status_code == 200
    assert b"Northwind Devices" in response.content  # the company menu


def test_a_user_without_a_company_is_refused(client, db):
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user(username="loner@example.test", password=PASSWORD)
    client.force_login(loner)
    assert client.get(reverse("dashboard")).status_code == 403


def test_a_member_of_two_companies_can_switch_between_them(client, user, company, other_company):
    add_member(company=other_company, email=user.email, password=None, role=Membership.Role.VIEWER)
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'name="company_id"' in page and "Rival Phones" in page

    response = client.post(reverse("switch_company"), {"company_id": other_company.pk}, follow=True)
    assert client.session["company_id"] == other_company.pk
    assert "You are now working in Rival Phones" in response.content.decode()
    assert response.context["request"].company == other_company


def test_switching_to_a_company_you_are_not_in_answers_404(client_logged_in, other_company):
    response = client_logged_in.post(reverse("switch_company"), {"company_id": other_company.pk})
    assert response.status_code == 404
    assert "company_id" not in client_logged_in.session
    assert client_logged_in.post(reverse("switch_company"), {"company_id": "x"}).status_code == 404

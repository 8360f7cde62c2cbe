"""Shared fixtures: two companies with a user each, so every test can check tenant isolation."""

import pytest

from cellbooks.accounts.models import Membership
from cellbooks.accounts.services import add_member, create_company

PASSWORD = "correct horse battery staple"


@pytest.fixture
def company(db):
    return create_company(name="Northwind Devices")


@pytest.fixture
def other_company(db):
    return create_company(name="Rival Phones")


@pytest.fixture
def user(company):
    return add_member(company=company, email="owner@northwind.test", password=PASSWORD, role=Membership.Role.OWNER)


@pytest.fixture
def other_user(other_company):
    return add_member(company=other_company, email="owner@rival.test", password=PASSWORD, role=Membership.Role.OWNER)


@pytest.fixture
def client_logged_in(client, user):
    client.force_login(user)
    return client

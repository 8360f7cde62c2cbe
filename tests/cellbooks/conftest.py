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
    return add_member(
        company=company, email="owner@northwind.test", password=PASSWORD, role=Membership.Role.OWNER
    )


@pytest.fixture
def other_user(other_company):
    return add_member(
        company=other_company,
        email="owner@rival.test",
        password=PASSWORD,
        role=Membership.Role.OWNER,
    )


@pytest.fixture
def client_logged_in(client, user):
    client.force_login(user)
    return client


# --- inventory fixtures (domain layer) ---------------------------------------------------------


def make_imei(n: int, prefix: str = "35") -> str:
    """A valid IMEI: ``prefix`` + ``n`` zero-padded to 14 digits + its Luhn check digit."""
    from cellbooks.core.identifiers import luhn_check_digit

    body = f"{prefix}{n:0{14 - len(prefix)}d}"
    return body + luhn_check_digit(body)


@pytest.fixture
def vendor(company):
    from cellbooks.inventory.services import create_partner

    return create_partner(
        company=company, name="Global Phone Supply", is_vendor=True, payment_terms_days=30
    )


@pytest.fixture
def customer(company):
    from cellbooks.inventory.services import create_partner

    return create_partner(
        company=company, name="Metro Mobile Repair", is_customer=True, payment_terms_days=15
    )


@pytest.fixture
def draft_po(company, vendor):
    from cellbooks.inventory.services import create_purchase_order

    return create_purchase_order(company=company, vendor=vendor)


@pytest.fixture
def stock(draft_po):
    """Three iPhones received on a PO, priced $400, $450 and $500 (IMEIs make_imei(1..3))."""
    from cellbooks.inventory.services import add_device_to_purchase_order, receive_purchase_order

    for n, price in ((1, "400.00"), (2, "450.00"), (3, "500.00")):
        add_device_to_purchase_order(
            purchase_order=draft_po,
            identifier=make_imei(n),
            manufacturer="Apple",
            model="iPhone 13",
            capacity="128GB",
            colour="Blue",
            network="Unlocked",
            condition="A",
            cost="300.00",
            price=price,
        )
    receive_purchase_order(purchase_order=draft_po)
    return [line.device for line in draft_po.lines.select_related("device")]


@pytest.fixture
def draft_invoice(company, customer):
    from cellbooks.inventory.services import create_invoice

    return create_invoice(company=company, customer=customer)


@pytest.fixture
def imei():
    """``imei(7)`` → a valid IMEI, the same one ``make_imei(7)`` gives the ``stock`` fixture."""
    return make_imei


@pytest.fixture(autouse=True)
def _forget_webhook_caches():
    """The webhook endpoint caches which realms are connected per process, for seconds: tests
    that connect and disconnect the same realm ids start from nothing."""
    from cellbooks.quickbooks.webhooks import forget_cached_realms

    forget_cached_realms()
    yield
    forget_cached_realms()


@pytest.fixture(autouse=True)
def _forget_realm_lookups():
    """QuickBooks preferences and the A/P account are cached per realm for minutes: every test
    (each with its own emulator company) starts from nothing."""
    from cellbooks.quickbooks import realm_cache

    realm_cache.forget()
    yield
    realm_cache.forget()

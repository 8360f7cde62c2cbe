"""Cellbooks against a live QBO emulator running in a thread (one per test process).

``qbo`` resets the emulator, registers a test app whose redirect URI is the Django test client's
host, creates a Plus company with purchase orders, and points Cellbooks' configuration at it
(``settings.QBO``, restored after the test).
"""

from types import SimpleNamespace

import httpx
import pytest
from django.urls import reverse
from qbo_helpers import CLIENT_ID, CLIENT_SECRET, PUBLIC, VERIFIER, connect_directly, settings_form

from cellbooks.inventory import services as inventory


@pytest.fixture(scope="session")
def qbo_server():
    from qbo_emulator.server import run_in_thread

    running = run_in_thread()
    yield running
    running.stop()


@pytest.fixture
def qbo(qbo_server, settings):
    emulator = qbo_server.emulator
    emulator.reset()
    emulator.auth.register_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{PUBLIC}/integrations/quickbooks/callback/"],
        webhook_url=None,
        verifier_token=VERIFIER,
        webhook_format="cloudevents",
        disconnect_url=f"{PUBLIC}/integrations/quickbooks/disconnected/",
    )
    realm = emulator.store.create_company(
        name="Northwind Books LLC", plan="plus", purchase_orders_enabled=True
    )
    settings.QBO = {
        **settings.QBO,
        "ENVIRONMENT": "emulator",
        "EMULATOR_URL": qbo_server.url,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "WEBHOOK_VERIFIER_TOKEN": VERIFIER,
        "PUBLIC_URL": PUBLIC,
        "REDIRECT_URI": "",
        "RATE_LIMITS": False,
        "TIMEOUT": 5.0,
    }
    return SimpleNamespace(
        url=qbo_server.url,
        emulator=emulator,
        realm=realm,
        http=httpx.Client(base_url=qbo_server.url),
    )


@pytest.fixture
def connected(client_logged_in, qbo, company):
    """The company connected to the emulator's company, as the OAuth dance leaves it (the dance
    itself is tested in test_qbo_connect.py; here the emulator issues the grant directly)."""
    connect_directly(qbo, company)
    return client_logged_in


DEVICES = [
    # (n, manufacturer, model, capacity, colour, condition, cost, price)
    (11, "Apple", "iPhone 13", "128GB", "Blue", "A", "300.00", "420.00"),
    (12, "Apple", "iPhone 13", "128GB", "Blue", "A", "300.00", "420.00"),
    (13, "Apple", "iPhone 13", "128GB", "Blue", "A", "310.00", "399.99"),
    (14, "Apple", "iPhone 13", "128GB", "Blue", "B", "250.00", "350.00"),
    (15, "Samsung", "Galaxy S22", "256GB", "Black", "C", "180.55", "260.10"),
]


@pytest.fixture
def ready(connected, qbo, company):
    response = connected.post(reverse("quickbooks_settings"), settings_form(qbo))
    assert response.status_code == 302
    return connected


@pytest.fixture
def received_po(company, vendor, imei):
    po = inventory.create_purchase_order(company=company, vendor=vendor)
    for n, make, model, capacity, colour, condition, cost, price in DEVICES:
        inventory.add_device_to_purchase_order(
            purchase_order=po,
            identifier=imei(n),
            manufacturer=make,
            model=model,
            capacity=capacity,
            colour=colour,
            network="Unlocked",
            condition=condition,
            cost=cost,
            price=price,
        )
    return inventory.receive_purchase_order(purchase_order=po)


@pytest.fixture
def open_invoice(company, customer, received_po, imei):
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n) for n, *_ in DEVICES])
    return inventory.open_invoice(invoice=invoice)

"""Schemathesis against the whole API, in-process (the WSGI app), with a real API key and a company
that has data: for every operation, generated valid and invalid requests must get no server error,
no status code the OpenAPI document does not list, and bodies and content types it describes.

Bounded and deterministic (derandomized Hypothesis, a fixed number of examples per operation), so
it runs in CI in well under two minutes on 2 cores."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cellbooks.accounts.models import ApiKey
from cellbooks.events import services as events
from cellbooks.inventory import services as inventory
from cellbooks.wsgi import application

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def raw_key(company, customer, stock):
    """A company with a bit of everything, so generated ids sometimes hit real records: a received
    PO, an open invoice with a payment, a draft invoice, a webhook subscription (whose deliveries
    are written but never sent: the test's transaction never commits)."""
    issued = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=issued, identifiers=[stock[0].identifier])
    inventory.open_invoice(invoice=issued)
    inventory.record_payment(invoice=issued, amount="100.00")
    draft = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=draft, identifiers=[stock[1].identifier])
    events.create_subscription(
        company=company, url="http://127.0.0.1:9/never-called", event_types=["*"]
    )
    _, raw = ApiKey.issue(company=company, name="schemathesis")
    return raw


@pytest.fixture(autouse=True)
def requests_keep_the_test_connection(db):
    """As Django's own test client does: a request must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded from the running app itself (the document needs no key and touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_openapi_promises(case, raw_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {raw_key}"}, checks=CHECKS)

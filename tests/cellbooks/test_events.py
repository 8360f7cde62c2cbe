"""Webhooks to the integrator: events written with the action, signed, delivered after commit to a
real local endpoint, retried with backoff, logged, redelivered — and never in the action's way."""

import hashlib
import hmac
import json
import ssl
from datetime import timedelta
from decimal import Decimal

import pytest
import trustme
from django.db import transaction
from django.utils import timezone
from event_inbox import EventInbox
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock

from cellbooks.events import delivery as sender
from cellbooks.events import payloads, services
from cellbooks.events.models import Delivery, DeliveryAttempt, Event
from cellbooks.inventory import services as inventory


@pytest.fixture
def inbox():
    receiver = EventInbox()
    yield receiver
    receiver.close()


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a block as a request does: when it commits, the worker (inline in tests) sends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def subscribe(api, inbox, *event_types, **fields) -> dict:
    body = {"url": inbox.url, "event_types": list(event_types) or ["*"], **fields}
    return ok(api.post("/webhooks/subscriptions", body), 201)


def expected_signature(secret: str, headers: dict, body: bytes) -> str:
    """Computed here from the documented rule, independently of Cellbooks' own code."""
    signed = headers["cellbooks-timestamp"].encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def run_due_deliveries(now=None):
    """What the worker's minute sweep does, with the clock moved past every backoff."""
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    return sender.process(sender.due_ids(now=now))


def test_a_received_purchase_order_reaches_the_endpoint_signed(api, inbox, sent):
    subscription = subscribe(api, inbox, "purchase_order.received")
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    po = ok(
        api.post(
            "/purchase-orders",
            {"vendor": vendor["id"], "devices": [device_row(1), device_row(2, cost="310.55")]},
        ),
        201,
    )
    assert inbox.all() == []  # nothing for a draft

    with sent():
        ok(api.post(f"/purchase-orders/{po['id']}/receive"))

    [(headers, body)] = inbox.all()
    event = json.loads(body)
    assert headers["cellbooks-event-type"] == event["type"] == "purchase_order.received"
    assert headers["cellbooks-event-id"] == event["id"]
    assert headers["cellbooks-signature"] == expected_signature(
        subscription["secret"], headers, body
    )
    assert abs(int(headers["cellbooks-timestamp"]) - timezone.now().timestamp()) < 60
    assert event["data"]["number"] == po["number"]
    assert event["data"]["total"] == "610.55"
    assert event["data"]["vendor"] == {"id": vendor["id"], "name": "Phone Source Ltd"}
    assert event["data"]["status"] == "received"
    [row] = Delivery.objects.all()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)


def test_only_what_a_subscription_asked_for_is_sent(api, inbox, sent, company):
    subscribe(api, inbox, "invoice.paid")
    with sent():
        receive_stock(api, [device_row(1, price="400.00")])
        customer = create_customer(api)
        invoice = ok(
            api.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(1)]}), 201
        )
        ok(api.post(f"/invoices/{invoice['id']}/open"))
        ok(api.post(f"/invoices/{invoice['id']}/payments", {"amount": "150.00"}), 201)
    assert inbox.all() == []  # received, opened, partially paid: not asked for

    with sent():
        ok(api.post(f"/invoices/{invoice['id']}/payments", {"amount": "250.00"}), 201)

    [delivery] = inbox.all()
    event = inbox.event(delivery)
    assert event["type"] == "invoice.paid"
    assert event["data"]["id"] == invoice["id"]
    assert (event["data"]["total"], event["data"]["balance_due"]) == ("400.00", "0.00")
    assert Event.objects.filter(company=company).count() == 1  # nobody wanted the others


def test_device_sold_is_one_event_per_device_with_its_price(api, inbox, sent):
    subscribe(api, inbox, "device.sold")
    receive_stock(api, [device_row(n, price="400.00") for n in (1, 2, 3)])
    customer = create_customer(api)
    invoice = ok(
        api.post(
            "/invoices",
            {
                "customer": customer["id"],
                "identifiers": [imei_for(1), imei_for(2)],
                "unit_prices": {imei_for(2): "455.50"},
            },
        ),
        201,
    )

    with sent():
        ok(api.post(f"/invoices/{invoice['id']}/open"))
    sold = sorted(
        (e["data"]["identifier"], e["data"]["unit_price"]) for e in map(inbox.event, inbox.all())
    )
    assert sold == [(imei_for(1), "400.00"), (imei_for(2), "455.50")]

    with sent():  # a device added to the issued invoice is sold at once
        ok(api.post(f"/invoices/{invoice['id']}/devices", {"identifiers": [imei_for(3)]}), 201)
    [late] = map(inbox.event, inbox.all())
    assert late["data"]["identifier"] == imei_for(3)
    assert late["data"]["invoice"]["number"] == invoice["number"]
    assert late["data"]["status"] == "sold"


def test_a_failing_endpoint_is_retried_with_backoff_then_delivered(api, inbox, sent, settings):
    settings.EVENTS = {**settings.EVENTS, "RETRY_BASE_SECONDS": 30}
    subscribe(api, inbox, "purchase_order.received")
    inbox.answer(500)
    before = timezone.now()

    with sent():
        receive_stock(api, [device_row(1)])

    first_headers, first_body = inbox.next()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "The endpoint answered 500."
    # Backoff: the first retry waits between half and all of the base delay.
    assert before + timedelta(seconds=15) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert sender.due_ids() == []  # not due yet

    run_due_deliveries()

    second_headers, second_body = inbox.next()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert second_body == first_body  # the same event, byte for byte
    assert second_headers["cellbooks-event-id"] == first_headers["cellbooks-event-id"]
    assert [a.status_code for a in DeliveryAttempt.objects.order_by("started_at", "id")] == [
        500,
        200,
    ]


def test_after_the_last_attempt_a_delivery_fails_and_can_be_redelivered(api, inbox, sent, settings):
    settings.EVENTS = {**settings.EVENTS, "MAX_ATTEMPTS": 2}
    subscribe(api, inbox, "purchase_order.received")
    inbox.answer(503, 503)
    with sent():
        receive_stock(api, [device_row(1)])
    run_due_deliveries()
    failed = Delivery.objects.get()
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert run_due_deliveries() == []  # a failed delivery is not retried by itself

    listed = ok(api.get("/webhooks/deliveries", status="failed"))
    assert [d["id"] for d in listed["items"]] == [failed.pk]
    with sent():
        again = ok(api.post(f"/webhooks/deliveries/{failed.pk}/redeliver"), 202)

    assert again["redelivery_of"] == failed.pk and again["status"] == "pending"
    assert ok(api.get(f"/webhooks/deliveries/{again['id']}"))["status"] == "delivered"
    event_ids = {headers["cellbooks-event-id"] for headers, _ in inbox.all()}
    assert event_ids == {again["event"]["id"]} == {failed.event.public_id}
    detail = ok(api.get(f"/webhooks/deliveries/{failed.pk}"))
    assert [a["status_code"] for a in detail["attempt_log"]] == [503, 503]
    assert json.loads(detail["body"])["type"] == "purchase_order.received"


def test_an_unreachable_endpoint_never_fails_the_action(api, sent):
    ok(
        api.post(
            "/webhooks/subscriptions",
            {"url": "http://127.0.0.1:9/nobody-listens", "event_types": ["*"]},
        ),
        201,
    )
    with sent():
        po = receive_stock(api, [device_row(1)])
    assert po["status"] == "received"
    delivery = Delivery.objects.get(event__type="purchase_order.received")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith("Could not reach the endpoint")


def test_a_broken_event_never_fails_the_action(api, inbox, sent, monkeypatch):
    subscribe(api, inbox, "purchase_order.received")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in building the event")

    monkeypatch.setattr(payloads, "purchase_order", broken)
    with sent():
        po = receive_stock(api, [device_row(1)])

    assert po["status"] == "received"
    assert Event.objects.count() == 0 and inbox.all() == []


def test_events_are_written_with_their_action_or_not_at_all(api, inbox, company, customer, stock):
    subscribe(api, inbox, "*")
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=[stock[0].identifier])

    with pytest.raises(RuntimeError), transaction.atomic():
        inventory.open_invoice(invoice=invoice)
        assert Event.objects.filter(type="invoice.opened").count() == 1  # written with it…
        raise RuntimeError("the action fails after the event was written")

    assert Event.objects.count() == 0  # …and gone with it
    # A refused action writes nothing either.
    empty = inventory.create_invoice(company=company, customer=customer)
    response = api.post(f"/invoices/{empty.pk}/open")
    assert response.status_code == 409
    assert Event.objects.count() == 0


def test_nothing_is_sent_before_the_action_commits(api, inbox, company, customer, stock):
    subscribe(api, inbox, "invoice.opened")
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=[stock[0].identifier])
    inventory.open_invoice(invoice=invoice)  # the test's transaction never commits
    assert Delivery.objects.get().status == "pending"
    assert inbox.all() == []


def test_a_delivery_whose_worker_died_is_sent_again(api, inbox, sent):
    subscribe(api, inbox, "purchase_order.received")
    receive_stock(api, [device_row(1)])  # not committed: still pending
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    sender.process(sender.due_ids())

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert inbox.event(inbox.next())["type"] == "purchase_order.received"


def test_subscriptions_through_the_api(api, inbox, other_company, sent):
    created = subscribe(api, inbox, "invoice.paid", description="Our web shop")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    shown = ok(api.get(f"/webhooks/subscriptions/{created['id']}"))
    assert "secret" not in shown and shown["event_types"] == ["invoice.paid"]

    changed = ok(
        api.patch(
            f"/webhooks/subscriptions/{created['id']}",
            {"event_types": ["device.sold", "invoice.paid", "device.sold"], "is_active": False},
        )
    )
    assert changed["event_types"] == ["device.sold", "invoice.paid"]
    assert changed["is_active"] is False

    bad = api.patch(f"/webhooks/subscriptions/{created['id']}", {"url": "ftp://example.com/x"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {
            "loc": ["body", "url"],
            "msg": "'ftp://example.com/x' is not a web address: use http:// or https://.",
            "type": "invalid",
        }
    ]
    unknown = api.post("/webhooks/subscriptions", {"url": inbox.url, "event_types": ["nope"]})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"][:2] == ["body", "event_types"]

    rival = ApiClient.for_company(other_company)
    assert rival.get(f"/webhooks/subscriptions/{created['id']}").status_code == 404
    assert rival.delete(f"/webhooks/subscriptions/{created['id']}").status_code == 404
    assert ok(rival.get("/webhooks/subscriptions"))["count"] == 0

    ok(api.patch(f"/webhooks/subscriptions/{created['id']}", {"is_active": True}))
    new_secret = ok(api.post(f"/webhooks/subscriptions/{created['id']}/secret"))["secret"]
    assert new_secret != created["secret"]
    with sent():
        ping = ok(api.post(f"/webhooks/subscriptions/{created['id']}/test"), 202)
    headers, body = inbox.next()
    assert headers["cellbooks-event-type"] == "ping"
    assert ping["status"] == "pending"  # answered before the worker sent it…
    assert ok(api.get(f"/webhooks/deliveries/{ping['id']}"))["status"] == "delivered"  # …then sent
    assert headers["cellbooks-signature"] == expected_signature(new_secret, headers, body)

    assert api.delete(f"/webhooks/subscriptions/{created['id']}").status_code == 204
    assert api.get(f"/webhooks/subscriptions/{created['id']}").status_code == 404
    assert Delivery.objects.count() == 0  # its log went with it


def test_turning_a_subscription_off_gives_up_on_what_waits(api, inbox):
    created = subscribe(api, inbox, "purchase_order.received")
    receive_stock(api, [device_row(1)])  # pending: the test never commits
    ok(api.patch(f"/webhooks/subscriptions/{created['id']}", {"is_active": False}))
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == "Not sent: the endpoint was turned off."
    refused = api.post(f"/webhooks/deliveries/{delivery.pk}/redeliver")
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["msg"].startswith("This endpoint is turned off")


def test_the_event_log_lets_a_program_catch_up(api, inbox, sent):
    subscribe(api, inbox, "*")
    with sent():
        receive_stock(api, [device_row(1)])
    events = ok(api.get("/webhooks/events", type="purchase_order.received"))
    [event] = events["items"]
    assert event["data"]["status"] == "received"
    assert ok(api.get(f"/webhooks/events/{event['id']}"))["type"] == "purchase_order.received"
    assert api.get("/webhooks/events/evt_" + "0" * 32).status_code == 404
    assert api.get("/webhooks/events/not-an-event").status_code == 422
    types = {t["name"] for t in ok(api.get("/webhooks/event-types"))}
    assert {"invoice.paid", "device.sold", "invoice.synced", "sync.failed"} <= types


def test_a_company_has_at_most_twenty_endpoints(api, inbox):
    for n in range(services.MAX_SUBSCRIPTIONS):
        subscribe(api, inbox, "*", description=f"#{n}")
    refused = api.post("/webhooks/subscriptions", {"url": inbox.url, "event_types": ["*"]})
    assert refused.status_code == 409
    assert "at most 20" in refused.json()["detail"][0]["msg"]


def test_old_events_are_forgotten_once_nothing_waits_for_them(api, inbox, sent, settings):
    subscribe(api, inbox, "*")
    with sent():
        receive_stock(api, [device_row(1)])
    assert Event.objects.count() == 1
    later = timezone.now() + timedelta(days=settings.EVENTS["RETENTION_DAYS"] + 1)
    assert sender.prune(now=timezone.now()) == 0  # too young
    assert sender.prune(now=later) >= 1
    assert Event.objects.count() == 0


def test_money_in_events_is_a_string_with_two_decimals(company, customer, stock):
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(
        invoice=invoice, identifiers=[stock[0].identifier], unit_price=Decimal("399.5")
    )
    assert payloads.invoice(invoice)["total"] == "399.50"


def test_a_completed_return_is_announced_with_its_devices(api, inbox, sent):
    subscribe(api, inbox, "return.completed", "invoice.partially_paid")
    receive_stock(api, [device_row(n, price="400.00") for n in (1, 2)])
    customer = create_customer(api)
    invoice = ok(
        api.post(
            "/invoices", {"customer": customer["id"], "identifiers": [imei_for(1), imei_for(2)]}
        ),
        201,
    )
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    with sent():
        rma = ok(
            api.post(
                "/returns",
                {
                    "invoice": invoice["id"],
                    "reason": "Cracked back glass",
                    "devices": [{"identifier": imei_for(2), "disposition": "restock"}],
                    "complete": True,
                },
            ),
            201,
        )

    received = {event["type"]: event for event in map(inbox.event, inbox.all())}
    assert set(received) == {"return.completed", "invoice.partially_paid"}
    data = received["return.completed"]["data"]
    assert (data["number"], data["status"], data["total"], data["credit"]) == (
        rma["number"],
        "completed",
        "400.00",
        "apply",
    )
    assert data["devices"] == [
        {
            "id": rma["lines"][0]["device_id"],
            "identifier": imei_for(2),
            "unit_price": "400.00",
            "disposition": "restock",
        }
    ]
    # The credit left half the invoice to pay: it is partially settled.
    assert received["invoice.partially_paid"]["data"]["balance_due"] == "400.00"


def test_setting_up_webhooks_is_in_the_activity_log(api, inbox, company):
    from cellbooks.accounts.models import AuditEntry

    created = subscribe(api, inbox, "invoice.paid")
    ok(api.patch(f"/webhooks/subscriptions/{created['id']}", {"is_active": False}))
    ok(api.post(f"/webhooks/subscriptions/{created['id']}/secret"))
    assert api.delete(f"/webhooks/subscriptions/{created['id']}").status_code == 204

    entries = AuditEntry.objects.filter(company=company, target_kind="webhook").order_by("id")
    assert [e.action for e in entries] == [
        "webhooks.endpoint_added",
        "webhooks.endpoint_changed",
        "webhooks.secret_replaced",
        "webhooks.endpoint_removed",
    ]
    assert {e.actor_label.split(" (")[0] for e in entries} == {"API key “tests”"}
    assert entries[1].summary == "Changed is_active; sending is off"
    assert created["secret"] not in str([e.details for e in entries])  # never logged


def test_a_link_local_address_is_refused_when_subscribing(api):
    """169.254.169.254 is where clouds hand out a machine's credentials: never a webhook."""
    response = api.post(
        "/webhooks/subscriptions",
        {"url": "http://169.254.169.254/latest/meta-data/", "event_types": ["*"]},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "url"] and "link-local" in error["msg"]
    assert not services.Subscription.objects.exists()


def test_a_host_that_resolves_to_a_link_local_address_gets_nothing(api, inbox, sent, monkeypatch):
    subscription = subscribe(api, inbox, "purchase_order.received")
    services.Subscription.objects.filter(pk=subscription["id"]).update(
        url="http://metadata.example.test/hook"
    )
    monkeypatch.setattr(
        sender.socket,
        "getaddrinfo",
        lambda host, port, **kw: [(2, 1, 6, "", ("169.254.169.254", port))],
    )
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)

    with sent():
        ok(api.post(f"/purchase-orders/{po['id']}/receive"))

    [attempt] = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("Not sent: metadata.example.test is 169.254.169.254")
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # retried later, not lost


def test_the_post_goes_to_the_address_that_was_checked(api, inbox, sent, monkeypatch):
    """The host name is resolved once, before the POST, and the POST connects to that address
    (with the name as Host): a name that answers a harmless address to the check and the
    metadata address to the connection ("DNS rebinding") has no second answer to give."""
    subscription = subscribe(api, inbox, "purchase_order.received")
    port = inbox.port
    services.Subscription.objects.filter(pk=subscription["id"]).update(
        url=f"http://hooks.example.test:{port}/hooks/cellbooks"
    )
    resolve = sender.socket.getaddrinfo
    answers = iter(["127.0.0.1", "169.254.169.254"])  # the first, then what a rebinder says
    asked = []

    def rebinding(host, *args, **kwargs):
        if host != "hooks.example.test":
            return resolve(host, *args, **kwargs)
        asked.append(host)
        return [(2, 1, 6, "", (next(answers), int(port)))]

    monkeypatch.setattr(sender.socket, "getaddrinfo", rebinding)
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)

    with sent():
        ok(api.post(f"/purchase-orders/{po['id']}/receive"))

    [(headers, body)] = inbox.all()
    assert headers["host"] == f"hooks.example.test:{port}"
    assert json.loads(body)["type"] == "purchase_order.received"
    assert asked == ["hooks.example.test"]  # resolved once: by the check
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_over_https_the_certificate_is_checked_against_the_host_name(api, sent, monkeypatch):
    """Connecting to the checked address keeps TLS honest: the server is asked for the host
    name's certificate, and the certificate is checked against the name, not the address."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example.test").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    monkeypatch.setattr(sender, "_tls", lambda: client)
    inbox = EventInbox(tls=server)
    try:
        subscription = subscribe(api, inbox, "purchase_order.received")
        services.Subscription.objects.filter(pk=subscription["id"]).update(
            url=f"https://hooks.example.test:{inbox.port}/hooks/cellbooks"
        )
        resolve = sender.socket.getaddrinfo
        monkeypatch.setattr(
            sender.socket,
            "getaddrinfo",
            lambda host, *args, **kwargs: resolve(
                "127.0.0.1" if host == "hooks.example.test" else host, *args, **kwargs
            ),
        )
        vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
        po = ok(
            api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}),
            201,
        )
        with sent():
            ok(api.post(f"/purchase-orders/{po['id']}/receive"))

        [(headers, _)] = inbox.all()
        assert headers["host"] == f"hooks.example.test:{inbox.port}"
        assert Delivery.objects.get().status == Delivery.Status.DELIVERED
    finally:
        inbox.close()


def test_an_install_can_refuse_private_addresses(api, inbox, sent, settings):
    subscribe(api, inbox, "purchase_order.received")  # the inbox listens on 127.0.0.1
    settings.EVENTS = {**settings.EVENTS, "REFUSE_PRIVATE": True}
    refused = api.post("/webhooks/subscriptions", {"url": inbox.url, "event_types": ["*"]})
    assert (
        refused.status_code == 422 and "private or loopback" in refused.json()["detail"][0]["msg"]
    )
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)

    with sent():
        ok(api.post(f"/purchase-orders/{po['id']}/receive"))

    assert inbox.all() == []
    [attempt] = DeliveryAttempt.objects.all()
    assert "private or loopback address" in attempt.error

    settings.EVENTS = {**settings.EVENTS, "REFUSE_PRIVATE": False}
    run_due_deliveries()
    [(headers, _)] = inbox.all()
    assert headers["cellbooks-event-type"] == "purchase_order.received"

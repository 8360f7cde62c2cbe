"""Payments from QuickBooks: signed webhooks (both formats) and the change-data-capture sweep keep
every synced invoice's paid state equal to QuickBooks'."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from qbo_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    PUBLIC,
    VERIFIER,
    WebhookInbox,
    request_log,
    run_pending,
)
from waiting import wait_for

from cellbooks.inventory import services as inventory
from cellbooks.inventory.models import Invoice, Payment
from cellbooks.quickbooks import inbound
from cellbooks.quickbooks.models import Binding, Connection, RemotePayment, WebhookEvent

WEBHOOK = "/integrations/quickbooks/webhook/"


@pytest.fixture
def inbox(qbo):
    receiver = WebhookInbox()
    yield receiver
    receiver.close()


def use_webhooks(qbo, inbox, fmt="cloudevents"):
    qbo.emulator.auth.register_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{PUBLIC}/integrations/quickbooks/callback/"],
        webhook_url=inbox.url,
        verifier_token=VERIFIER,
        webhook_format=fmt,
        disconnect_url=f"{PUBLIC}/integrations/quickbooks/disconnected/",
    )


@pytest.fixture
def synced_invoice(ready, qbo, company, open_invoice):
    ready.post(reverse("quickbooks_sync_document", args=["invoice", open_invoice.pk]))
    run_pending()
    binding = Binding.objects.get(company=company, kind="invoice", local_id=open_invoice.pk)
    return open_invoice, binding


def receive_payment(qbo, customer_id, *applications, total=None):
    """A payment typed in QuickBooks: [(qbo invoice id, amount), ...]."""
    lines = [
        {"Amount": str(amount), "LinkedTxn": [{"TxnId": txn, "TxnType": "Invoice"}]}
        for txn, amount in applications
    ]
    total = total if total is not None else sum(Decimal(str(a)) for _, a in applications)
    return qbo.emulator.store.create_entity(
        qbo.realm,
        "Payment",
        {
            "CustomerRef": {"value": customer_id},
            "TotalAmt": str(total),
            "Line": lines,
            "PaymentRefNum": "WIRE-77",
        },
    )


def deliver(client, inbox, django_capture_on_commit_callbacks, *, expected=1):
    """Hand what the emulator delivered to Cellbooks' endpoint; run the task it schedules."""
    responses = []
    for _ in range(expected):
        headers, body = inbox.next()
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(
                client.post(
                    WEBHOOK,
                    data=body,
                    content_type="application/json",
                    headers={"intuit-signature": headers.get("intuit-signature", "")},
                )
            )
    return responses


def post_one_by_one(client, events, django_capture_on_commit_callbacks) -> None:
    """Deliver each event alone, signed, as Intuit may; each is answered 200."""
    for event in events:
        body = json.dumps([event]).encode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                WEBHOOK,
                data=body,
                content_type="application/json",
                headers={"intuit-signature": signed(body)},
            )
        assert response.status_code == 200


def refreshed(invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def customer_of(qbo, binding):
    return qbo.emulator.store.get_entity(qbo.realm, "Invoice", binding.qbo_id)["CustomerRef"][
        "value"
    ]


def test_a_partial_then_a_full_payment_mark_the_invoice_partially_paid_then_paid(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)

    first = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "1000.00"))
    [response] = deliver(client, inbox, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert refreshed(invoice).status == Invoice.Status.PARTIALLY_PAID
    assert refreshed(invoice).balance_due == Decimal("850.09")
    [row] = Payment.objects.filter(invoice=invoice)
    assert (row.source, row.external_id, row.amount, row.reference) == (
        "quickbooks",
        first["Id"],
        Decimal("1000.00"),
        "WIRE-77",
    )

    receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "850.09"))
    deliver(client, inbox, django_capture_on_commit_callbacks)

    assert refreshed(invoice).status == Invoice.Status.PAID
    assert refreshed(invoice).balance_due == Decimal("0.00")
    assert Connection.objects.get(realm_id=qbo.realm).last_webhook_at is not None


def test_an_edited_payment_changes_the_amount(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)
    payment = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "500.00"))
    deliver(client, inbox, django_capture_on_commit_callbacks)

    qbo.emulator.store.update_entity(
        qbo.realm,
        "Payment",
        {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "TotalAmt": "700.00",
            "Line": [
                {"Amount": "700.00", "LinkedTxn": [{"TxnId": binding.qbo_id, "TxnType": "Invoice"}]}
            ],
        },
        sparse=True,
    )
    deliver(client, inbox, django_capture_on_commit_callbacks)

    assert [p.amount for p in Payment.objects.filter(invoice=invoice)] == [Decimal("700.00")]
    assert refreshed(invoice).balance_due == Decimal("1150.09")


@pytest.mark.parametrize("how", ["delete", "void"])
def test_a_deleted_or_voided_payment_opens_the_invoice_again(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks, how
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)
    payment = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "1850.09"))
    deliver(client, inbox, django_capture_on_commit_callbacks)
    assert refreshed(invoice).status == Invoice.Status.PAID

    if how == "delete":
        qbo.emulator.store.delete_entity(qbo.realm, "Payment", payment["Id"])
    else:
        qbo.emulator.store.void_entity(qbo.realm, "Payment", payment["Id"])
    deliver(client, inbox, django_capture_on_commit_callbacks)

    assert refreshed(invoice).status == Invoice.Status.OPEN
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert RemotePayment.objects.get(qbo_id=payment["Id"]).state == (
        "deleted" if how == "delete" else "voided"
    )


def test_one_payment_across_two_invoices(
    ready,
    qbo,
    company,
    customer,
    received_po,
    imei,
    inbox,
    client,
    django_capture_on_commit_callbacks,
):
    invoices = []
    for numbers in ([11, 12], [13]):
        invoice = inventory.create_invoice(company=company, customer=customer)
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n) for n in numbers])
        invoices.append(inventory.open_invoice(invoice=invoice))
        ready.post(reverse("quickbooks_sync_document", args=["invoice", invoice.pk]))
    run_pending()
    bindings = [Binding.objects.get(kind="invoice", local_id=i.pk) for i in invoices]
    use_webhooks(qbo, inbox)

    receive_payment(
        qbo,
        customer_of(qbo, bindings[0]),
        (bindings[0].qbo_id, "840.00"),
        (bindings[1].qbo_id, "100.00"),
    )
    deliver(client, inbox, django_capture_on_commit_callbacks)

    assert refreshed(invoices[0]).status == Invoice.Status.PAID
    assert refreshed(invoices[1]).status == Invoice.Status.PARTIALLY_PAID
    assert refreshed(invoices[1]).balance_due == Decimal("299.99")


def test_a_replayed_event_changes_nothing(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)
    receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "100.00"))
    headers, body = inbox.next()

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                WEBHOOK,
                data=body,
                content_type="application/json",
                headers={"intuit-signature": headers["intuit-signature"]},
            )
        assert response.status_code == 200

    assert WebhookEvent.objects.count() == len(json.loads(body))  # each change stored once
    assert [p.amount for p in Payment.objects.filter(invoice=invoice)] == [Decimal("100.00")]


@pytest.fixture
def queued():
    """The queue as in production (tasks wait to be taken) instead of the suite's inline tasks;
    ``queued()`` runs what waits, as a worker would, and returns the tasks it ran."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()

    def run_queued():
        waiting = []
        while (task := HUEY.dequeue()) is not None:
            waiting.append(task)
        # Run here, on the test's database connection (a worker's tasks close theirs).
        HUEY.immediate = True
        for task in waiting:
            HUEY.execute(task)
        return waiting

    yield run_queued
    if not HUEY.immediate:
        HUEY.flush()
    HUEY.immediate = True


def test_a_burst_of_one_event_deliveries_is_applied_by_coalesced_tasks_each_event_once(
    synced_invoice, qbo, inbox, client, queued, django_capture_on_commit_callbacks
):
    """Each delivery's wake-up is not a task of its own: the endpoint's process hands the keys of
    the events it stored on in batches; the tasks name every stored event once, and a worker
    running them applies each payment once."""
    from huey.contrib.djhuey import HUEY

    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)
    for _ in range(12):
        receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "10.00"))
    qbo.emulator.webhooks.flush()
    events = [event for _, body in inbox.drain() for event in json.loads(body)]
    assert len([e for e in events if e["type"] == "qbo.payment.created.v1"]) == 12

    post_one_by_one(client, events, django_capture_on_commit_callbacks)
    stored = set(WebhookEvent.objects.values_list("dedupe_key", flat=True))
    assert len(stored) == len(events)
    assert not Payment.objects.filter(invoice=invoice).exists()  # nothing applied yet

    def named():
        return [key for task in HUEY.pending() for key in task.args[1]]

    wait_for(lambda: len(named()) >= len(events), what=lambda: f"wake-ups, {len(named())} so far")
    assert sorted(named()) == sorted(stored)  # every stored event named, none twice
    ran = queued()

    assert 1 <= len(ran) <= len(events)
    assert {task.name for task in ran} == {"apply_webhook_events"}
    payments = Payment.objects.filter(invoice=invoice)
    assert sorted(p.amount for p in payments) == [Decimal("10.00")] * 12
    assert len({p.external_id for p in payments}) == 12
    assert refreshed(invoice).amount_paid == Decimal("120.00")
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_server_closed_costs_no_delivery(connected, company):
    """The endpoint does not check its kept database connection before each delivery (a round
    trip every time): when the server has closed it (a restart, an idle timeout), the INSERT
    fails before anything is written, and the endpoint stores the events on a new connection."""
    from django.db import connection
    from django.test import Client

    realm = Connection.objects.get(company=company).realm_id
    intuit = Client()  # no session: Intuit signs its deliveries, it does not sign in

    def delivery(n):
        event = {
            "specversion": "1.0",
            "id": f"evt-kept-{n}",
            "type": "qbo.payment.created.v1",
            "time": "2026-11-25T10:00:00Z",
            "intuitentityid": str(n),
            "intuitaccountid": realm,
        }
        body = json.dumps([event]).encode()
        return intuit.post(
            WEBHOOK,
            data=body,
            content_type="application/json",
            headers={"intuit-signature": signed(body)},
        )

    assert delivery(1).status_code == 200
    closed = connection.connection.info.backend_pid
    admin = connection.get_new_connection(connection.get_connection_params())
    try:
        admin.autocommit = True
        admin.execute("SELECT pg_terminate_backend(%s)", [closed])
        wait_for(
            lambda: (
                not admin.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [closed]
                ).fetchone()
            ),
            what="the server to close the endpoint's connection",
        )
    finally:
        admin.close()

    assert delivery(2).status_code == 200

    assert connection.connection.info.backend_pid != closed
    assert sorted(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == [
        "ce:evt-kept-1",
        "ce:evt-kept-2",
    ]


def test_out_of_order_events_converge_to_quickbooks_state(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox)
    payment = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "100.00"))
    qbo.emulator.store.update_entity(
        qbo.realm,
        "Payment",
        {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "TotalAmt": "300.00",
            "Line": [
                {"Amount": "300.00", "LinkedTxn": [{"TxnId": binding.qbo_id, "TxnType": "Invoice"}]}
            ],
        },
        sparse=True,
    )
    qbo.emulator.webhooks.flush()
    # The emulator may batch events into one delivery: split them, and send them newest first.
    events = [event for _, body in inbox.drain() for event in json.loads(body)]
    assert [e["type"] for e in events if "payment" in e["type"]] == [
        "qbo.payment.created.v1",
        "qbo.payment.updated.v1",
    ]

    post_one_by_one(client, reversed(events), django_capture_on_commit_callbacks)

    assert [p.amount for p in Payment.objects.filter(invoice=invoice)] == [Decimal("300.00")]
    assert refreshed(invoice).balance_due == Decimal("1550.09")


def test_the_legacy_format_is_understood_too(
    synced_invoice, qbo, inbox, client, django_capture_on_commit_callbacks
):
    invoice, binding = synced_invoice
    use_webhooks(qbo, inbox, fmt="legacy")

    receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "50.00"))
    headers, body = inbox.next()
    assert "eventNotifications" in json.loads(body)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            WEBHOOK,
            data=body,
            content_type="application/json",
            headers={"intuit-signature": headers["intuit-signature"]},
        )

    assert refreshed(invoice).amount_paid == Decimal("50.00")


def signed(body: bytes, token: str = VERIFIER) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    "signature", ["", "bm90IHRoZSByaWdodCBvbmU=", signed(b"another body"), "sïgnature ✓"]
)
def test_a_bad_or_missing_signature_answers_401_and_stores_nothing(
    connected, client, qbo, signature
):
    body = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "e1",
                "type": "qbo.payment.created.v1",
                "intuitaccountid": qbo.realm,
                "intuitentityid": "1",
            }
        ]
    ).encode()

    response = client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        # a header carries bytes; Django hands them over decoded as latin-1
        headers={"intuit-signature": signature.encode().decode("latin-1")},
    )

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"not": "a webhook"}',
        b'{"eventNotifications": [1]}',
        b'["x"]',
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": "text"}]}',
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [1, "a"]}}]}',
        b'{"eventNotifications": [{"realmId": {}, "dataChangeEvent": {"entities": []}}]}',
        b'[{"type": "qbo.payment.created.v1", "intuitaccountid": ["1"]}]',
        b'[{"type": 7, "intuitaccountid": "1"}]',
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff\xfe not json",
    ],
    ids=lambda body: body[:40].decode("latin-1"),
)
def test_a_validly_signed_body_of_the_wrong_shape_answers_400_and_stores_nothing(
    connected, client, body
):
    response = client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"intuit-signature": signed(body)},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed payload")
    assert WebhookEvent.objects.count() == 0


def test_an_unknown_realm_answers_200_and_is_ignored(connected, client):
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "999",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Payment",
                                "id": "1",
                                "operation": "Create",
                                "lastUpdated": "2026-11-25T10:00:00Z",
                            }
                        ]
                    },
                }
            ]
        }
    ).encode()

    response = client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"intuit-signature": signed(body)},
    )

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 0


def test_a_realm_connected_right_after_an_unknown_delivery_is_heard_at_once(
    connected, client, qbo, company, django_capture_on_commit_callbacks
):
    """The endpoint remembers connected realms for seconds, never unknown ones: a company that
    connects just after a delivery for its realm was ignored gets the next one stored."""
    body = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": f"evt-{n}",
                "type": "qbo.payment.created.v1",
                "time": "2026-11-25T10:00:00Z",
                "intuitentityid": str(n),
                "intuitaccountid": "424242",
            }
            for n in (1, 2)
        ]
    )
    first, second = (
        json.dumps([event]).encode() for event in json.loads(body)
    )  # one event per delivery
    post = lambda raw: client.post(  # noqa: E731
        WEBHOOK,
        data=raw,
        content_type="application/json",
        headers={"intuit-signature": signed(raw)},
    )
    assert post(first).status_code == 200 and WebhookEvent.objects.count() == 0
    Connection.objects.filter(company=company).update(realm_id="424242", last_webhook_at=None)
    with django_capture_on_commit_callbacks() as woken:
        assert post(second).status_code == 200
    assert list(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == ["ce:evt-2"]
    assert Connection.objects.get(company=company).last_webhook_at is not None
    assert len(woken) == 1  # the task is woken with the event's key, nothing read back


def test_a_payment_missed_while_cellbooks_was_down_is_caught_by_the_sweep(
    synced_invoice, qbo, company
):
    invoice, binding = synced_invoice  # no webhook URL registered: nothing is delivered
    connection = Connection.objects.get(company=company)
    Connection.objects.filter(pk=connection.pk).update(
        cdc_checkpoint=timezone.now() - timedelta(minutes=10)
    )
    payment = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "1850.09"))

    result = inbound.sweep_connection(Connection.objects.get(pk=connection.pk))

    assert refreshed(invoice).status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).external_id == payment["Id"]
    connection.refresh_from_db()
    assert connection.last_sweep_at and "change" in connection.last_sweep_result and result


def test_the_sweep_notices_a_payment_deleted_and_an_invoice_voided_in_quickbooks(
    synced_invoice, qbo, company
):
    invoice, binding = synced_invoice
    connection = Connection.objects.get(company=company)
    payment = receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "100.00"))
    Connection.objects.filter(pk=connection.pk).update(
        cdc_checkpoint=timezone.now() - timedelta(minutes=10)
    )
    inbound.sweep_connection(Connection.objects.get(pk=connection.pk))
    assert refreshed(invoice).amount_paid == Decimal("100.00")

    qbo.emulator.store.delete_entity(qbo.realm, "Payment", payment["Id"])
    qbo.emulator.store.void_entity(qbo.realm, "Invoice", binding.qbo_id)
    inbound.sweep_connection(Connection.objects.get(pk=connection.pk))

    assert refreshed(invoice).amount_paid == Decimal("0.00")
    assert Binding.objects.get(pk=binding.pk).remote_state == "voided"


def test_the_sweep_notices_a_bill_deleted_in_quickbooks(ready, qbo, company, received_po):
    ready.post(reverse("quickbooks_sync_document", args=["purchase_order", received_po.pk]))
    run_pending()
    binding = Binding.objects.get(kind="purchase_order", local_id=received_po.pk)
    qbo.emulator.store.delete_entity(qbo.realm, "Bill", binding.qbo_id)

    inbound.sweep_connection(Connection.objects.get(company=company))

    assert Binding.objects.get(pk=binding.pk).remote_state == "deleted"
    page = ready.get(reverse("purchase_order_detail", args=[received_po.pk])).content.decode()
    assert "Deleted in QuickBooks" in page


def test_beyond_thirty_days_the_sweep_falls_back_to_a_query(synced_invoice, qbo, company):
    invoice, binding = synced_invoice
    connection = Connection.objects.get(company=company)
    Connection.objects.filter(pk=connection.pk).update(
        cdc_checkpoint=timezone.now() - timedelta(days=45)
    )
    receive_payment(qbo, customer_of(qbo, binding), (binding.qbo_id, "10.00"))

    inbound.sweep_connection(Connection.objects.get(pk=connection.pk))

    assert refreshed(invoice).amount_paid == Decimal("10.00")
    paths = [e["path"] for e in request_log(qbo)[-6:]]
    assert not any(p.endswith("/cdc") for p in paths)


def test_an_overpayment_is_shown_as_unapplied(synced_invoice, qbo, company, ready):
    invoice, binding = synced_invoice
    payment = receive_payment(
        qbo, customer_of(qbo, binding), (binding.qbo_id, "100.00"), total="150.00"
    )
    Connection.objects.filter(company=company).update(
        cdc_checkpoint=timezone.now() - timedelta(minutes=10)
    )

    inbound.sweep_connection(Connection.objects.get(company=company))

    assert refreshed(invoice).amount_paid == Decimal("100.00")
    assert RemotePayment.objects.get(qbo_id=payment["Id"]).unapplied == Decimal("50.00")
    page = ready.get(reverse("quickbooks_overview")).content.decode()
    assert "not fully applied" in page and "50.00" in page

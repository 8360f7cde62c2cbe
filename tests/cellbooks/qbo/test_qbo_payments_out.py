"""Payments recorded in Cellbooks reach QuickBooks with their invoice: one QBO Payment each,
linked to the QBO invoice, exactly once, deleted when deleted — so QBO's balance always equals
Cellbooks' balance due."""

from decimal import Decimal

import pytest
from django.urls import reverse
from qbo_helpers import qbo_documents, run_pending

from cellbooks.inventory import services as inventory
from cellbooks.inventory.models import Invoice, Payment
from cellbooks.quickbooks import inbound
from cellbooks.quickbooks.models import Binding, Connection, SyncAttempt


def push(client, invoice):
    response = client.post(reverse("quickbooks_sync_document", args=["invoice", invoice.pk]))
    assert response.status_code == 302
    return run_pending()


def qbo_invoice(qbo, invoice) -> dict:
    binding = Binding.objects.get(kind="invoice", local_id=invoice.pk)
    return qbo.emulator.store.get_entity(qbo.realm, "Invoice", binding.qbo_id)


def balances(qbo, invoice) -> tuple[Decimal, Decimal]:
    """(QuickBooks' balance, Cellbooks' balance due)."""
    return (
        Decimal(str(qbo_invoice(qbo, invoice)["Balance"])),
        Invoice.objects.get(pk=invoice.pk).balance_due,
    )


@pytest.fixture
def synced(ready, open_invoice):
    push(ready, open_invoice)
    return open_invoice


def test_a_payment_typed_here_becomes_a_qbo_payment_on_the_invoice(ready, qbo, synced):
    form = {"amount": "500.00", "date": "2026-11-20", "method": "check", "reference": "CHK 88"}
    page = ready.post(reverse("invoice_record_payment", args=[synced.pk]), form, follow=True)
    assert page.status_code == 200
    run_pending()

    [payment] = qbo_documents(qbo, "Payment")
    assert Decimal(str(payment["TotalAmt"])) == Decimal("500.00")
    assert payment["PaymentRefNum"] == "CHK 88" and payment["TxnDate"] == "2026-11-20"
    assert payment["Line"][0]["LinkedTxn"] == [
        {"TxnId": qbo_invoice(qbo, synced)["Id"], "TxnType": "Invoice"}
    ]
    qbo_balance, our_balance = balances(qbo, synced)
    assert qbo_balance == our_balance == synced.total - Decimal("500.00")
    shown = ready.get(reverse("invoice_detail", args=[synced.pk])).content.decode()
    assert "in QuickBooks as" in shown and f"payment {payment['Id']}</a>" in shown


def test_deleting_it_here_deletes_it_in_quickbooks(ready, qbo, synced):
    payment = inventory.record_payment(invoice=synced, amount="100.00")
    run_pending()
    assert len(qbo_documents(qbo, "Payment")) == 1

    inventory.delete_payment(payment=payment)
    run_pending()

    assert qbo_documents(qbo, "Payment") == []
    qbo_balance, our_balance = balances(qbo, synced)
    assert qbo_balance == our_balance == synced.total


def test_an_invoice_paid_before_its_first_sync_reaches_quickbooks_paid(ready, qbo, open_invoice):
    inventory.record_payment(invoice=open_invoice, amount="1000.00")
    inventory.record_payment(invoice=open_invoice, amount=str(open_invoice.total - 1000))
    assert Invoice.objects.get(pk=open_invoice.pk).status == Invoice.Status.PAID

    push(ready, open_invoice)

    assert len(qbo_documents(qbo, "Payment")) == 2
    assert balances(qbo, open_invoice) == (Decimal("0.00"), Decimal("0.00"))
    attempt = SyncAttempt.objects.filter(local_id=open_invoice.pk, kind="invoice").first()
    assert attempt.outcome == "created" and "Recorded the payment" in attempt.message


def test_a_pushed_payment_does_not_come_back_as_a_second_one(ready, qbo, company, synced):
    inventory.record_payment(invoice=synced, amount="250.00")
    run_pending()

    inbound.sweep_connection(Connection.objects.get(company=company))  # sees the QBO payment

    assert list(Payment.objects.filter(invoice=synced).values_list("source", "amount")) == [
        ("manual", Decimal("250.00"))
    ]
    assert Invoice.objects.get(pk=synced.pk).amount_paid == Decimal("250.00")


def test_a_lost_answer_on_a_payment_is_found_not_duplicated(ready, qbo, synced):
    qbo.http.post(
        "/_emulator/faults",
        json={"kind": "reset_after", "method": "POST", "entity": "payment", "count": 1},
    )
    inventory.record_payment(invoice=synced, amount="75.00")
    run_pending()

    [payment] = qbo_documents(qbo, "Payment")
    binding = Binding.objects.get(kind="payment")
    assert binding.qbo_id == payment["Id"] and binding.parent_local_id == synced.pk
    assert balances(qbo, synced)[0] == balances(qbo, synced)[1]


def test_a_bulk_sync_brings_the_payments_of_the_invoices_it_creates(
    ready, qbo, company, customer, received_po, imei
):
    from cellbooks.quickbooks import outbox, worker
    from cellbooks.quickbooks.models import SyncRequest

    invoices = []
    for n in (11, 12):
        invoice = inventory.create_invoice(company=company, customer=customer)
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n)])
        invoice = inventory.open_invoice(invoice=invoice)
        inventory.record_payment(invoice=invoice, amount="20.00")
        invoices.append(invoice)
    key = outbox.request_many(company=company, kind="invoice", local_ids=[i.pk for i in invoices])

    worker.process_batch(
        list(SyncRequest.objects.filter(batch_key=key).values_list("pk", flat=True))
    )

    assert len(qbo_documents(qbo, "Payment")) == 2
    for invoice in invoices:
        qbo_balance, our_balance = balances(qbo, invoice)
        assert qbo_balance == our_balance == invoice.total - Decimal("20.00")


def test_a_sweep_between_a_lost_payment_answer_and_its_retry_does_not_count_it_twice(
    ready, qbo, company, synced
):
    """Found by the chaos test: the payment reached QuickBooks but its answer was lost, and the
    payments sweep ran before the retry. The sweep must recognise Cellbooks' own payment by its
    marker rather than bring it back as a customer's payment."""
    qbo.http.post(
        "/_emulator/faults",
        json={"kind": "reset_after", "method": "POST", "entity": "payment", "count": 1},
    )
    inventory.record_payment(invoice=synced, amount="75.00")
    run_pending(once=True)
    assert len(qbo_documents(qbo, "Payment")) == 1  # in QuickBooks, not linked here
    assert not Binding.objects.filter(kind="payment").exclude(qbo_id="").exists()

    inbound.sweep_connection(Connection.objects.get(company=company))

    assert list(Payment.objects.filter(invoice=synced).values_list("source", flat=True)) == [
        "manual"
    ]
    run_pending()
    [payment] = qbo_documents(qbo, "Payment")
    assert Binding.objects.get(kind="payment").qbo_id == payment["Id"]
    qbo_balance, our_balance = balances(qbo, synced)
    assert qbo_balance == our_balance == synced.total - Decimal("75.00")


def test_a_payment_typed_while_its_invoice_is_being_synced_still_reaches_quickbooks(
    ready, qbo, synced, monkeypatch
):
    """The worker has read the invoice's payments and is sending them when a second payment is
    typed: the request it would have queued is the one running. It is not merged into it and
    forgotten — the running request runs once more, and QuickBooks gets both payments."""
    from cellbooks.quickbooks import payments_out
    from cellbooks.quickbooks.models import SyncRequest

    inventory.record_payment(invoice=synced, amount="100.00")
    [running] = SyncRequest.objects.filter(status="pending", local_id=synced.pk)
    push_payments = payments_out.PaymentExporter.push
    typed = []

    def while_sending(self, invoice):
        notes = push_payments(self, invoice)  # the payments as they were when it read them
        if not typed:
            typed.append(inventory.record_payment(invoice=invoice, amount="250.00"))
            assert SyncRequest.objects.get(pk=running.pk).status == "running"
        return notes

    monkeypatch.setattr(payments_out.PaymentExporter, "push", while_sending)
    run_pending()

    amounts = sorted(Decimal(str(p["TotalAmt"])) for p in qbo_documents(qbo, "Payment"))
    assert amounts == [Decimal("100.00"), Decimal("250.00")]
    qbo_balance, our_balance = balances(qbo, synced)
    assert qbo_balance == our_balance == synced.total - Decimal("350.00")
    assert not SyncRequest.objects.filter(status__in=SyncRequest.OPEN_STATUSES).exists()

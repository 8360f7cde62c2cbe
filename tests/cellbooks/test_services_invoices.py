"""Invoices and payments: the state machine draft → open → partially paid → paid, and void."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Device, Invoice, Payment


def errors_of(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    return exc.value.message_dict


def status_of(device) -> str:
    return Device.objects.get(pk=device.pk).status


@pytest.fixture
def open_invoice(draft_invoice, stock):
    """An open invoice for the three stock devices at their prices: $1,350.00."""
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[d.identifier for d in stock]
    )
    return services.open_invoice(invoice=draft_invoice)


# --- creating and editing -----------------------------------------------------------------------


def test_the_due_date_follows_the_customers_terms(company, customer):
    invoice = services.create_invoice(
        company=company, customer=customer, date=datetime.date(2026, 3, 1)
    )
    assert (invoice.number, invoice.due_date) == ("INV-1001", datetime.date(2026, 3, 16))


def test_an_invoice_needs_a_customer(company, vendor):
    errors = errors_of(services.create_invoice, company=company, customer=vendor)
    assert errors == {
        "customer": ["Global Phone Supply is not a customer: mark it as a customer first."]
    }


def test_the_due_date_cannot_be_before_the_invoice_date(company, customer):
    errors = errors_of(
        services.create_invoice,
        company=company,
        customer=customer,
        date="2026-03-10",
        due_date="2026-03-01",
    )
    assert errors == {
        "due_date": ["The due date 2026-03-01 is before the invoice date 2026-03-10."]
    }


def test_changing_the_date_moves_a_due_date_that_followed_the_terms(draft_invoice):
    services.update_invoice(invoice=draft_invoice, date=datetime.date(2026, 5, 1))
    assert draft_invoice.due_date == datetime.date(2026, 5, 16)


# --- adding devices -----------------------------------------------------------------------------


def test_adding_devices_commits_them_at_their_prices(draft_invoice, stock):
    lines = services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[stock[0].identifier, stock[1].identifier]
    )
    assert [line.unit_price for line in lines] == [Decimal("400.00"), Decimal("450.00")]
    assert draft_invoice.total == Decimal("850.00")
    assert status_of(stock[0]) == Device.Status.COMMITTED


def test_a_unit_price_overrides_the_devices_price(draft_invoice, stock):
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[stock[0].identifier], unit_price="375.5"
    )
    assert draft_invoice.total == Decimal("375.50")


def test_it_accepts_scanned_identifiers_pasted_as_text(draft_invoice, stock):
    pasted = f"{stock[0].identifier}\n  {stock[1].identifier[:2]}-{stock[1].identifier[2:]} \n\n"
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=pasted)
    assert draft_invoice.lines.count() == 2


def test_it_names_every_bad_identifier_and_adds_none(company, customer, draft_invoice, stock, imei):
    other = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=other, identifiers=[stock[2].identifier])
    errors = errors_of(
        services.add_devices_to_invoice,
        invoice=draft_invoice,
        identifiers=[stock[0].identifier, stock[0].identifier, imei(77), stock[2].identifier],
    )
    assert errors == {
        "identifiers": [
            f"{stock[0].identifier} is listed twice.",
            f"{imei(77)}: no device with this IMEI or serial in this company.",
            f"{stock[2].identifier} is not in stock: it is reserved on draft invoice {other.number}.",
        ]
    }
    assert draft_invoice.lines.count() == 0
    assert status_of(stock[0]) == Device.Status.IN_STOCK


def test_a_device_without_a_price_needs_a_unit_price(company, draft_invoice, imei):
    product = services.get_or_create_product(
        company=company, manufacturer="Google", model="Pixel 7"
    )
    services.create_device(
        company=company, identifier=imei(50), product=product, condition="A", cost="200"
    )
    errors = errors_of(
        services.add_devices_to_invoice, invoice=draft_invoice, identifiers=[imei(50)]
    )
    assert errors == {"identifiers": [f"{imei(50)} has no price: give a unit price."]}


def test_another_companys_device_is_unknown(other_company, draft_invoice, imei):
    product = services.get_or_create_product(
        company=other_company, manufacturer="Google", model="Pixel 7"
    )
    services.create_device(
        company=other_company, identifier=imei(50), product=product, condition="A", cost="1"
    )
    errors = errors_of(
        services.add_devices_to_invoice,
        invoice=draft_invoice,
        identifiers=[imei(50)],
        unit_price="5",
    )
    assert errors == {
        "identifiers": [f"{imei(50)}: no device with this IMEI or serial in this company."]
    }


def test_removing_a_line_puts_the_device_back_in_stock(draft_invoice, stock):
    (line,) = services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[stock[0].identifier]
    )
    services.remove_invoice_line(line=line)
    assert status_of(stock[0]) == Device.Status.IN_STOCK
    assert Invoice.objects.get(pk=draft_invoice.pk).total == Decimal("0.00")


def test_changing_a_line_price_changes_the_total(draft_invoice, stock):
    (line,) = services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[stock[0].identifier]
    )
    services.set_invoice_line_price(line=line, unit_price="399.99")
    assert Invoice.objects.get(pk=draft_invoice.pk).total == Decimal("399.99")


# --- opening, paying, voiding -------------------------------------------------------------------


def test_opening_an_invoice_sells_its_devices(open_invoice, stock):
    assert open_invoice.status == Invoice.Status.OPEN
    assert open_invoice.opened_at is not None
    assert open_invoice.balance_due == Decimal("1350.00")
    assert {status_of(d) for d in stock} == {Device.Status.SOLD}


def test_an_empty_invoice_cannot_be_opened(draft_invoice):
    errors = errors_of(services.open_invoice, invoice=draft_invoice)
    assert errors == {
        "__all__": ["Invoice INV-1001 has no devices: add at least one before opening it."]
    }


def test_an_open_invoice_can_still_change_its_prices_and_lines(open_invoice):
    line = open_invoice.lines.order_by("unit_price").first()
    services.set_invoice_line_price(line=line, unit_price="380.00")
    stored = Invoice.objects.get(pk=open_invoice.pk)
    assert (stored.status, stored.total) == (Invoice.Status.OPEN, Decimal("1330.00"))
    services.remove_invoice_line(line=line)
    assert Device.objects.get(pk=line.device_id).status == Device.Status.IN_STOCK
    assert Invoice.objects.get(pk=open_invoice.pk).total == Decimal("950.00")


def test_a_device_added_to_an_open_invoice_is_sold_at_once(company, open_invoice, stock, imei):
    extra = services.create_device(
        company=company,
        identifier=imei(50),
        product=stock[0].product,
        condition=stock[0].condition,
        cost="100.00",
        price="200.00",
    )
    services.add_devices_to_invoice(invoice=open_invoice, identifiers=[imei(50)])
    assert Device.objects.get(pk=extra.pk).status == Device.Status.SOLD
    assert Invoice.objects.get(pk=open_invoice.pk).total == Decimal("1550.00")


def test_an_open_invoices_total_cannot_drop_below_what_was_paid(open_invoice):
    services.record_payment(invoice=open_invoice, amount="1,200.00")
    line = open_invoice.lines.order_by("-unit_price").first()
    errors = errors_of(services.remove_invoice_line, line=line)
    assert errors == {
        "__all__": [
            "Invoice INV-1001 would total $850.00, less than the $1,200.00 already paid or credited: "
            "delete or change a payment first."
        ]
    }
    assert Invoice.objects.get(pk=open_invoice.pk).total == Decimal("1350.00")


def test_a_paid_invoice_cannot_change_its_lines(open_invoice, imei):
    services.record_payment(invoice=open_invoice, amount="1350")
    errors = errors_of(services.add_devices_to_invoice, invoice=open_invoice, identifiers=[imei(1)])
    assert errors == {
        "__all__": [
            "Invoice INV-1001 is paid: only a draft, open or partially paid one can take new devices."
        ]
    }


def test_a_draft_invoice_takes_no_payment(draft_invoice):
    errors = errors_of(services.record_payment, invoice=draft_invoice, amount="10")
    assert errors == {
        "__all__": [
            "Invoice INV-1001 is draft: only an open or partially paid one can take payments."
        ]
    }


def test_a_payment_moves_the_invoice_through_partially_paid_to_paid(open_invoice):
    services.record_payment(invoice=open_invoice, amount="1,000.00", reference="wire 881")
    assert (open_invoice.status, open_invoice.balance_due) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("350.00"),
    )
    services.record_payment(invoice=open_invoice, amount="350", method="check")
    stored = Invoice.objects.get(pk=open_invoice.pk)
    assert (stored.status, stored.amount_paid, stored.balance_due) == (
        Invoice.Status.PAID,
        Decimal("1350.00"),
        0,
    )


def test_it_refuses_an_overpayment(open_invoice):
    services.record_payment(invoice=open_invoice, amount="1000")
    errors = errors_of(services.record_payment, invoice=open_invoice, amount="350.01")
    assert errors == {
        "amount": ["This payment of $350.01 is more than the balance due of $350.00."]
    }
    assert Payment.objects.filter(invoice=open_invoice).count() == 1


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_payment_must_be_more_than_zero(open_invoice, amount):
    errors = errors_of(services.record_payment, invoice=open_invoice, amount=amount)
    assert "amount" in errors


def test_a_paid_invoice_takes_no_more_payments(open_invoice):
    services.record_payment(invoice=open_invoice, amount="1350")
    errors = errors_of(services.record_payment, invoice=open_invoice, amount="1")
    assert errors == {
        "__all__": [
            "Invoice INV-1001 is paid: only an open or partially paid one can take payments."
        ]
    }


def test_deleting_a_payment_reopens_the_balance(open_invoice):
    services.record_payment(invoice=open_invoice, amount="1000")
    last = services.record_payment(invoice=open_invoice, amount="350")
    services.delete_payment(payment=last)
    stored = Invoice.objects.get(pk=open_invoice.pk)
    assert (stored.status, stored.balance_due) == (Invoice.Status.PARTIALLY_PAID, Decimal("350.00"))
    services.delete_payment(payment=Payment.objects.get(invoice=open_invoice))
    assert Invoice.objects.get(pk=open_invoice.pk).status == Invoice.Status.OPEN


@pytest.fixture
def ledger_integration():
    """An accounting integration other than QuickBooks: the inventory knows none by name."""
    from cellbooks.core.integrations import Integration, registry

    class Ledger(Integration):
        key, name = "ledger", "Ledger"

    registry.register(Ledger())
    yield
    registry.unregister("ledger")


def test_an_integrations_payment_is_recorded_once_per_invoice(open_invoice, ledger_integration):
    services.record_payment(invoice=open_invoice, amount="10", source="ledger", external_id="145")
    errors = errors_of(
        services.record_payment,
        invoice=open_invoice,
        amount="10",
        source="ledger",
        external_id="145",
    )
    assert errors == {
        "external_id": ["Ledger payment 145 is already recorded on Invoice INV-1001."]
    }


def test_a_payment_from_an_unknown_source_is_refused(open_invoice):
    errors = errors_of(services.record_payment, invoice=open_invoice, amount="10", source="abacus")
    assert list(errors) == ["source"] and "abacus" not in errors["source"][0]
    assert errors["source"][0].startswith("Source must be one of manual")


def test_a_person_cannot_delete_a_payment_an_integration_brought_in(
    open_invoice, ledger_integration
):
    payment = services.record_payment(
        invoice=open_invoice, amount="10", source="ledger", external_id="7"
    )
    errors = errors_of(services.delete_payment, payment=payment)
    assert errors == {
        "__all__": [
            "This payment came from Ledger: change or delete it in Ledger, and Cellbooks follows."
        ]
    }
    services.delete_payment(payment=payment, on_behalf_of="ledger")
    assert not Payment.objects.filter(invoice=open_invoice).exists()
    assert Invoice.objects.get(pk=open_invoice.pk).status == Invoice.Status.OPEN


def test_voiding_an_invoice_returns_its_devices_to_stock(open_invoice, stock):
    services.void_invoice(invoice=open_invoice)
    assert open_invoice.status == Invoice.Status.VOID
    assert open_invoice.voided_at is not None
    assert open_invoice.balance_due == Decimal("0.00")
    assert {status_of(d) for d in stock} == {Device.Status.IN_STOCK}


def test_a_device_from_a_void_invoice_can_be_sold_again(company, customer, open_invoice, stock):
    services.void_invoice(invoice=open_invoice)
    again = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=again, identifiers=[stock[0].identifier])
    assert selectors.device_current_invoice(device=stock[0]) == again


def test_an_invoice_with_payments_cannot_be_voided(open_invoice):
    services.record_payment(invoice=open_invoice, amount="100")
    errors = errors_of(services.void_invoice, invoice=open_invoice)
    assert errors == {"__all__": ["Invoice INV-1001 has a payment: delete its payments first."]}


def test_voiding_a_draft_invoice_releases_its_committed_devices(draft_invoice, stock):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[0].identifier])
    services.void_invoice(invoice=draft_invoice)
    assert status_of(stock[0]) == Device.Status.IN_STOCK


def test_recalculate_repairs_a_stale_total(open_invoice):
    Invoice.objects.filter(pk=open_invoice.pk).update(
        total=Decimal("1.00"), amount_paid=Decimal("1.00"), status="paid"
    )
    stale = Invoice.objects.get(pk=open_invoice.pk)
    services.recalculate_invoice(invoice=stale)
    stored = Invoice.objects.get(pk=open_invoice.pk)
    assert (stored.total, stored.amount_paid, stored.status) == (
        Decimal("1350.00"),
        Decimal("0.00"),
        "open",
    )


# --- selectors ----------------------------------------------------------------------------------


def test_the_dashboard_counts_stock_and_money_owed(company, open_invoice, imei):
    product = services.get_or_create_product(
        company=company, manufacturer="Google", model="Pixel 7"
    )
    services.create_device(
        company=company, identifier=imei(50), product=product, condition="A", cost="199.99"
    )
    services.record_payment(invoice=open_invoice, amount="1000")
    summary = selectors.dashboard_summary(company=company, today=open_invoice.date)
    assert summary["devices_in_stock"] == 1
    assert summary["stock_cost"] == Decimal("199.99")
    assert (summary["open_invoices"], summary["balance_due"]) == (1, Decimal("350.00"))
    assert summary["recent_invoices"] == [open_invoice]


def test_device_search_matches_identifiers_and_product_words(company, stock, other_company):
    assert selectors.search_devices(company=company, q=stock[0].identifier[-6:]).count() == 1
    assert selectors.search_devices(company=company, q="iphone 13 blue").count() == 3
    assert selectors.search_devices(company=company, q="pixel").count() == 0
    assert selectors.search_devices(company=company, status="sold").count() == 0
    assert selectors.search_devices(company=other_company, q="iphone").count() == 0

"""Invoice pages: list, create, scanning devices on, prices, opening, payments, voiding."""

from decimal import Decimal

from django.urls import reverse

from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import csv_import, services
from cellbooks.inventory.models import Device, Invoice, Payment


def make_imei(n: int) -> str:
    """The same valid IMEIs as conftest's ``imei`` fixture (the ``stock`` fixture uses 1–3)."""
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


def detail_url(invoice):
    return reverse("invoice_detail", args=[invoice.pk])


def test_the_whole_sale_from_create_to_paid(client_logged_in, customer, stock):
    # 1. Create: the due date follows the customer's terms (net 15).
    response = client_logged_in.post(
        reverse("invoice_create"),
        {
            "customer": customer.pk,
            "number": "INV-1001",
            "date": "2025-05-01",
            "due_date": "",
            "notes": "",
        },
    )
    invoice = Invoice.objects.get()
    assert response["Location"] == detail_url(invoice)
    assert str(invoice.due_date) == "2025-05-16"

    # 2. Scan two IMEIs (with a blank line and a double scan) at one price.
    scanned = f"{make_imei(1)}\n\n{make_imei(2)}\n{make_imei(2)}\n"
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[invoice.pk]),
        {"identifiers": scanned, "unit_price": "600.00"},
        follow=True,
    )
    page = response.content.decode()
    assert "Added 2 devices." in page
    assert make_imei(1) in page and make_imei(2) in page
    assert "1,200.00" in page
    assert Device.objects.get(identifier=make_imei(1)).status == Device.Status.COMMITTED

    # 3. Open: devices sold, balance due is the total.
    response = client_logged_in.post(reverse("invoice_open", args=[invoice.pk]), follow=True)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert Device.objects.get(identifier=make_imei(2)).status == Device.Status.SOLD
    assert 'id="record-payment"' in response.content.decode()

    # 4. A partial payment: partially paid, with its balance.
    response = client_logged_in.post(
        reverse("invoice_record_payment", args=[invoice.pk]),
        {"amount": "1,000.00", "date": "2025-05-10", "method": "check", "reference": "CHK 5521"},
        follow=True,
    )
    page = response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.balance_due == Decimal("200.00")
    assert "Payment of $1,000.00 recorded. Invoice INV-1001 is partially paid." in page
    assert "badge-partially_paid" in page
    assert 'id="balance-due">$200.00<' in page
    assert "CHK 5521" in page and "Check" in page and "Recorded in Cellbooks" in page

    # 5. The rest: paid, nothing left to pay, no payment form.
    response = client_logged_in.post(
        reverse("invoice_record_payment", args=[invoice.pk]),
        {"amount": "200.00", "date": "2025-05-12", "method": "wire", "reference": ""},
        follow=True,
    )
    page = response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance_due == Decimal("0.00")
    assert "badge-paid" in page
    assert 'id="record-payment"' not in page

    listing = client_logged_in.get(reverse("invoice_list"), {"status": "paid"}).content.decode()
    assert "INV-1001" in listing and "Metro Mobile Repair" in listing and "1,200.00" in listing


def open_invoice_for(draft_invoice, identifiers, price="500.00"):
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=identifiers, unit_price=price
    )
    services.open_invoice(invoice=draft_invoice)
    return draft_invoice


def test_an_overpayment_is_refused_on_the_amount_field(client_logged_in, draft_invoice, stock):
    invoice = open_invoice_for(draft_invoice, [make_imei(1)])
    response = client_logged_in.post(
        reverse("invoice_record_payment", args=[invoice.pk]),
        {"amount": "500.01", "date": "2025-05-10", "method": "wire", "reference": ""},
    )
    assert response.status_code == 200
    errors = response.context["payment_form"].errors["amount"]
    assert "more than the balance due of $500.00" in errors[0]
    assert (
        "Amount: This payment of $500.01 is more than the balance due" in response.content.decode()
    )
    assert not Payment.objects.exists()
    assert response.context["payment_form"]["amount"].value() == "500.01"


def test_the_payment_form_suggests_the_balance(client_logged_in, draft_invoice, stock):
    invoice = open_invoice_for(draft_invoice, [make_imei(1), make_imei(2)])
    response = client_logged_in.get(detail_url(invoice))
    assert response.context["payment_form"].initial["amount"] == Decimal("1000.00")


def test_deleting_a_payment_reopens_the_balance(client_logged_in, draft_invoice, stock):
    invoice = open_invoice_for(draft_invoice, [make_imei(1)])
    payment = services.record_payment(invoice=invoice, amount="500.00")
    response = client_logged_in.post(
        reverse("invoice_delete_payment", args=[invoice.pk, payment.pk]), follow=True
    )
    assert "Payment of $500.00 deleted." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.balance_due == Decimal("500.00")


def test_unknown_and_unavailable_imeis_are_all_listed_and_nothing_is_added(
    client_logged_in, draft_invoice, stock
):
    other = services.create_invoice(company=draft_invoice.company, customer=draft_invoice.customer)
    services.add_devices_to_invoice(invoice=other, identifiers=[make_imei(3)])
    scanned = f"{make_imei(1)}\n{make_imei(50)}\n{make_imei(3)}"
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]), {"identifiers": scanned}
    )
    assert response.status_code == 200
    errors = response.context["devices_form"].errors["identifiers"]
    page = response.content.decode()
    assert any(make_imei(50) in e and "no device" in e for e in errors)
    assert any(make_imei(3) in e and "not in stock" in e for e in errors)
    assert make_imei(50) in page
    assert not draft_invoice.lines.exists()
    assert response.context["devices_form"]["identifiers"].value() == scanned


def test_without_a_unit_price_each_device_sells_at_its_own_price(
    client_logged_in, draft_invoice, stock
):
    client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]),
        {"identifiers": f"{make_imei(1)}\n{make_imei(3)}"},
    )
    draft_invoice.refresh_from_db()
    assert draft_invoice.total == Decimal("900.00")


def test_editing_a_lines_price_and_removing_a_line(client_logged_in, draft_invoice, stock):
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[make_imei(1), make_imei(2)], unit_price="400"
    )
    first, second = draft_invoice.lines.order_by("id")
    client_logged_in.post(
        reverse("invoice_line_price", args=[draft_invoice.pk, first.pk]), {"unit_price": "1234.56"}
    )
    draft_invoice.refresh_from_db()
    assert draft_invoice.total == Decimal("1634.56")
    assert "1,634.56" in client_logged_in.get(detail_url(draft_invoice)).content.decode()

    bad = client_logged_in.post(
        reverse("invoice_line_price", args=[draft_invoice.pk, first.pk]),
        {"unit_price": "abc"},
        follow=True,
    )
    assert "Write an amount with digits, like 120.50." in bad.content.decode()

    client_logged_in.post(reverse("invoice_remove_line", args=[draft_invoice.pk, second.pk]))
    draft_invoice.refresh_from_db()
    assert draft_invoice.total == Decimal("1234.56")
    assert Device.objects.get(identifier=make_imei(2)).status == Device.Status.IN_STOCK


def test_opening_an_empty_invoice_shows_why_not(client_logged_in, draft_invoice):
    response = client_logged_in.post(reverse("invoice_open", args=[draft_invoice.pk]), follow=True)
    assert "has no devices" in response.content.decode()
    draft_invoice.refresh_from_db()
    assert draft_invoice.status == Invoice.Status.DRAFT


def test_void_asks_for_confirmation_then_puts_the_devices_back_in_stock(
    client_logged_in, draft_invoice, stock
):
    invoice = open_invoice_for(draft_invoice, [make_imei(1)])
    confirm = client_logged_in.get(reverse("invoice_void", args=[invoice.pk]))
    assert f"Void invoice {invoice.number}?" in confirm.content.decode()
    client_logged_in.post(reverse("invoice_void", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert Device.objects.get(identifier=make_imei(1)).status == Device.Status.IN_STOCK


def test_voiding_an_invoice_with_payments_shows_the_services_reason(
    client_logged_in, draft_invoice, stock
):
    invoice = open_invoice_for(draft_invoice, [make_imei(1)])
    services.record_payment(invoice=invoice, amount="100")
    response = client_logged_in.post(reverse("invoice_void", args=[invoice.pk]), follow=True)
    assert "delete its payments first" in response.content.decode()


def test_editing_a_draft_invoice(client_logged_in, draft_invoice, customer):
    response = client_logged_in.post(
        reverse("invoice_edit", args=[draft_invoice.pk]),
        {
            "customer": customer.pk,
            "number": "SPECIAL-1",
            "date": "2025-06-01",
            "due_date": "2025-06-30",
            "notes": "x",
        },
    )
    assert response.status_code == 302
    draft_invoice.refresh_from_db()
    assert (draft_invoice.number, str(draft_invoice.due_date)) == ("SPECIAL-1", "2025-06-30")


def test_a_due_date_before_the_invoice_date_is_refused(client_logged_in, customer):
    response = client_logged_in.post(
        reverse("invoice_create"),
        {
            "customer": customer.pk,
            "number": "INV-1001",
            "date": "2025-06-01",
            "due_date": "2025-05-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]
    assert not Invoice.objects.exists()


def test_the_list_filters_by_status(client_logged_in, draft_invoice, stock, company, customer):
    opened = open_invoice_for(
        services.create_invoice(company=company, customer=customer), [make_imei(1)]
    )
    page = client_logged_in.get(reverse("invoice_list"), {"status": "open"}).content.decode()
    assert opened.number in page and draft_invoice.number not in page
    everything = client_logged_in.get(reverse("invoice_list")).content.decode()
    assert opened.number in everything and draft_invoice.number in everything


def test_list_and_detail_pages_run_a_fixed_number_of_queries(
    client_logged_in, draft_po, company, customer, django_assert_max_num_queries
):
    text = "".join(
        f"{make_imei(300 + n)},Apple,iPhone {n % 4},64GB,Black,Unlocked,A,90,120\n"
        for n in range(30)
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    services.receive_purchase_order(purchase_order=draft_po)
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(
        invoice=invoice, identifiers=[make_imei(300 + n) for n in range(30)]
    )
    services.open_invoice(invoice=invoice)
    for n in range(5):
        services.record_payment(invoice=invoice, amount="10", reference=f"R{n}")
    for _ in range(20):
        services.create_invoice(company=company, customer=customer)
    with django_assert_max_num_queries(15):  # 12, its returns, its history and its margin
        assert client_logged_in.get(detail_url(invoice)).status_code == 200
    with django_assert_max_num_queries(10):
        assert client_logged_in.get(reverse("invoice_list")).status_code == 200

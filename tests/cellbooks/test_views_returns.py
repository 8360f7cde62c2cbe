"""The return pages, as a person uses them: from the invoice, scan what came back, complete."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cellbooks.inventory import returns, services
from cellbooks.inventory.models import CustomerReturn, Device, Invoice, VendorReturn


@pytest.fixture
def sold(company, customer, stock):
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=[d.identifier for d in stock])
    return services.open_invoice(invoice=invoice)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_return_from_the_invoice_page_to_completed(client_logged_in, sold, stock):
    invoice_page = page(client_logged_in, reverse("invoice_detail", args=[sold.pk]))
    start = f"{reverse('return_create')}?invoice={sold.pk}"
    assert start in invoice_page

    created = client_logged_in.post(
        start,
        {"invoice": sold.pk, "reason": "Battery swollen", "date": "2026-11-30", "credit": "apply"},
    )
    rma = CustomerReturn.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse(
        "return_detail", args=[rma.pk]
    )

    added = client_logged_in.post(
        reverse("return_add_devices", args=[rma.pk]),
        {
            "identifiers": f"{stock[0].identifier}\n{stock[0].identifier}",
            "disposition": "restock",
            "new_condition": "",
            "new_location": "Bin 4",
        },
    )
    assert added.status_code == 302
    detail = page(client_logged_in, reverse("return_detail", args=[rma.pk]))
    assert stock[0].identifier in detail and "400.00" in detail

    client_logged_in.post(reverse("return_complete", args=[rma.pk]))

    assert CustomerReturn.objects.get().status == CustomerReturn.Status.COMPLETED
    device = Device.objects.get(pk=stock[0].pk)
    assert (device.status, device.location) == (Device.Status.IN_STOCK, "Bin 4")
    invoice_page = page(client_logged_in, reverse("invoice_detail", args=[sold.pk]))
    assert 'id="amount-credited">$400.00' in invoice_page and rma.number in invoice_page
    assert Invoice.objects.get(pk=sold.pk).balance_due == Decimal("950.00")
    timeline = page(client_logged_in, reverse("device_detail", args=[stock[0].pk]))
    assert "Returned by the customer" in timeline and rma.number in timeline
    printed = page(client_logged_in, reverse("return_print", args=[rma.pk]))
    assert stock[0].identifier in printed and "Battery swollen" in printed


def test_a_device_not_on_the_invoice_is_refused_on_the_page(client_logged_in, company, sold):
    rma = returns.create_customer_return(company=company, invoice=sold, reason="x")
    response = client_logged_in.post(
        reverse("return_add_devices", args=[rma.pk]),
        {"identifiers": "990000000000000", "disposition": "restock"},
    )
    assert response.status_code == 200
    assert f"990000000000000 is not on invoice {sold.number}" in response.content.decode()


def test_removing_a_device_from_a_sent_invoice_asks_first(client_logged_in, sold, stock):
    line = sold.lines.get(device=stock[0])
    url = reverse("invoice_remove_line", args=[sold.pk, line.pk])
    asked = page(client_logged_in, url)
    assert "Take it off the invoice" in asked and "Record a return instead" in asked
    assert "1,350.00" in asked and "950.00" in asked
    assert Invoice.objects.get(pk=sold.pk).lines.count() == 3  # nothing happened on GET

    client_logged_in.post(url)
    assert Invoice.objects.get(pk=sold.pk).lines.count() == 2


def test_voiding_a_paid_invoice_shows_a_path_not_a_dead_end(client_logged_in, sold):
    services.record_payment(invoice=sold, amount="1350.00")
    void_page = page(client_logged_in, reverse("invoice_void", args=[sold.pk]))
    assert "record a return" in void_page and "remove its payments where they live" in void_page
    assert "Void invoice" not in void_page.split("</h1>", 1)[1]  # no button that cannot work


def test_a_vendor_return_through_the_pages(client_logged_in, company, vendor, stock):
    chooser = page(client_logged_in, reverse("vendor_return_create"))
    assert vendor.name in chooser
    client_logged_in.post(
        f"{reverse('vendor_return_create')}?vendor={vendor.pk}",
        {
            "vendor": vendor.pk,
            "reason": "Dead on arrival",
            "date": "2026-11-30",
            "purchase_order": "",
        },
    )
    rtv = VendorReturn.objects.get()
    client_logged_in.post(
        reverse("vendor_return_add_devices", args=[rtv.pk]),
        {"identifiers": stock[2].identifier, "credit_amount": ""},
    )
    client_logged_in.post(reverse("vendor_return_complete", args=[rtv.pk]))

    assert VendorReturn.objects.get().total == Decimal("300.00")
    assert Device.objects.get(pk=stock[2].pk).status == Device.Status.RETURNED
    listing = page(client_logged_in, reverse("vendor_return_list"))
    assert rtv.number in listing and "Dead on arrival" in listing


def test_a_draft_po_and_a_draft_invoice_can_be_deleted_from_their_pages(
    client_logged_in, company, vendor, customer, draft_po
):
    client_logged_in.post(reverse("purchase_order_delete", args=[draft_po.pk]))
    invoice = services.create_invoice(company=company, customer=customer)
    client_logged_in.post(reverse("invoice_delete", args=[invoice.pk]))
    assert not type(draft_po).objects.filter(pk=draft_po.pk).exists()
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_another_companys_return_answers_404(client_logged_in, other_company):
    from cellbooks.inventory.models import Partner

    customer = Partner.objects.create(company=other_company, name="Theirs", is_customer=True)
    invoice = Invoice.objects.create(
        company=other_company, customer=customer, number="X-1", status="open"
    )
    rma = CustomerReturn.objects.create(
        company=other_company, invoice=invoice, customer=customer, number="R-1", reason="x"
    )
    for name in ("return_detail", "return_edit", "return_print", "return_void"):
        assert client_logged_in.get(reverse(name, args=[rma.pk])).status_code == 404
    assert (
        client_logged_in.get(f"{reverse('return_create')}?invoice={invoice.pk}").status_code == 404
    )

"""Dashboard, devices, partners and integrations pages show the company's real data."""

from decimal import Decimal

from django.urls import reverse

from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import csv_import, services
from cellbooks.inventory.models import Condition, Device, Partner


def make_imei(n: int) -> str:
    """The same valid IMEIs as conftest's ``imei`` fixture (the ``stock`` fixture uses 1–3)."""
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


# Dashboard -----------------------------------------------------------------------------------


def test_the_dashboard_shows_stock_and_money_owed(client_logged_in, stock, draft_invoice):
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[make_imei(1)], unit_price="1500.00"
    )
    services.open_invoice(invoice=draft_invoice)
    services.record_payment(invoice=draft_invoice, amount="250.25")
    page = client_logged_in.get(reverse("dashboard")).content.decode()
    assert 'id="devices-in-stock">2<' in page
    assert 'id="stock-cost">$600.00<' in page
    assert 'id="open-invoices">1<' in page
    assert 'id="balance-due">$1,249.75<' in page
    assert draft_invoice.number in page and "Metro Mobile Repair" in page
    assert stock[0].purchase_line.purchase_order.number in page and "Global Phone Supply" in page


def test_the_dashboard_counts_only_this_companys_data(client_logged_in, other_company):
    vendor = services.create_partner(company=other_company, name="Elsewhere", is_vendor=True)
    po = services.create_purchase_order(company=other_company, vendor=vendor, number="RIVAL-PO-1")
    services.add_device_to_purchase_order(
        purchase_order=po,
        identifier=make_imei(77),
        manufacturer="Apple",
        model="iPhone 12",
        condition="A",
        cost="100",
    )
    page = client_logged_in.get(reverse("dashboard")).content.decode()
    assert 'id="devices-in-stock">0<' in page
    assert "RIVAL-PO-1" not in page


# Devices -------------------------------------------------------------------------------------


def test_the_device_list_shows_devices_with_product_condition_and_status(client_logged_in, stock):
    page = client_logged_in.get(reverse("device_list")).content.decode()
    for device in stock:
        assert device.identifier in page
    assert "Apple iPhone 13 128GB Blue Unlocked" in page
    assert "badge-in_stock" in page
    assert "300.00" in page and "450.00" in page


def test_searching_by_imei_finds_the_one_device(client_logged_in, stock):
    response = client_logged_in.get(reverse("device_list"), {"q": make_imei(2)})
    assert [d.identifier for d in response.context["page_obj"]] == [make_imei(2)]


def test_filtering_by_product_condition_and_status(client_logged_in, stock, draft_po, company):
    po = services.create_purchase_order(company=company, vendor=draft_po.vendor)
    services.add_device_to_purchase_order(
        purchase_order=po,
        identifier="SN-TAB-1",
        manufacturer="Samsung",
        model="Galaxy Tab S8",
        condition="B",
        cost="200",
    )
    tablet = Device.objects.get(identifier="SN-TAB-1")
    by_product = client_logged_in.get(reverse("device_list"), {"product": tablet.product_id})
    assert [d.identifier for d in by_product.context["page_obj"]] == ["SN-TAB-1"]
    condition_a = Condition.objects.get(company=company, code="A")
    by_condition = client_logged_in.get(reverse("device_list"), {"condition": condition_a.pk})
    assert {d.identifier for d in by_condition.context["page_obj"]} == {d.identifier for d in stock}
    sold = client_logged_in.get(reverse("device_list"), {"status": "sold"})
    assert list(sold.context["page_obj"]) == []
    assert "No device matches these filters." in sold.content.decode()


def test_the_device_list_is_paginated_at_50(client_logged_in, draft_po):
    text = "".join(
        f"{make_imei(100 + n)},Apple,iPhone 11,64GB,Black,Unlocked,C,90\n" for n in range(55)
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    first = client_logged_in.get(reverse("device_list"))
    assert len(first.context["page_obj"]) == 50
    second = client_logged_in.get(reverse("device_list"), {"page": "2", "q": "iphone"})
    assert len(second.context["page_obj"]) == 5
    assert "Page 2 of 2" in second.content.decode()
    assert "q=iphone" in second.content.decode()  # the previous link keeps the search


def test_the_device_list_runs_a_fixed_number_of_queries(
    client_logged_in, draft_po, django_assert_max_num_queries
):
    text = "".join(
        f"{make_imei(200 + n)},Apple,iPhone {n % 5},64GB,Black,Unlocked,C,90\n" for n in range(50)
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    with django_assert_max_num_queries(12):
        assert client_logged_in.get(reverse("device_list")).status_code == 200


def test_the_device_detail_shows_its_po_and_invoice(client_logged_in, stock, draft_invoice):
    device = stock[0]
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[device.identifier], unit_price="777.00"
    )
    page = client_logged_in.get(reverse("device_detail", args=[device.pk])).content.decode()
    assert device.identifier in page
    assert device.purchase_line.purchase_order.number in page
    assert "Global Phone Supply" in page
    assert draft_invoice.number in page and "Metro Mobile Repair" in page and "777.00" in page


def test_adding_a_device_outside_a_po(client_logged_in, company):
    condition_b = Condition.objects.get(company=company, code="B")
    response = client_logged_in.post(
        reverse("device_create"),
        {
            "identifier": make_imei(5),
            "manufacturer": "Google",
            "model": "Pixel 7",
            "capacity": "128GB",
            "colour": "Snow",
            "network": "Unlocked",
            "condition": condition_b.pk,
            "cost": "210.00",
            "price": "",
            "location": "Bin 4",
            "notes": "Trade-in",
        },
        follow=True,
    )
    device = Device.objects.get(identifier=make_imei(5))
    assert response.redirect_chain[-1][0] == reverse("device_detail", args=[device.pk])
    assert (device.product.display_name, device.condition, device.cost, device.price) == (
        "Google Pixel 7 128GB Snow Unlocked",
        condition_b,
        Decimal("210.00"),
        None,
    )
    assert "Added to stock directly" in response.content.decode()


def test_a_duplicate_imei_is_refused_on_its_field(client_logged_in, stock, company):
    response = client_logged_in.post(
        reverse("device_create"),
        {
            "identifier": make_imei(1),
            "manufacturer": "Apple",
            "model": "iPhone 13",
            "condition": Condition.objects.get(company=company, code="A").pk,
            "cost": "10",
        },
    )
    assert response.status_code == 200
    assert "already in stock" in str(response.context["form"].errors["identifier"])


def test_editing_a_device(client_logged_in, stock, company):
    device = stock[0]
    condition_c = Condition.objects.get(company=company, code="C")
    response = client_logged_in.post(
        reverse("device_edit", args=[device.pk]),
        {
            "identifier": device.identifier,
            "product": device.product_id,
            "condition": condition_c.pk,
            "cost": "300.00",
            "price": "1,050.00",
            "location": "Safe",
            "notes": "Cracked back",
        },
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.condition, device.price, device.location) == (
        condition_c,
        Decimal("1050.00"),
        "Safe",
    )


def test_a_cost_fixed_by_a_received_po_is_refused_on_the_cost_field(client_logged_in, stock):
    device = stock[0]
    response = client_logged_in.post(
        reverse("device_edit", args=[device.pk]),
        {
            "identifier": device.identifier,
            "product": device.product_id,
            "condition": device.condition_id,
            "cost": "1.00",
        },
    )
    assert response.status_code == 200
    assert "The cost comes from" in str(response.context["form"].errors["cost"])


# Partners ------------------------------------------------------------------------------------


def test_the_partner_list_filters_vendors_and_customers(
    client_logged_in, vendor, customer, company
):
    both = services.create_partner(
        company=company, name="Two Way Trading", is_vendor=True, is_customer=True
    )
    vendors = client_logged_in.get(reverse("partner_list"), {"role": "vendor"}).context["page_obj"]
    customers = client_logged_in.get(reverse("partner_list"), {"role": "customer"}).context[
        "page_obj"
    ]
    assert [p.name for p in vendors] == [vendor.name, both.name]
    assert [p.name for p in customers] == [customer.name, both.name]
    page = client_logged_in.get(reverse("partner_list")).content.decode()
    assert "Global Phone Supply" in page and "Metro Mobile Repair" in page and "Net 15" in page


def test_the_partner_detail_shows_their_pos_and_invoices(client_logged_in, company, stock):
    both = services.create_partner(
        company=company, name="Two Way Trading", is_vendor=True, is_customer=True
    )
    po = services.create_purchase_order(company=company, vendor=both, number="PO-TWO-WAY")
    invoice = services.create_invoice(company=company, customer=both, number="INV-TWO-WAY")
    page = client_logged_in.get(reverse("partner_detail", args=[both.pk])).content.decode()
    assert po.number in page and invoice.number in page
    assert "badge-vendor" in page and "badge-customer" in page


def test_creating_a_partner(client_logged_in, company):
    response = client_logged_in.post(
        reverse("partner_create"),
        {
            "name": "Phone Depot",
            "is_customer": "on",
            "email": "buy@phonedepot.test",
            "phone": "555-0100",
            "address": "1 Main St",
            "payment_terms_days": "45",
            "notes": "",
        },
    )
    partner = Partner.objects.get(company=company, name="Phone Depot")
    assert response["Location"] == reverse("partner_detail", args=[partner.pk])
    assert (partner.is_customer, partner.is_vendor, partner.payment_terms_days) == (True, False, 45)


def test_a_partner_needs_a_role_and_a_unique_name(client_logged_in, vendor):
    no_role = client_logged_in.post(
        reverse("partner_create"), {"name": "Nobody", "payment_terms_days": "30"}
    )
    assert "vendor, a customer, or both" in no_role.content.decode()
    clash = client_logged_in.post(
        reverse("partner_create"),
        {"name": "global phone supply", "is_vendor": "on", "payment_terms_days": "30"},
    )
    assert "There is already a partner called Global Phone Supply." in str(
        clash.context["form"].errors["name"]
    )


def test_editing_a_partner_keeps_a_role_in_use(client_logged_in, draft_po, vendor):
    response = client_logged_in.post(
        reverse("partner_edit", args=[vendor.pk]),
        {"name": "Global Phone Supply Ltd", "is_customer": "on", "payment_terms_days": "30"},
    )
    assert response.status_code == 200
    assert "must stay a vendor" in response.content.decode()
    ok = client_logged_in.post(
        reverse("partner_edit", args=[vendor.pk]),
        {
            "name": "Global Phone Supply Ltd",
            "is_vendor": "on",
            "is_customer": "on",
            "payment_terms_days": "10",
        },
    )
    assert ok.status_code == 302
    vendor.refresh_from_db()
    assert (vendor.name, vendor.is_customer, vendor.payment_terms_days) == (
        "Global Phone Supply Ltd",
        True,
        10,
    )


# Integrations --------------------------------------------------------------------------------


def test_the_integrations_page_has_a_quickbooks_card(client_logged_in):
    page = client_logged_in.get(reverse("integrations")).content.decode()
    assert 'id="quickbooks-card"' in page
    assert "Not connected" in page
    assert f'href="{reverse("quickbooks_overview")}"' in page and "Get started" in page


def test_the_quickbooks_page_explains_the_integration(client_logged_in):
    page = client_logged_in.get(reverse("quickbooks_overview")).content.decode()
    assert "grouped by model and condition" in page
    assert "Payments come back" in page

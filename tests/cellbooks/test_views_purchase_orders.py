"""Purchase order pages: list, create, detail, adding devices one by one or by CSV, transitions."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import csv_import, services
from cellbooks.inventory.models import Condition, Device, Product, PurchaseOrder


def make_imei(n: int) -> str:
    """The same valid IMEIs as conftest's ``imei`` fixture (the ``stock`` fixture uses 1–3)."""
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


HEADER = "imei,manufacturer,model,capacity,colour,network,condition,cost\n"


def detail_url(po):
    return reverse("purchase_order_detail", args=[po.pk])


def add_device(po, n, *, model="iPhone 13", condition="A", cost="300.00"):
    return services.add_device_to_purchase_order(
        purchase_order=po,
        identifier=make_imei(n),
        manufacturer="Apple",
        model=model,
        capacity="128GB",
        colour="Blue",
        network="Unlocked",
        condition=condition,
        cost=cost,
    )


def test_the_list_shows_each_po_with_vendor_status_devices_and_total(client_logged_in, draft_po):
    add_device(draft_po, 1, cost="1250.50")
    add_device(draft_po, 2, cost="1000.00")
    page = client_logged_in.get(reverse("purchase_order_list")).content.decode()
    assert draft_po.number in page
    assert "Global Phone Supply" in page
    assert "badge-draft" in page
    assert "2,250.50" in page


def test_the_list_filters_by_status(client_logged_in, draft_po, stock, company, vendor):
    other = services.create_purchase_order(company=company, vendor=vendor, number="PO-DRAFT-2")
    received = client_logged_in.get(
        reverse("purchase_order_list"), {"status": "received"}
    ).content.decode()
    assert draft_po.number in received  # the stock fixture received it
    assert other.number not in received


def test_the_create_form_suggests_the_next_number(client_logged_in, vendor):
    response = client_logged_in.get(reverse("purchase_order_create"))
    assert response.context["form"].initial["number"] == "PO-1001"
    assert 'value="PO-1001"' in response.content.decode()


def test_creating_a_po_with_the_suggested_number_takes_it_from_the_sequence(
    client_logged_in, vendor
):
    response = client_logged_in.post(
        reverse("purchase_order_create"),
        {"vendor": vendor.pk, "number": "PO-1001", "date": "2025-03-04", "notes": "Lot 7"},
    )
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(po)
    assert (po.number, str(po.date), po.notes, po.vendor) == (
        "PO-1001",
        "2025-03-04",
        "Lot 7",
        vendor,
    )
    assert (
        client_logged_in.get(reverse("purchase_order_create")).context["form"].initial["number"]
        == "PO-1002"
    )


def test_a_typed_number_longer_than_21_characters_is_refused_on_its_field(client_logged_in, vendor):
    response = client_logged_in.post(
        reverse("purchase_order_create"),
        {"vendor": vendor.pk, "number": "X" * 22, "date": "2025-03-04"},
    )
    assert response.status_code == 200
    assert "at most 21 characters" in str(response.context["form"].errors["number"])
    assert not PurchaseOrder.objects.exists()


def test_a_duplicate_number_from_the_service_is_shown_on_the_number_field(
    client_logged_in, vendor, draft_po
):
    response = client_logged_in.post(
        reverse("purchase_order_create"),
        {"vendor": vendor.pk, "number": draft_po.number, "date": "2025-03-04"},
    )
    assert response.status_code == 200
    assert "already has the number" in str(response.context["form"].errors["number"])


def test_the_vendor_list_offers_only_this_companys_vendors(
    client_logged_in, vendor, customer, other_company
):
    foreign = services.create_partner(company=other_company, name="Foreign Vendor", is_vendor=True)
    response = client_logged_in.get(reverse("purchase_order_create"))
    vendors = list(response.context["form"].fields["vendor"].queryset)
    assert vendors == [vendor]
    bad = client_logged_in.post(
        reverse("purchase_order_create"),
        {"vendor": foreign.pk, "number": "PO-9", "date": "2025-03-04"},
    )
    assert "vendor" in bad.context["form"].errors


def test_editing_a_po_changes_its_number_and_notes(client_logged_in, draft_po, vendor):
    response = client_logged_in.post(
        reverse("purchase_order_edit", args=[draft_po.pk]),
        {"vendor": vendor.pk, "number": "LOT-77", "date": "2025-01-02", "notes": "Corrected"},
    )
    assert response.status_code == 302
    draft_po.refresh_from_db()
    assert (draft_po.number, draft_po.notes) == ("LOT-77", "Corrected")


def test_the_detail_groups_lines_by_product_condition_and_cost_with_the_total(
    client_logged_in, draft_po
):
    """A group on the page is one line of the QuickBooks document: same product, same grade,
    same unit cost (two grade-A iPhone 13s at different costs are two lines)."""
    add_device(draft_po, 1, condition="A", cost="300.00")
    add_device(draft_po, 2, condition="A", cost="310.00")
    add_device(draft_po, 3, condition="B", cost="250.00")
    add_device(draft_po, 4, model="iPhone 14", condition="A", cost="1400.00")
    response = client_logged_in.get(detail_url(draft_po))
    page = response.content.decode()
    groups = response.context["groups"]
    assert [
        (str(g.product), g.condition.code, len(g.lines), g.unit_amount, g.subtotal) for g in groups
    ] == [
        ("Apple iPhone 13 128GB Blue Unlocked", "A", 1, Decimal("300.00"), Decimal("300.00")),
        ("Apple iPhone 13 128GB Blue Unlocked", "A", 1, Decimal("310.00"), Decimal("310.00")),
        ("Apple iPhone 13 128GB Blue Unlocked", "B", 1, Decimal("250.00"), Decimal("250.00")),
        ("Apple iPhone 14 128GB Blue Unlocked", "A", 1, Decimal("1400.00"), Decimal("1400.00")),
    ]
    assert "2,260.00" in page
    for n in range(1, 5):
        assert make_imei(n) in page


def test_adding_one_device_through_the_form(client_logged_in, draft_po, company):
    condition_a = company_condition(company, "A")
    response = client_logged_in.post(
        reverse("purchase_order_add_device", args=[draft_po.pk]),
        {
            "identifier": make_imei(9),
            "manufacturer": "Samsung",
            "model": "Galaxy S22",
            "capacity": "256GB",
            "colour": "Black",
            "network": "Unlocked",
            "condition": condition_a.pk,
            "cost": "410.00",
            "price": "520.00",
            "location": "Shelf 3",
        },
        follow=True,
    )
    assert f"Added {make_imei(9)}." in response.content.decode()
    device = Device.objects.get(identifier=make_imei(9))
    assert (device.cost, device.price, device.location, device.status) == (
        Decimal("410.00"),
        Decimal("520.00"),
        "Shelf 3",
        Device.Status.INCOMING,
    )
    assert device.purchase_line.purchase_order == draft_po


def test_a_bad_imei_on_the_single_form_is_shown_on_its_field(client_logged_in, draft_po, company):
    response = client_logged_in.post(
        reverse("purchase_order_add_device", args=[draft_po.pk]),
        {
            "identifier": "356938035643808",  # wrong check digit
            "manufacturer": "Apple",
            "model": "iPhone 13",
            "condition": company_condition(company, "A").pk,
            "cost": "300",
        },
    )
    assert response.status_code == 200
    assert response.context["device_form"].errors["identifier"]
    assert "IMEI or serial: " in response.content.decode()
    assert not Device.objects.exists()


def company_condition(company, code):
    return Condition.objects.get(company=company, code=code)


def test_pasting_good_csv_adds_every_device_and_says_how_many(client_logged_in, draft_po, company):
    text = (
        HEADER
        + "".join(
            f"{make_imei(n)},Apple,iPhone 15,256GB,Black,Unlocked,B,{500 + n}.00\n"
            for n in range(1, 4)
        )
        + f"{make_imei(4)},Google,Pixel 8,128GB,Obsidian,Unlocked,A,350.00\n"
    )
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]), {"text": text}, follow=True
    )
    page = response.content.decode()
    assert "Added 4 devices (2 new products)." in page
    for n in range(1, 5):
        assert make_imei(n) in page
    assert draft_po.lines.count() == 4
    assert Product.objects.filter(company=company).count() == 2
    devices_page = client_logged_in.get(reverse("device_list")).content.decode()
    assert make_imei(4) in devices_page and "Google Pixel 8 128GB Obsidian Unlocked" in devices_page


def test_pasting_bad_csv_lists_every_bad_row_keeps_the_text_and_writes_nothing(
    client_logged_in, draft_po, stock
):
    draft = services.create_purchase_order(company=draft_po.company, vendor=draft_po.vendor)
    text = (
        HEADER
        + f"{make_imei(20)},Apple,iPhone 13,128GB,Blue,Unlocked,A,300.00\n"  # row 2: good
        + "356938035643808,Apple,iPhone 13,128GB,Blue,Unlocked,A,300.00\n"  # row 3: bad check digit
        + f"{make_imei(21)},Apple,iPhone 13,128GB,Blue,Unlocked,A,abc\n"  # row 4: bad money
        + f"{make_imei(20)},Apple,iPhone 13,128GB,Blue,Unlocked,A,300.00\n"  # row 5: duplicate in file
        + f"{make_imei(1)},Apple,iPhone 13,128GB,Blue,Unlocked,A,300.00\n"  # row 6: already in stock
        + f"{make_imei(22)},,iPhone 13,128GB,Blue,Unlocked,A,300.00\n"  # row 7: missing manufacturer
    )
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft.pk]), {"text": text}
    )
    assert response.status_code == 200
    errors = response.context["import_errors"]
    assert sorted({e.row for e in errors}) == [3, 4, 5, 6, 7]
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert 'id="import-errors"' in page
    for e in errors:
        assert e.message in page.replace("&#x27;", "'")
    assert "already in stock" in page
    assert "<td>IMEI/serial</td>" in page  # the column as the user's file names it
    # The pasted text is still in the textarea, so nothing is lost.
    textarea = response.context["import_form"]["text"].value()
    assert textarea == text
    assert "356938035643808" in page.split('name="text"')[1]
    assert draft.lines.count() == 0
    assert not Device.objects.filter(identifier=make_imei(20)).exists()


def test_uploading_a_csv_file_adds_its_devices(client_logged_in, draft_po):
    content = (HEADER + f"{make_imei(31)},Apple,iPad Air,64GB,Grey,Wi-Fi,C,199.99\n").encode(
        "utf-8-sig"
    )
    upload = SimpleUploadedFile("lot.csv", content, content_type="text/csv")
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]),
        {"text": "", "file": upload},
        follow=True,
    )
    assert "Added 1 device (1 new product)." in response.content.decode()
    assert Device.objects.get(identifier=make_imei(31)).cost == Decimal("199.99")


def test_a_bad_uploaded_file_is_reported_and_its_text_put_in_the_textarea(
    client_logged_in, draft_po
):
    content = (HEADER + "12345,Apple,iPhone 13,128GB,Blue,Unlocked,Z,300\n").encode()
    upload = SimpleUploadedFile("lot.csv", content, content_type="text/csv")
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert {e.row for e in response.context["import_errors"]} == {2}
    assert response.context["import_form"]["text"].value() == content.decode()


def test_an_empty_import_asks_for_csv(client_logged_in, draft_po):
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]), {"text": "  "}
    )
    assert response.status_code == 200
    assert "Paste CSV rows or choose a .csv file." in response.content.decode()


def test_removing_a_line_deletes_the_device_that_never_arrived(client_logged_in, draft_po):
    line = add_device(draft_po, 1)
    response = client_logged_in.post(
        reverse("purchase_order_remove_line", args=[draft_po.pk, line.pk]), follow=True
    )
    assert f"Removed {make_imei(1)}." in response.content.decode()
    assert not draft_po.lines.exists()
    assert not Device.objects.filter(identifier=make_imei(1)).exists()


def test_receive_then_close(client_logged_in, draft_po):
    add_device(draft_po, 1)
    response = client_logged_in.post(
        reverse("purchase_order_receive", args=[draft_po.pk]), follow=True
    )
    assert "received" in response.content.decode()
    draft_po.refresh_from_db()
    assert draft_po.status == PurchaseOrder.Status.RECEIVED
    assert 'id="add-device"' not in response.content.decode()  # no more lines once received

    client_logged_in.post(reverse("purchase_order_close", args=[draft_po.pk]))
    draft_po.refresh_from_db()
    assert draft_po.status == PurchaseOrder.Status.CLOSED


def test_receiving_an_empty_po_shows_the_services_reason(client_logged_in, draft_po):
    response = client_logged_in.post(
        reverse("purchase_order_receive", args=[draft_po.pk]), follow=True
    )
    assert "has no devices" in response.content.decode()
    draft_po.refresh_from_db()
    assert draft_po.status == PurchaseOrder.Status.DRAFT


def test_transitions_refuse_get(client_logged_in, draft_po):
    assert (
        client_logged_in.get(reverse("purchase_order_receive", args=[draft_po.pk])).status_code
        == 405
    )
    assert (
        client_logged_in.get(reverse("purchase_order_close", args=[draft_po.pk])).status_code == 405
    )


def test_void_asks_for_confirmation_then_returns_the_devices(client_logged_in, draft_po):
    add_device(draft_po, 1)
    confirm = client_logged_in.get(reverse("purchase_order_void", args=[draft_po.pk]))
    assert confirm.status_code == 200
    assert f"Void purchase order {draft_po.number}?" in confirm.content.decode()
    draft_po.refresh_from_db()
    assert draft_po.status == PurchaseOrder.Status.DRAFT

    response = client_logged_in.post(
        reverse("purchase_order_void", args=[draft_po.pk]), follow=True
    )
    assert "voided" in response.content.decode()
    draft_po.refresh_from_db()
    assert draft_po.status == PurchaseOrder.Status.VOID
    assert Device.objects.get(identifier=make_imei(1)).status == Device.Status.RETURNED


def test_the_list_is_paginated_at_50(client_logged_in, company, vendor):
    for _ in range(51):
        services.create_purchase_order(company=company, vendor=vendor)
    first = client_logged_in.get(reverse("purchase_order_list"))
    assert len(first.context["page_obj"]) == 50
    second = client_logged_in.get(reverse("purchase_order_list"), {"page": 2})
    assert len(second.context["page_obj"]) == 1
    assert "Page 2 of 2" in second.content.decode()


def test_list_and_detail_pages_run_a_fixed_number_of_queries(
    client_logged_in, draft_po, company, vendor, django_assert_max_num_queries
):
    text = "".join(
        f"{make_imei(300 + n)},Apple,iPhone {n % 4},64GB,Black,Unlocked,{'ABCD'[n % 4]},90\n"
        for n in range(40)
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    for _ in range(20):
        services.create_purchase_order(company=company, vendor=vendor)
    with django_assert_max_num_queries(12):
        assert client_logged_in.get(detail_url(draft_po)).status_code == 200
    with django_assert_max_num_queries(10):
        assert client_logged_in.get(reverse("purchase_order_list")).status_code == 200


def test_a_large_purchase_order_page_shows_its_groups_with_exact_subtotals(
    client_logged_in, company, vendor, imei
):
    from decimal import Decimal

    from cellbooks.inventory import csv_import, services
    from cellbooks.inventory.views import LARGE_DOCUMENT

    po = services.create_purchase_order(company=company, vendor=vendor)
    rows = "\n".join(
        f"{imei(5000 + n)},Apple,iPhone {12 + n % 2},128GB,Blue,Unlocked,{'AB'[n % 2]},{Decimal('100.10') + n % 3}"
        for n in range(LARGE_DOCUMENT + 1)
    )
    csv_import.import_purchase_order_csv(purchase_order=po, text=rows)

    page = client_logged_in.get(f"/purchase-orders/{po.pk}/").content.decode()

    # Two products (one grade each) at three costs: six groups, as QuickBooks will get six lines.
    assert f"{LARGE_DOCUMENT + 1} devices" in page and "in 6 groups" in page
    assert imei(5000) not in page  # device rows are not rendered
    iphone_12_at_100_10 = [n for n in range(0, LARGE_DOCUMENT + 1, 2) if n % 3 == 0]
    count = len(iphone_12_at_100_10)
    assert f"iPhone 12 128GB Blue Unlocked · grade A · {count} devices at $100.10" in page
    assert f"{Decimal('100.10') * count:,.2f}" in page

"""Pages worded for people: the problems a wholesaler found in week one, each checked gone — and
the device details buyers dispute on, in the forms, the CSV import and the filters."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cellbooks.core.money import format_money
from cellbooks.inventory import csv_import, services
from cellbooks.inventory.models import Device

HEADER = "imei,manufacturer,model,capacity,colour,network,condition,cost"


def nav_active(page: str) -> list[str]:
    nav = page.split('<nav class="nav">')[1].split("</nav>")[0]
    return [
        part.split(">")[1].split("<")[0]
        for part in nav.split("<a ")[1:]
        if 'class="active"' in part.split(">")[0]
    ]


def test_one_menu_item_is_highlighted_on_every_page(client_logged_in, stock, draft_invoice):
    pages = {
        reverse("dashboard"): ["Dashboard"],
        reverse("device_list"): ["Devices"],
        reverse("device_detail", args=[stock[0].pk]): ["Devices"],
        reverse("invoice_detail", args=[draft_invoice.pk]): ["Invoices"],
        reverse("price_sheet"): ["Price sheet"],
        reverse("margin_report"): ["Reports"],
        reverse("receivables"): ["Reports"],
        reverse("partner_list"): ["Partners"],
        reverse("integrations"): ["Integrations"],
        reverse("quickbooks_overview"): ["Integrations"],
    }
    for url, expected in pages.items():
        assert nav_active(client_logged_in.get(url).content.decode()) == expected, url
    # The page a failed scan shows (POST /invoices/N/devices/) is an invoice page.
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]), {"identifiers": "nope"}
    )
    assert nav_active(response.content.decode()) == ["Invoices"]


def test_there_is_a_favicon(client_logged_in):
    page = client_logged_in.get(reverse("dashboard")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client_logged_in.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")


def test_a_device_on_a_draft_invoice_is_reserved_not_committed(
    client_logged_in, stock, draft_invoice
):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[0].identifier])
    page = client_logged_in.get(reverse("device_detail", args=[stock[0].pk])).content.decode()
    assert "Reserved" in page and "Committed" not in page
    choices = client_logged_in.get(reverse("device_list")).content.decode()
    assert "Committed" not in choices


def test_money_has_the_companys_currency_everywhere(client_logged_in, company, stock):
    page = client_logged_in.get(reverse("device_list")).content.decode()
    assert "$300.00" in page and "$400.00" in page
    company.currency = "EUR"
    company.save()
    page = client_logged_in.get(reverse("device_list")).content.decode()
    assert "€300.00" in page and "$300.00" not in page
    assert format_money(Decimal("-1234.5"), "GBP") == "-£1,234.50"


def test_a_negative_amount_is_refused_in_a_sentence(client_logged_in, company):
    response = client_logged_in.post(
        reverse("device_create"),
        {
            "identifier": "SN-1",
            "manufacturer": "Apple",
            "model": "iPad",
            "condition": company_condition(company),
            "cost": "-5",
        },
    )
    page = response.content.decode()
    assert "Ensure this value" not in page
    assert "An amount cannot be negative: give 0 or more." in page
    response = client_logged_in.post(
        reverse("partner_create"), {"name": "X", "is_vendor": "on", "payment_terms_days": "-1"}
    )
    page = response.content.decode()
    assert "Ensure this value" not in page
    assert "Payment terms cannot be negative" in page


def company_condition(company):
    return company_conditions(company)["A"]


def company_conditions(company):
    from cellbooks.inventory.models import Condition

    return {c.code: c.pk for c in Condition.objects.filter(company=company)}


def test_a_wrong_check_digit_is_reported_as_such(client_logged_in, stock, draft_invoice):
    typo = stock[0].identifier[:-1] + str((int(stock[0].identifier[-1]) + 1) % 10)
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]), {"identifiers": typo}
    )
    page = response.content.decode()
    assert "no device with this IMEI" not in page
    assert f"{typo} is not a valid IMEI: the check digit should be" in page
    assert "Check it for a mistyped digit, or scan it again." in page


def test_a_double_scan_is_added_once_and_said(client_logged_in, stock, draft_invoice):
    twice = stock[0].identifier
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]),
        {"identifiers": f"{twice}\n{stock[1].identifier}\n{twice}", "unit_price": "500"},
        follow=True,
    )
    page = response.content.decode()
    assert "Added 2 devices." in page
    assert f"Scanned more than once, added once: {twice}." in page
    assert draft_invoice.lines.count() == 2


def test_a_huge_bad_paste_shows_the_first_problems_and_a_count(
    client_logged_in, company, vendor, draft_invoice, stock
):
    pasted = "\n".join(f"SN-MISSING-{n}" for n in range(2000))
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]), {"identifiers": pasted}
    )
    page = response.content.decode()
    assert page.count("no device with this IMEI or serial") == 50
    assert "… and 1,950 more like these (2,000 in all): nothing was added." in page

    draft_po = services.create_purchase_order(company=company, vendor=vendor)
    rows = "\n".join(f"35{n:012d},Apple,iPhone,,,,A,10" for n in range(3000))  # 14 digits
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]), {"text": f"{HEADER}\n{rows}"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("is not a valid IMEI") == 50
    assert "Nothing was imported: 3,000 rows need fixing" in page
    assert "2,950 more are like them (3,000 in all)" in page


# ---- device details buyers dispute on ----------------------------------------------------------


def test_the_device_form_keeps_test_results(client_logged_in, company):
    response = client_logged_in.post(
        reverse("device_create"),
        {
            "identifier": "SN-TEST-1",
            "manufacturer": "Apple",
            "model": "iPhone 12",
            "condition": company_condition(company),
            "cost": "210",
            "battery_health": "88",
            "fmi_lock": "off",
            "carrier_lock": "locked",
            "cosmetic_notes": "Dent on the frame",
            "tested_by": "Sam",
            "tested_on": "2025-06-01",
        },
    )
    device = Device.objects.get(identifier="SN-TEST-1")
    assert response["Location"] == reverse("device_detail", args=[device.pk])
    assert (device.battery_health, device.fmi_lock, device.carrier_lock) == (88, "off", "locked")
    assert (device.cosmetic_notes, device.tested_by, str(device.tested_on)) == (
        "Dent on the frame",
        "Sam",
        "2025-06-01",
    )
    page = client_logged_in.get(reverse("device_detail", args=[device.pk])).content.decode()
    assert 'id="battery-health">88%<' in page and "Dent on the frame" in page
    bad = client_logged_in.post(
        reverse("device_edit", args=[device.pk]),
        {
            "identifier": "SN-TEST-1",
            "product": device.product_id,
            "condition": company_condition(company),
            "cost": "210",
            "battery_health": "140",
        },
    ).content.decode()
    assert "Battery health is a percentage from 0 to 100." in bad
    device.refresh_from_db()
    assert device.battery_health == 88


def test_the_csv_import_reads_test_results_under_common_header_names(draft_po, imei):
    text = (
        "IMEI,Make,Model,Grade,Unit cost,Battery %,iCloud,SIM lock,Cosmetics,Tech,Test date\n"
        f"{imei(1)},Apple,iPhone 13,A,300,91%,OFF,Unlocked,Mint,Dana,2025-05-01\n"
        f"{imei(2)},Apple,iPhone 13,B,250,77,yes,locked (AT&T),Scratches,Dana,2025-05-02\n"
        f"{imei(3)},Apple,iPhone 13,B,250,,,,,,\n"
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    got = {
        d.identifier: (d.battery_health, d.fmi_lock, d.carrier_lock, d.cosmetic_notes, d.tested_by)
        for d in Device.objects.all()
    }
    assert got == {
        imei(1): (91, "off", "unlocked", "Mint", "Dana"),
        imei(2): (77, "on", "locked", "Scratches", "Dana"),
        imei(3): (None, "", "", "", ""),
    }
    assert str(Device.objects.get(identifier=imei(2)).tested_on) == "2025-05-02"


def test_bad_test_results_in_a_csv_are_named_per_row(draft_po, imei):
    text = (
        "IMEI,Make,Model,Grade,Cost,Battery health,FMI,Tested on\n"
        f"{imei(1)},Apple,iPhone 13,A,300,101,maybe,3025-01-01\n"
    )
    with pytest.raises(csv_import.CsvImportError) as caught:
        csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)
    messages = sorted(e.message for e in caught.value.errors)
    assert messages == [
        "Battery health is a percentage from 0 to 100, like 87; '101' is not.",
        "The test date 3025-01-01 is in the future: give the day it was tested.",
        "iCloud / Find My lock 'maybe' is not understood: write Off or On, or leave it empty.",
    ]
    assert not Device.objects.exists()


def test_the_device_list_filters_by_test_results(client_logged_in, draft_po, imei):
    text = (
        "IMEI,Make,Model,Grade,Cost,Battery,iCloud,Carrier lock\n"
        f"{imei(1)},Apple,iPhone 13,A,300,91,off,unlocked\n"
        f"{imei(2)},Apple,iPhone 13,A,300,70,on,locked\n"
        f"{imei(3)},Apple,iPhone 13,A,300,,,\n"
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=text)

    def listed(query):
        page = client_logged_in.get(reverse("device_list") + query).content.decode()
        return {n for n in (1, 2, 3) if imei(n) in page}

    assert listed("") == {1, 2, 3}
    assert listed("?battery_min=80") == {1}
    assert listed("?fmi_lock=on") == {2}
    assert listed("?fmi_lock=unchecked") == {3}
    assert listed("?carrier_lock=unlocked") == {1}
    assert listed("?battery_min=abc") == {1, 2, 3}  # a bad filter is named, not a failure
    page = client_logged_in.get(reverse("device_list") + "?battery_min=abc").content.decode()
    assert "Battery health is a whole percentage, like 85." in page


def test_importing_into_a_received_purchase_order_is_refused_in_words(
    client_logged_in, stock, draft_po, imei
):
    response = client_logged_in.post(
        reverse("purchase_order_import", args=[draft_po.pk]),
        {"text": f"{HEADER}\n{imei(50)},Apple,iPhone 13,,,,A,10"},
        follow=True,
    )
    assert response.status_code == 200
    assert "is received: only a draft one can take new devices." in response.content.decode()

"""Exports: every list as CSV and Excel, re-read and compared with what the list shows, with the
list's filters applied, streamed, and safe to open in a spreadsheet."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from cellbooks.inventory import csv_import, exports, selectors, services
from cellbooks.inventory.models import Device, Invoice

HEADER = "imei,manufacturer,model,capacity,colour,network,grade,cost,price,battery,icloud,carrier lock,cosmetic notes,tested by,tested on"


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[dict]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def read_xlsx(response) -> tuple[list[str], list[list], openpyxl.worksheet.worksheet.Worksheet]:
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:], sheet


@pytest.fixture
def devices(draft_po, imei):
    rows = [
        f"{imei(1)},Apple,iPhone 13,128GB,Blue,Unlocked,A,300.00,420.00,91%,off,unlocked,Mint,Dana,2025-05-01",
        f"{imei(2)},Apple,iPhone 13,128GB,Blue,Unlocked,B,250.50,,78,on,locked,Scratched screen,Dana,2025-05-02",
        f"{imei(3)},Samsung,Galaxy S22,128GB,Black,Unlocked,A,199.99,280.00,,,,,,",
        f'{imei(4)},Apple,iPhone 12,64GB,Red,AT&T,C,120.00,,64,off,locked,"=HYPERLINK(""http://evil"")",@admin,',
    ]
    csv_import.import_purchase_order_csv(
        purchase_order=draft_po, text=HEADER + "\n" + "\n".join(rows)
    )
    services.receive_purchase_order(purchase_order=draft_po)
    return rows


def test_the_device_list_exports_to_csv_with_its_filters(client_logged_in, devices, company, imei):
    url = reverse("device_export", args=["csv"]) + "?q=iphone&fmi_lock=off"
    response = client_logged_in.get(url)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "attachment" in response["Content-Disposition"]
        and ".csv" in response["Content-Disposition"]
    )
    rows = read_csv(response)
    expected = selectors.search_devices(company=company, q="iphone", fmi_lock="off")
    assert [row["IMEI / serial"] for row in rows] == [d.identifier for d in expected]
    assert {row["IMEI / serial"] for row in rows} == {imei(1), imei(4)}
    first = next(row for row in rows if row["IMEI / serial"] == imei(1))
    assert first["Product"] == "Apple iPhone 13 128GB Blue Unlocked"
    assert (first["Grade"], first["Status"], first["Cost"], first["Price"]) == (
        "A",
        "In stock",
        "300.00",
        "420.00",
    )
    assert (first["Battery health (%)"], first["iCloud / Find My"], first["Carrier lock"]) == (
        "91",
        "Off",
        "Unlocked",
    )
    assert (first["Cosmetic notes"], first["Tested by"], first["Tested on"]) == (
        "Mint",
        "Dana",
        "2025-05-01",
    )


def test_the_device_list_exports_to_excel_with_its_filters(client_logged_in, devices, company):
    response = client_logged_in.get(reverse("device_export", args=["xlsx"]) + "?battery_min=70")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.XLSX_TYPE
    header, rows, _ = read_xlsx(response)
    column = {name: index for index, name in enumerate(header)}
    expected = list(selectors.search_devices(company=company, battery_min=70))
    assert [row[column["IMEI / serial"]] for row in rows] == [d.identifier for d in expected]
    assert len(rows) == 2
    for row, device in zip(rows, expected, strict=True):
        assert Decimal(str(row[column["Cost"]])) == device.cost
        assert row[column["Battery health (%)"]] == device.battery_health


def test_exports_are_safe_to_open_in_a_spreadsheet(client_logged_in, devices, imei):
    rows = read_csv(client_logged_in.get(reverse("device_export", args=["csv"])))
    row = next(r for r in rows if r["IMEI / serial"] == imei(4))
    assert row["Cosmetic notes"] == '\'=HYPERLINK("http://evil")'
    assert row["Tested by"] == "'@admin"
    assert row["Network"] == "AT&T"

    header, xrows, sheet = read_xlsx(client_logged_in.get(reverse("device_export", args=["xlsx"])))
    notes = header.index("Cosmetic notes")
    index = next(i for i, r in enumerate(xrows) if r[0] == imei(4))
    cell = sheet.cell(row=index + 2, column=notes + 1)
    assert cell.value == '=HYPERLINK("http://evil")'  # kept as typed…
    assert cell.data_type == "s" and cell.quotePrefix  # …as text, never a formula


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert exports.csv_cell(text) == "'" + text
    assert exports.csv_cell(Decimal("-12.50")) == "-12.50"  # a number stays a number


def test_a_control_character_does_not_break_the_excel_file(client_logged_in, devices, company):
    device = Device.objects.filter(company=company).first()
    services.update_device(device=device, cosmetic_notes="dent\x01 on back")
    header, rows, _ = read_xlsx(client_logged_in.get(reverse("device_export", args=["xlsx"])))
    assert "dent on back" in [row[header.index("Cosmetic notes")] for row in rows]


def test_an_unknown_export_format_is_404(client_logged_in):
    assert client_logged_in.get("/devices/export.pdf").status_code == 404


def test_purchase_orders_invoices_and_partners_export(
    client_logged_in, devices, company, customer, draft_po, imei
):
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(1)], unit_price="500.00")
    services.open_invoice(invoice=invoice)
    services.record_payment(invoice=invoice, amount="125.00")

    pos = read_csv(client_logged_in.get(reverse("purchase_order_export", args=["csv"])))
    assert [(r["Number"], r["Vendor"], r["Devices"], r["Total cost"]) for r in pos] == [
        (draft_po.number, "Global Phone Supply", "4", "870.49")
    ]
    invoices = read_csv(client_logged_in.get(reverse("invoice_export", args=["csv"])))
    assert [
        (r["Number"], r["Status"], r["Total"], r["Paid"], r["Balance due"]) for r in invoices
    ] == [(invoice.number, "Partially paid", "500.00", "125.00", "375.00")]
    drafts = read_csv(
        client_logged_in.get(reverse("invoice_export", args=["csv"]) + "?status=draft")
    )
    assert drafts == []
    header, rows, _ = read_xlsx(client_logged_in.get(reverse("partner_export", args=["xlsx"])))
    names = [row[0] for row in rows]
    assert names == ["Global Phone Supply", "Metro Mobile Repair"]
    vendors = read_csv(
        client_logged_in.get(reverse("partner_export", args=["csv"]) + "?role=vendor")
    )
    assert [(r["Name"], r["Vendor"], r["Customer"]) for r in vendors] == [
        ("Global Phone Supply", "Yes", "No")
    ]


def test_the_lists_link_their_exports_with_their_filters(client_logged_in, devices):
    page = client_logged_in.get(reverse("device_list") + "?q=iphone&status=in_stock").content
    assert b'href="/devices/export.csv?q=iphone&amp;status=in_stock"' in page
    assert b'href="/devices/export.xlsx?q=iphone&amp;status=in_stock"' in page


def test_another_company_sees_none_of_it(client, other_user, devices):
    client.force_login(other_user)
    assert read_csv(client.get(reverse("device_export", args=["csv"]))) == []
    assert read_csv(client.get(reverse("partner_export", args=["csv"]))) == []


def test_an_overdue_invoice_exports_its_days_overdue(
    client_logged_in, devices, company, customer, imei
):
    invoice = services.create_invoice(
        company=company, customer=customer, date="2020-03-01", due_date="2020-03-31"
    )
    services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(2)], unit_price="300")
    services.open_invoice(invoice=invoice)
    rows = read_csv(
        client_logged_in.get(reverse("invoice_export", args=["csv"]) + "?status=overdue")
    )
    assert [r["Number"] for r in rows] == [invoice.number]
    today = client_logged_in.get(reverse("dashboard")).context["today"]
    assert int(rows[0]["Days overdue"]) == (today - invoice.due_date).days
    assert Invoice.objects.get(pk=invoice.pk).balance_due == Decimal("300.00")

"""Printable documents: the invoice, its packing list, the purchase order, the price sheet and a
customer's statement, read back as text (pypdf) and checked for every IMEI and figure."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from test_api_support import ApiClient

from cellbooks.inventory import csv_import, pdf, services
from cellbooks.inventory.models import Device

HEADER = "imei,manufacturer,model,capacity,colour,network,condition,cost,price"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def sold(company, draft_po, customer, imei):
    """120 devices over three products and two grades on a received PO, all on one open invoice
    at two prices; a few carry test results."""
    rows = []
    for n in range(120):
        model = ("iPhone 13", "iPhone 14", "Galaxy S22")[n % 3]
        maker = "Samsung" if model.startswith("Galaxy") else "Apple"
        rows.append(f"{imei(1000 + n)},{maker},{model},128GB,Blue,Unlocked,{'AB'[n % 2]},300.00,")
    csv_import.import_purchase_order_csv(
        purchase_order=draft_po, text=HEADER + "\n" + "\n".join(rows)
    )
    services.receive_purchase_order(purchase_order=draft_po)
    first = Device.objects.get(identifier=imei(1000))
    services.update_device(
        device=first,
        battery_health="87",
        fmi_lock="off",
        carrier_lock="unlocked",
        cosmetic_notes="Light scratch on the back",
        tested_by="Dana",
        tested_on="2025-05-01",
    )
    invoice = services.create_invoice(company=company, customer=customer, notes="Ship by Friday")
    identifiers = [imei(1000 + n) for n in range(120)]
    services.add_devices_to_invoice(invoice=invoice, identifiers=identifiers[:60], unit_price="410")
    services.add_devices_to_invoice(
        invoice=invoice, identifiers=identifiers[60:], unit_price="395.5"
    )
    services.open_invoice(invoice=invoice)
    invoice.refresh_from_db()
    return invoice, identifiers


def test_the_invoice_pdf_lists_every_imei_with_its_lines_and_totals(client_logged_in, sold):
    invoice, identifiers = sold
    response = client_logged_in.get(reverse("invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content)
    assert all(identifier in text for identifier in identifiers)
    assert "Northwind Devices" in text and "Metro Mobile Repair" in text
    assert f"Invoice\n{invoice.number}" in text or f"Invoice {invoice.number}" in text
    # 60 at $410.00 and 60 at $395.50, in lines by product and grade: the total to the cent.
    assert invoice.total == Decimal("48330.00")
    assert "Total $48,330.00" in text and "Balance due $48,330.00" in text
    assert "Apple iPhone 13 128GB Blue Unlocked — Grade A" in text
    assert "Ship by Friday" in text


def test_the_invoice_pdf_downloads_on_request(client_logged_in, sold):
    invoice, _ = sold
    response = client_logged_in.get(reverse("invoice_pdf", args=[invoice.pk]) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment")


def test_the_packing_list_has_every_imei_and_test_results_but_no_price(client_logged_in, sold):
    invoice, identifiers = sold
    response = client_logged_in.get(reverse("invoice_packing_list_pdf", args=[invoice.pk]))
    assert f'filename="{invoice.number}-packing-list.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert all(identifier in text for identifier in identifiers)
    assert "$" not in text and "410" not in text  # no prices, no totals in money
    first_row = next(line for line in text.splitlines() if identifiers[0] in line)
    assert "87%" in first_row and "Off" in first_row and "Unlocked" in first_row
    assert "Light scratch on the back" in first_row
    assert "Devices 120" in text
    # Grouped by product and grade only (two price lines of a group are packed together).
    assert text.count("Apple iPhone 13 128GB Blue Unlocked — Grade A") == 1


def test_a_5000_device_invoice_runs_to_many_pages_and_still_lists_every_imei(
    company, draft_po, customer, imei
):
    rows = "\n".join(
        f"{imei(20_000 + n)},Apple,iPhone 15,256GB,Black,Unlocked,A,500.00," for n in range(5000)
    )
    csv_import.import_purchase_order_csv(purchase_order=draft_po, text=f"{HEADER}\n{rows}")
    services.receive_purchase_order(purchase_order=draft_po)
    invoice = services.create_invoice(company=company, customer=customer)
    wanted = [imei(20_000 + n) for n in range(5000)]
    services.add_devices_to_invoice(invoice=invoice, identifiers=wanted, unit_price="650")
    content = pdf.invoice_pdf(invoice)
    text = pdf_text(content)
    assert pages(content) > 10
    assert set(re.findall(r"\b\d{15}\b", text)) == set(wanted)
    assert "Total $3,250,000.00" in text


def test_the_purchase_order_pdf_lists_every_imei_and_the_total(client_logged_in, sold, draft_po):
    _, identifiers = sold
    response = client_logged_in.get(reverse("purchase_order_pdf", args=[draft_po.pk]))
    text = pdf_text(response.content)
    assert all(identifier in text for identifier in identifiers)
    assert "Global Phone Supply" in text and draft_po.number in text
    assert "Total $36,000.00" in text  # 120 × $300.00


def test_the_company_profile_is_printed_and_a_missing_one_is_not(client_logged_in, sold, company):
    invoice, _ = sold
    text = pdf_text(client_logged_in.get(reverse("invoice_pdf", args=[invoice.pk])).content)
    assert "Northwind Devices" in text and "None" not in text
    company.address = "12 Harbour Road\nPortsmouth NH 03801"
    company.phone = "+1 603 555 0100"
    company.email = "sales@northwind.test"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 33, 61)).save(buffer, format="PNG")
    company.logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    company.save()
    content = client_logged_in.get(reverse("invoice_pdf", args=[invoice.pk])).content
    text = pdf_text(content)
    assert "12 Harbour Road" in text and "Portsmouth NH 03801" in text
    assert "+1 603 555 0100" in text and "sales@northwind.test" in text
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages[0].images) == 1  # the logo


def test_another_companys_documents_are_404(client, other_user, sold, draft_po, customer):
    invoice, _ = sold
    client.force_login(other_user)
    for url in (
        reverse("invoice_pdf", args=[invoice.pk]),
        reverse("invoice_packing_list_pdf", args=[invoice.pk]),
        reverse("purchase_order_pdf", args=[draft_po.pk]),
        reverse("partner_statement_pdf", args=[customer.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_invoice_page_links_its_documents(client_logged_in, sold):
    invoice, _ = sold
    page = client_logged_in.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    assert f'href="{reverse("invoice_pdf", args=[invoice.pk])}"' in page
    assert f'href="{reverse("invoice_packing_list_pdf", args=[invoice.pk])}"' in page


def test_the_api_gives_the_same_documents(company, other_company, sold, draft_po):
    invoice, identifiers = sold
    api = ApiClient.for_company(company)
    for path in (f"/invoices/{invoice.pk}/pdf", f"/invoices/{invoice.pk}/packing-list.pdf"):
        response = api.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert all(identifier in text for identifier in identifiers)
    response = api.get(f"/purchase-orders/{draft_po.pk}/pdf")
    assert response.status_code == 200
    assert identifiers[-1] in pdf_text(response.content)
    stranger = ApiClient.for_company(other_company)
    assert stranger.get(f"/invoices/{invoice.pk}/pdf").status_code == 404
    assert ApiClient(None).get(f"/invoices/{invoice.pk}/pdf").status_code == 401


def test_the_openapi_document_says_the_operations_answer_pdf(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/invoices/{invoice_id}/pdf",
        "/api/v1/invoices/{invoice_id}/packing-list.pdf",
        "/api/v1/purchase-orders/{purchase_order_id}/pdf",
    ):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/pdf"], path


def test_a_customer_statement_ages_what_is_owed(client_logged_in, sold, customer, company, imei):
    invoice, _ = sold
    product = services.get_or_create_product(
        company=company, manufacturer="Google", model="Pixel 7"
    )
    services.create_device(
        company=company, identifier=imei(9), product=product, condition="A", cost="100"
    )
    late = services.create_invoice(
        company=company, customer=customer, date="2020-01-01", due_date="2020-01-31"
    )
    services.add_devices_to_invoice(invoice=late, identifiers=[imei(9)], unit_price="150.25")
    services.open_invoice(invoice=late)
    response = client_logged_in.get(reverse("partner_statement_pdf", args=[customer.pk]))
    text = pdf_text(response.content)
    assert invoice.number in text and late.number in text
    assert "Amount due $48,480.25" in text
    # Buckets in order: current, 1–30, 31–60, 61–90, over 90 days.
    assert "$48,330.00 $0.00 $0.00 $0.00 $150.25" in text

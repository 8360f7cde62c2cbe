"""Every object page and action answers 404 for another company's record, and changes nothing."""

import pytest
from django.urls import reverse

from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import services
from cellbooks.inventory.models import Device, Invoice, Partner, Payment, PurchaseOrder


def make_imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


@pytest.fixture
def rival(other_company):
    """Another company's records of every kind: a draft PO with a line, an open invoice with a
    payment, a draft invoice with a line, the devices, the partners."""
    vendor = services.create_partner(company=other_company, name="Rival Vendor", is_vendor=True)
    customer = services.create_partner(
        company=other_company, name="Rival Customer", is_customer=True
    )
    received = services.create_purchase_order(company=other_company, vendor=vendor)
    for n in (1, 2):
        services.add_device_to_purchase_order(
            purchase_order=received,
            identifier=make_imei(n),
            manufacturer="Apple",
            model="iPhone 13",
            condition="A",
            cost="300",
            price="400",
        )
    services.receive_purchase_order(purchase_order=received)
    draft_po = services.create_purchase_order(company=other_company, vendor=vendor)
    po_line = services.add_device_to_purchase_order(
        purchase_order=draft_po,
        identifier=make_imei(3),
        manufacturer="Apple",
        model="iPhone 13",
        condition="A",
        cost="300",
        price="400",
    )
    open_invoice = services.create_invoice(company=other_company, customer=customer)
    services.add_devices_to_invoice(invoice=open_invoice, identifiers=[make_imei(1)])
    services.open_invoice(invoice=open_invoice)
    payment = services.record_payment(invoice=open_invoice, amount="100")
    draft_invoice = services.create_invoice(company=other_company, customer=customer)
    (invoice_line,) = services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[make_imei(2)]
    )
    return {
        "vendor": vendor,
        "received_po": received,
        "draft_po": draft_po,
        "po_line": po_line,
        "device": po_line.device,
        "open_invoice": open_invoice,
        "payment": payment,
        "draft_invoice": draft_invoice,
        "invoice_line": invoice_line,
    }


def snapshot():
    return (
        list(PurchaseOrder.objects.order_by("pk").values_list("pk", "status", "number", "notes")),
        list(
            Invoice.objects.order_by("pk").values_list(
                "pk", "status", "total", "amount_paid", "number"
            )
        ),
        list(
            Device.objects.order_by("pk").values_list(
                "pk", "status", "identifier", "price", "location"
            )
        ),
        list(Partner.objects.order_by("pk").values_list("pk", "name", "is_vendor", "is_customer")),
        list(Payment.objects.order_by("pk").values_list("pk", "amount")),
    )


# (method, url name, args built from the rival's records, POST data)
OBJECT_URLS = [
    ("get", "device_detail", lambda r: [r["device"].pk], None),
    ("get", "device_edit", lambda r: [r["device"].pk], None),
    (
        "post",
        "device_edit",
        lambda r: [r["device"].pk],
        {"identifier": "X1", "cost": "1", "location": "Mine"},
    ),
    ("get", "partner_detail", lambda r: [r["vendor"].pk], None),
    ("get", "partner_edit", lambda r: [r["vendor"].pk], None),
    (
        "post",
        "partner_edit",
        lambda r: [r["vendor"].pk],
        {"name": "Stolen", "is_vendor": "on", "payment_terms_days": "1"},
    ),
    ("get", "purchase_order_detail", lambda r: [r["draft_po"].pk], None),
    ("get", "purchase_order_edit", lambda r: [r["draft_po"].pk], None),
    (
        "post",
        "purchase_order_edit",
        lambda r: [r["draft_po"].pk],
        {"number": "HACKED", "date": "2025-01-01"},
    ),
    (
        "post",
        "purchase_order_add_device",
        lambda r: [r["draft_po"].pk],
        {"identifier": make_imei(9), "cost": "1"},
    ),
    (
        "post",
        "purchase_order_import",
        lambda r: [r["draft_po"].pk],
        {"text": f"{make_imei(9)},Apple,X,,,,A,1\n"},
    ),
    ("post", "purchase_order_remove_line", lambda r: [r["draft_po"].pk, r["po_line"].pk], {}),
    ("post", "purchase_order_receive", lambda r: [r["draft_po"].pk], {}),
    ("post", "purchase_order_close", lambda r: [r["received_po"].pk], {}),
    ("get", "purchase_order_void", lambda r: [r["draft_po"].pk], None),
    ("post", "purchase_order_void", lambda r: [r["draft_po"].pk], {}),
    ("get", "invoice_detail", lambda r: [r["open_invoice"].pk], None),
    ("get", "invoice_edit", lambda r: [r["draft_invoice"].pk], None),
    (
        "post",
        "invoice_edit",
        lambda r: [r["draft_invoice"].pk],
        {"number": "HACKED", "date": "2025-01-01"},
    ),
    (
        "post",
        "invoice_add_devices",
        lambda r: [r["draft_invoice"].pk],
        {"identifiers": make_imei(1)},
    ),
    (
        "post",
        "invoice_line_price",
        lambda r: [r["draft_invoice"].pk, r["invoice_line"].pk],
        {"unit_price": "1"},
    ),
    ("post", "invoice_remove_line", lambda r: [r["draft_invoice"].pk, r["invoice_line"].pk], {}),
    ("post", "invoice_open", lambda r: [r["draft_invoice"].pk], {}),
    ("get", "invoice_void", lambda r: [r["open_invoice"].pk], None),
    ("post", "invoice_void", lambda r: [r["draft_invoice"].pk], {}),
    (
        "post",
        "invoice_record_payment",
        lambda r: [r["open_invoice"].pk],
        {"amount": "1", "date": "2025-01-01", "method": "wire"},
    ),
    ("post", "invoice_delete_payment", lambda r: [r["open_invoice"].pk, r["payment"].pk], {}),
]


@pytest.mark.parametrize(
    "method, name, args, data", OBJECT_URLS, ids=[f"{m}-{n}" for m, n, _, _ in OBJECT_URLS]
)
def test_another_companys_record_answers_404(client_logged_in, rival, method, name, args, data):
    before = snapshot()
    url = reverse(name, args=args(rival))
    response = client_logged_in.get(url) if method == "get" else client_logged_in.post(url, data)
    assert response.status_code == 404
    assert snapshot() == before


def test_a_line_of_another_document_answers_404_even_under_my_own_document(
    client_logged_in, rival, draft_po, draft_invoice
):
    """My PO's id with the rival's line id (and the same for invoices and payments) is not a way in."""
    before = snapshot()
    cases = [
        reverse("purchase_order_remove_line", args=[draft_po.pk, rival["po_line"].pk]),
        reverse("invoice_line_price", args=[draft_invoice.pk, rival["invoice_line"].pk]),
        reverse("invoice_remove_line", args=[draft_invoice.pk, rival["invoice_line"].pk]),
        reverse("invoice_delete_payment", args=[draft_invoice.pk, rival["payment"].pk]),
    ]
    for url in cases:
        assert client_logged_in.post(url, {"unit_price": "1"}).status_code == 404, url
    assert snapshot() == before


def test_lists_never_show_another_companys_records(client_logged_in, rival):
    pages = {
        "device_list": make_imei(1),
        "purchase_order_list": rival["draft_po"].number,
        "invoice_list": "Rival Customer",
        "partner_list": "Rival Vendor",
        "dashboard": "Rival",
    }
    for name, text in pages.items():
        assert text not in client_logged_in.get(reverse(name)).content.decode(), name


def test_an_invoice_cannot_take_another_companys_device_by_imei(
    client_logged_in, rival, draft_invoice
):
    response = client_logged_in.post(
        reverse("invoice_add_devices", args=[draft_invoice.pk]),
        {"identifiers": rival["device"].identifier},
    )
    assert response.status_code == 200
    assert "no device with this IMEI or serial in this company" in response.content.decode()
    assert not draft_invoice.lines.exists()

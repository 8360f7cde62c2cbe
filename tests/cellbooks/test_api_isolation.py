"""Tenant isolation: a key sees only its own company. Another company's id answers 404 on every
endpoint that takes one, and lists never show another company's records."""

import pytest
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock

from cellbooks.inventory.models import Device, Invoice, Payment, Product, PurchaseOrder


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def theirs(other_company):
    """A full set of the other company's records, made through its own key."""
    rival = ApiClient.for_company(other_company)
    received = receive_stock(
        rival, [device_row(1, price="400"), device_row(2, price="450")], "Rival Supply"
    )
    draft_po = ok(
        rival.post(
            "/purchase-orders", {"vendor": received["vendor"]["id"], "devices": [device_row(3)]}
        ),
        201,
    )
    customer = create_customer(rival, "Rival Customer")
    invoice = ok(
        rival.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(1)]}), 201
    )
    draft_invoice = ok(
        rival.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(2)]}), 201
    )
    ok(rival.post(f"/invoices/{invoice['id']}/open"))
    payment = ok(rival.post(f"/invoices/{invoice['id']}/payments", {"amount": "100"}), 201)
    return {
        "device": Device.objects.get(company=other_company, identifier=imei_for(1)).id,
        "product": Product.objects.filter(company=other_company).first().id,
        "vendor": received["vendor"]["id"],
        "customer": customer["id"],
        "received_po": received["id"],
        "draft_po": draft_po["id"],
        "invoice": invoice["id"],
        "draft_invoice": draft_invoice["id"],
        "payment": payment["id"],
    }


ENDPOINTS_WITH_AN_ID = [
    ("get", "/devices/{device}", None),
    ("get", "/vendors/{vendor}", None),
    ("patch", "/vendors/{vendor}", {"name": "Taken over"}),
    ("get", "/customers/{customer}", None),
    ("patch", "/customers/{customer}", {"name": "Taken over"}),
    ("get", "/purchase-orders/{received_po}", None),
    ("post", "/purchase-orders/{draft_po}/receive", None),
    ("post", "/purchase-orders/{received_po}/close", None),
    ("post", "/purchase-orders/{received_po}/void", None),
    ("get", "/invoices/{invoice}", None),
    ("post", "/invoices/{draft_invoice}/open", None),
    ("post", "/invoices/{draft_invoice}/void", None),
    ("get", "/invoices/{invoice}/payments", None),
    ("post", "/invoices/{invoice}/payments", {"amount": "1.00"}),
    ("get", "/payments/{payment}", None),
    ("delete", "/payments/{payment}", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    ENDPOINTS_WITH_AN_ID,
    ids=[f"{m} {p}" for m, p, _ in ENDPOINTS_WITH_AN_ID],
)
def test_another_companys_id_is_not_found(api, theirs, method, path, body):
    url = path.format(**theirs)
    response = getattr(api, method)(url, body) if body is not None else getattr(api, method)(url)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not Found"}


def test_nothing_of_theirs_changed(api, theirs):
    for method, path, body in ENDPOINTS_WITH_AN_ID:
        url = path.format(**theirs)
        getattr(api, method)(url, body) if body is not None else getattr(api, method)(url)
    assert PurchaseOrder.objects.get(pk=theirs["draft_po"]).status == PurchaseOrder.Status.DRAFT
    assert (
        PurchaseOrder.objects.get(pk=theirs["received_po"]).status == PurchaseOrder.Status.RECEIVED
    )
    assert Invoice.objects.get(pk=theirs["draft_invoice"]).status == Invoice.Status.DRAFT
    assert Invoice.objects.get(pk=theirs["invoice"]).status == Invoice.Status.PARTIALLY_PAID
    assert Payment.objects.filter(pk=theirs["payment"]).exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/purchase-orders", {"vendor": "{vendor}", "devices": [device_row(9)]}, "vendor"),
        ("/invoices", {"customer": "{customer}", "identifiers": []}, "customer"),
        (
            "/devices",
            {"identifier": imei_for(9), "product": "{product}", "condition": "A", "cost": "1"},
            "product",
        ),
    ],
)
def test_another_companys_id_in_a_body_is_not_found(api, theirs, path, body, field):
    body = {**body, field: theirs[field]}
    response = api.post(path, body)
    assert response.status_code == 404
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not Device.objects.filter(identifier=imei_for(9)).exists()


def test_another_companys_device_cannot_be_invoiced(api, theirs):
    customer = create_customer(api)
    response = api.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(2)]})
    assert response.status_code == 422
    assert (
        "no device with this IMEI or serial in this company" in response.json()["detail"][0]["msg"]
    )
    assert not Invoice.objects.filter(customer_id=customer["id"]).exists()


def test_lists_show_only_the_keys_company(api, theirs):
    mine = receive_stock(api, [device_row(5)], "My Supply")
    my_customer = create_customer(api, "My Customer")
    ok(
        api.post(
            "/invoices",
            {
                "customer": my_customer["id"],
                "identifiers": [imei_for(5)],
                "unit_prices": {imei_for(5): "9"},
            },
        ),
        201,
    )

    assert [d["identifier"] for d in ok(api.get("/devices"))["items"]] == [imei_for(5)]
    assert [v["name"] for v in ok(api.get("/vendors"))["items"]] == ["My Supply"]
    assert [c["name"] for c in ok(api.get("/customers"))["items"]] == ["My Customer"]
    assert [p["id"] for p in ok(api.get("/purchase-orders"))["items"]] == [mine["id"]]
    assert [i["customer"]["name"] for i in ok(api.get("/invoices"))["items"]] == ["My Customer"]
    # Filtering by their ids finds nothing rather than their records.
    assert ok(api.get("/devices", product=theirs["product"]))["count"] == 0
    assert ok(api.get("/devices", q=imei_for(1)))["count"] == 0
    assert ok(api.get("/purchase-orders", vendor=theirs["vendor"]))["count"] == 0
    assert ok(api.get("/invoices", customer=theirs["customer"]))["count"] == 0

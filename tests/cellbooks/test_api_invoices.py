"""Invoices and payments through the API: create by identifiers, open, void, pay, delete."""

import pytest
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock

from cellbooks.inventory.models import Device, Invoice, Payment


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def stock(api):
    """Four devices in stock, asking $400, $450, $500 and (the last) no price."""
    receive_stock(
        api,
        [
            device_row(1, price="400"),
            device_row(2, price="450"),
            device_row(3, price="500"),
            device_row(4),
        ],
    )


@pytest.fixture
def customer(api):
    return create_customer(api)


def new_invoice(api, customer, identifiers, **extra):
    return ok(
        api.post("/invoices", {"customer": customer["id"], "identifiers": identifiers, **extra}),
        201,
    )


def test_it_creates_a_draft_invoice_at_the_devices_prices_or_given_ones(api, stock, customer):
    body = new_invoice(
        api,
        customer,
        [imei_for(1), imei_for(2), imei_for(4)],
        date="2026-03-01",
        notes="Collected in store",
        unit_prices={imei_for(2): "425.50", imei_for(4): "99"},
    )
    assert body["number"] == "INV-1001"
    assert body["customer"] == {"id": customer["id"], "name": "Corner Mobile Shop"}
    assert body["status"] == "draft"
    assert body["date"] == "2026-03-01"
    assert body["due_date"] == "2026-03-31"  # net 30
    assert [(line["identifier"], line["unit_price"]) for line in body["lines"]] == [
        (imei_for(1), "400.00"),
        (imei_for(2), "425.50"),
        (imei_for(4), "99.00"),
    ]
    assert body["total"] == "924.50"
    assert body["amount_paid"] == "0.00"
    assert body["balance_due"] == "0.00"  # a draft owes nothing yet
    assert body["device_count"] == 3
    assert body["payments"] == []
    assert body["quickbooks"]["state"] == "not_synced"
    assert Device.objects.get(identifier=imei_for(1)).status == Device.Status.COMMITTED


def test_an_explicit_due_date_is_kept(api, stock, customer):
    body = new_invoice(api, customer, [imei_for(1)], date="2026-03-01", due_date="2026-03-05")
    assert body["due_date"] == "2026-03-05"


def test_every_refused_identifier_is_listed_and_nothing_is_written(api, stock, customer):
    response = api.post(
        "/invoices",
        {
            "customer": customer["id"],
            "identifiers": [imei_for(1), imei_for(99), imei_for(4), imei_for(2)],
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "identifiers", 1],
            "msg": f"{imei_for(99)}: no device with this IMEI or serial in this company.",
            "type": "invalid",
        },
        {
            "loc": ["body", "identifiers", 2],
            "msg": f"{imei_for(4)} has no price: give a unit price.",
            "type": "invalid",
        },
    ]
    assert not Invoice.objects.exists()
    assert set(Device.objects.values_list("status", flat=True)) == {Device.Status.IN_STOCK}


def test_the_request_itself_is_checked_first(api, stock, customer):
    response = api.post(
        "/invoices",
        {
            "customer": customer["id"],
            "identifiers": [imei_for(1), imei_for(1)],
            "unit_prices": {imei_for(3): "10", imei_for(1): "1.005"},
        },
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "unit_prices", imei_for(1)]]

    response = api.post(
        "/invoices",
        {
            "customer": customer["id"],
            "identifiers": [imei_for(1), imei_for(1)],
            "unit_prices": {imei_for(3): "10"},
        },
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("body", "identifiers", 1),
        ("body", "unit_prices", imei_for(3)),
    }
    assert not Invoice.objects.exists()


def test_a_device_on_another_draft_invoice_is_refused(api, stock, customer):
    new_invoice(api, customer, [imei_for(1)])
    response = api.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(1)]})
    assert response.status_code == 422
    assert (
        "is not in stock: it is reserved on draft invoice INV-1001"
        in response.json()["detail"][0]["msg"]
    )


def test_a_vendor_only_partner_cannot_be_invoiced(api, stock):
    vendor_id = ok(api.get("/vendors"))["items"][0]["id"]
    response = api.post("/invoices", {"customer": vendor_id, "identifiers": [imei_for(1)]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "customer"]


def test_opening_sells_the_devices_and_starts_the_balance(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1), imei_for(3)])
    body = ok(api.post(f"/invoices/{invoice['id']}/open"))
    assert body["status"] == "open"
    assert body["opened_at"] is not None
    assert body["balance_due"] == "900.00"
    assert ok(api.get("/devices", status="sold"))["count"] == 2


def test_opening_twice_is_a_409_conflict(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    response = api.post(f"/invoices/{invoice['id']}/open")
    assert response.status_code == 409
    assert response.json()["detail"] == [
        {
            "loc": [],
            "msg": "Invoice INV-1001 is open: only a draft one can be opened.",
            "type": "conflict",
        }
    ]


def test_voiding_returns_the_devices_to_stock(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1), imei_for(2)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    body = ok(api.post(f"/invoices/{invoice['id']}/void"))
    assert body["status"] == "void"
    assert body["balance_due"] == "0.00"
    assert ok(api.get("/devices", status="in_stock"))["count"] == 4


def test_the_list_filters_by_status_and_customer(api, stock, customer):
    first = new_invoice(api, customer, [imei_for(1)])
    second = new_invoice(api, customer, [imei_for(2)])
    ok(api.post(f"/invoices/{second['id']}/open"))
    listed = ok(api.get("/invoices"))
    assert listed["count"] == 2
    assert "lines" not in listed["items"][0]
    assert [i["id"] for i in ok(api.get("/invoices", status="open"))["items"]] == [second["id"]]
    assert [i["id"] for i in ok(api.get("/invoices", status="draft"))["items"]] == [first["id"]]
    assert ok(api.get("/invoices", customer=customer["id"]))["count"] == 2
    assert api.get("/invoices", status="settled").status_code == 422


def test_payments_move_the_invoice_to_partially_paid_then_paid(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1), imei_for(2)])  # 850.00
    ok(api.post(f"/invoices/{invoice['id']}/open"))

    payment = ok(
        api.post(
            f"/invoices/{invoice['id']}/payments",
            {"amount": "300.50", "date": "2026-03-10", "method": "check", "reference": "CHK 1182"},
        ),
        201,
    )
    assert payment["amount"] == "300.50"
    assert payment["method"] == "check"
    assert payment["reference"] == "CHK 1182"
    assert payment["date"] == "2026-03-10"
    assert payment["source"] == "manual"
    body = ok(api.get(f"/invoices/{invoice['id']}"))
    assert (body["status"], body["amount_paid"], body["balance_due"]) == (
        "partially_paid",
        "300.50",
        "549.50",
    )

    ok(api.post(f"/invoices/{invoice['id']}/payments", {"amount": "549.50"}), 201)
    body = ok(api.get(f"/invoices/{invoice['id']}"))
    assert (body["status"], body["amount_paid"], body["balance_due"]) == ("paid", "850.00", "0.00")
    assert [p["amount"] for p in body["payments"]] == ["300.50", "549.50"]
    assert [p["amount"] for p in ok(api.get(f"/invoices/{invoice['id']}/payments"))] == [
        "300.50",
        "549.50",
    ]


def test_an_overpayment_is_refused_with_a_clear_message(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    response = api.post(f"/invoices/{invoice['id']}/payments", {"amount": "400.01"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "amount"],
            "msg": "This payment of $400.01 is more than the balance due of $400.00.",
            "type": "invalid",
        }
    ]
    assert not Payment.objects.exists()


def test_payment_money_and_method_are_checked(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    response = api.post(
        f"/invoices/{invoice['id']}/payments", {"amount": 10.1, "method": "bitcoin"}
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("body", "amount"),
        ("body", "method"),
    }


def test_a_payment_on_a_draft_invoice_is_a_409_conflict(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    response = api.post(f"/invoices/{invoice['id']}/payments", {"amount": "10"})
    assert response.status_code == 409
    assert "is draft" in response.json()["detail"][0]["msg"]


def test_deleting_a_payment_reopens_the_balance(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    payment = ok(api.post(f"/invoices/{invoice['id']}/payments", {"amount": "400"}), 201)
    assert ok(api.get(f"/payments/{payment['id']}"))["invoice_id"] == invoice["id"]
    assert ok(api.get(f"/invoices/{invoice['id']}"))["status"] == "paid"

    response = api.delete(f"/payments/{payment['id']}")
    assert response.status_code == 204
    body = ok(api.get(f"/invoices/{invoice['id']}"))
    assert (body["status"], body["balance_due"]) == ("open", "400.00")
    assert api.get(f"/payments/{payment['id']}").status_code == 404


def test_an_invoice_with_payments_cannot_be_voided(api, stock, customer):
    invoice = new_invoice(api, customer, [imei_for(1)])
    ok(api.post(f"/invoices/{invoice['id']}/open"))
    ok(api.post(f"/invoices/{invoice['id']}/payments", {"amount": "100"}), 201)
    response = api.post(f"/invoices/{invoice['id']}/void")
    assert response.status_code == 409
    assert "delete its payments first" in response.json()["detail"][0]["msg"]

"""Purchase orders through the API: create with devices (all or nothing), read, list, actions."""

import pytest
from test_api_support import ApiClient, create_customer, create_vendor, device_row, imei_for, ok

from cellbooks.inventory.models import Device, Product, PurchaseOrder, PurchaseOrderLine


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def vendor(api):
    return create_vendor(api)


def test_it_creates_a_purchase_order_with_its_devices(api, vendor):
    body = ok(
        api.post(
            "/purchase-orders",
            {
                "vendor": vendor["id"],
                "date": "2026-03-02",
                "notes": "Spring lot",
                "devices": [
                    device_row(1, cost="310.25", price="450"),
                    device_row(2, cost="299.99"),
                    device_row(3, manufacturer="Google", model="Pixel 7", capacity="", cost="150"),
                ],
            },
        ),
        201,
    )
    assert body["number"] == "PO-1001"
    assert body["vendor"] == {"id": vendor["id"], "name": "Phone Source Ltd"}
    assert body["date"] == "2026-03-02"
    assert body["status"] == "draft"
    assert body["notes"] == "Spring lot"
    assert body["device_count"] == 3
    assert body["total"] == "760.24"
    assert body["quickbooks"]["state"] == "not_synced"
    assert [(line["identifier"], line["unit_cost"]) for line in body["lines"]] == [
        (imei_for(1), "310.25"),
        (imei_for(2), "299.99"),
        (imei_for(3), "150.00"),
    ]
    assert body["lines"][2]["product"] == "Google Pixel 7 Blue Unlocked"
    assert body["lines"][0]["condition"] == "A"
    assert Device.objects.get(identifier=imei_for(1)).price == 450


def test_a_typed_number_is_kept(api, vendor):
    body = ok(
        api.post(
            "/purchase-orders",
            {"vendor": vendor["id"], "number": "V-77", "devices": [device_row(1)]},
        ),
        201,
    )
    assert body["number"] == "V-77"


def test_a_number_longer_than_21_characters_is_refused(api, vendor):
    response = api.post(
        "/purchase-orders", {"vendor": vendor["id"], "number": "X" * 22, "devices": []}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "number"]
    assert not PurchaseOrder.objects.exists()


def test_one_bad_device_writes_nothing_and_every_problem_is_listed(api, vendor):
    response = api.post(
        "/purchase-orders",
        {
            "vendor": vendor["id"],
            "devices": [
                device_row(1),
                device_row(2, identifier="352099001761482"),  # wrong check digit
                device_row(3, condition="Z", cost="-1"),
                device_row(4),
                device_row(5, identifier=imei_for(1)),  # twice in the request
            ],
        },
    )
    assert response.status_code == 422
    problems = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert set(problems) == {
        ("body", "devices", 1, "identifier"),
        ("body", "devices", 2, "condition"),
        ("body", "devices", 2, "cost"),
        ("body", "devices", 4, "identifier"),
    }
    assert problems[("body", "devices", 4, "identifier")] == "Duplicate of item 0 in this request."
    assert "use one of A, B, C, D" in problems[("body", "devices", 2, "condition")]
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()
    assert not Device.objects.exists()
    assert not Product.objects.exists()
    # The number was not used up either: the next PO still gets the first number.
    assert (
        ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)[
            "number"
        ]
        == "PO-1001"
    )


def test_bad_money_in_a_device_is_refused_by_index_and_field(api, vendor):
    response = api.post(
        "/purchase-orders",
        {
            "vendor": vendor["id"],
            "devices": [device_row(1), device_row(2, cost="12.345"), device_row(3, cost=12.5)],
        },
    )
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["detail"]]
    assert locs == [["body", "devices", 1, "cost"], ["body", "devices", 2, "cost"]]
    assert not Device.objects.exists()


def test_a_device_already_on_its_way_is_refused(api, vendor):
    ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)
    response = api.post(
        "/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(2), device_row(1)]}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "devices", 1, "identifier"],
            "msg": f"{imei_for(1)} is already on its way, on a purchase order not received yet.",
            "type": "invalid",
        }
    ]
    assert PurchaseOrder.objects.count() == 1
    assert not Device.objects.filter(identifier=imei_for(2)).exists()


def test_a_customer_only_partner_cannot_be_the_vendor(api):
    customer = create_customer(api)
    response = api.post("/purchase-orders", {"vendor": customer["id"], "devices": [device_row(1)]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "vendor"]
    assert "is not a vendor" in response.json()["detail"][0]["msg"]


def test_an_unknown_vendor_is_404_naming_the_field(api):
    response = api.post("/purchase-orders", {"vendor": 987654, "devices": []})
    assert response.status_code == 404
    assert response.json()["detail"][0]["loc"] == ["body", "vendor"]


def test_it_reads_lists_and_filters_purchase_orders(api, vendor):
    first = ok(
        api.post(
            "/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1, cost="100")]}
        ),
        201,
    )
    second = ok(
        api.post(
            "/purchase-orders",
            {"vendor": vendor["id"], "devices": [device_row(2, cost="5"), device_row(3, cost="6")]},
        ),
        201,
    )
    ok(api.post(f"/purchase-orders/{first['id']}/receive"))

    assert ok(api.get(f"/purchase-orders/{second['id']}")) == second
    listed = ok(api.get("/purchase-orders"))
    assert listed["count"] == 2
    totals = {
        po["number"]: (po["total"], po["device_count"], po["status"]) for po in listed["items"]
    }
    assert totals == {"PO-1001": ("100.00", 1, "received"), "PO-1002": ("11.00", 2, "draft")}
    assert "lines" not in listed["items"][0]
    assert [po["id"] for po in ok(api.get("/purchase-orders", status="draft"))["items"]] == [
        second["id"]
    ]
    assert ok(api.get("/purchase-orders", vendor=vendor["id"]))["count"] == 2


def test_receive_then_close(api, vendor):
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)
    received = ok(api.post(f"/purchase-orders/{po['id']}/receive"))
    assert received["status"] == "received"
    assert received["received_at"] is not None
    assert ok(api.post(f"/purchase-orders/{po['id']}/close"))["status"] == "closed"


def test_receiving_twice_is_a_409_conflict(api, vendor):
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201)
    ok(api.post(f"/purchase-orders/{po['id']}/receive"))
    response = api.post(f"/purchase-orders/{po['id']}/receive")
    assert response.status_code == 409
    assert response.json() == {
        "detail": [
            {
                "loc": [],
                "msg": "Purchase order PO-1001 is received: only a draft one can be received.",
                "type": "conflict",
            }
        ]
    }


def test_an_empty_purchase_order_cannot_be_received(api, vendor):
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"]}), 201)
    response = api.post(f"/purchase-orders/{po['id']}/receive")
    assert response.status_code == 409
    assert "has no devices" in response.json()["detail"][0]["msg"]


def test_voiding_returns_the_devices_to_the_vendor(api, vendor):
    po = ok(
        api.post(
            "/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1), device_row(2)]}
        ),
        201,
    )
    ok(api.post(f"/purchase-orders/{po['id']}/receive"))
    voided = ok(api.post(f"/purchase-orders/{po['id']}/void"))
    assert voided["status"] == "void"
    assert {d["status"] for d in ok(api.get("/devices"))["items"]} == {"returned"}

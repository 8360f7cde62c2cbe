"""Devices through the API: create, read, list with filters and pagination; money as strings."""

import pytest
from test_api_support import ApiClient, device_row, imei_for, ok, receive_stock

from cellbooks.inventory.models import Condition, Device, Product


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


def test_it_creates_a_device_from_product_attributes(api, company):
    body = ok(
        api.post(
            "/devices",
            {
                "identifier": imei_for(1),
                "manufacturer": "Samsung",
                "model": "Galaxy S22",
                "capacity": "256GB",
                "colour": "Black",
                "network": "Unlocked",
                "condition": "b",
                "cost": "1,234.50",
                "price": "1500",
                "location": "Shelf 3",
                "notes": "Box included",
            },
        ),
        201,
    )
    assert body["identifier"] == imei_for(1)
    assert body["identifier_kind"] == "imei"
    assert body["product"]["display_name"] == "Samsung Galaxy S22 256GB Black Unlocked"
    assert body["condition"] == "B"
    assert body["cost"] == "1234.50"
    assert body["price"] == "1500.00"
    assert body["status"] == "in_stock"
    assert body["location"] == "Shelf 3"
    device = Device.objects.get(pk=body["id"], company=company)
    assert str(device.cost) == "1234.50"


def test_it_creates_a_device_for_an_existing_product_id(api, company):
    product = Product.objects.create(
        company=company, manufacturer="Apple", model="iPad Air", kind="tablet"
    )
    body = ok(
        api.post(
            "/devices",
            {"identifier": "SN-XYZ-1", "product": product.id, "condition": "A", "cost": 99},
        ),
        201,
    )
    assert body["product"]["id"] == product.id
    assert body["product"]["kind"] == "tablet"
    assert body["identifier_kind"] == "serial"
    assert body["cost"] == "99.00"
    assert body["price"] is None


def test_a_bad_imei_is_refused_with_the_field_named(api):
    response = api.post(
        "/devices",
        {
            "identifier": "352099001761482",
            "manufacturer": "Apple",
            "model": "iPhone 12",
            "condition": "A",
            "cost": "10",
        },
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "identifier"]
    assert "352099001761482" in error["msg"] or "check digit" in error["msg"].lower()
    assert not Device.objects.exists()


def test_money_with_three_decimals_or_as_a_float_is_refused_naming_the_field(api):
    base = {
        "identifier": imei_for(2),
        "manufacturer": "Apple",
        "model": "iPhone 12",
        "condition": "A",
    }

    response = api.post("/devices", {**base, "cost": "12.345"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "cost"]
    assert "more than two decimal places" in error["msg"]

    response = api.post("/devices", {**base, "cost": "10.00", "price": 12.5})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "price"]
    assert "string" in error["msg"]
    assert not Device.objects.exists()


def test_every_problem_with_a_device_is_reported(api):
    response = api.post(
        "/devices",
        {
            "identifier": "",
            "manufacturer": "Apple",
            "model": "iPhone 12",
            "condition": "Z",
            "cost": "-5",
        },
    )
    assert response.status_code == 422
    locs = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
    assert set(locs) == {("body", "identifier"), ("body", "condition"), ("body", "cost")}
    assert "use one of A, B, C, D" in locs[("body", "condition")]
    assert "negative" in locs[("body", "cost")]


def test_a_device_needs_a_product_id_or_manufacturer_and_model(api):
    response = api.post("/devices", {"identifier": imei_for(3), "condition": "A", "cost": "1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "manufacturer"]
    assert not Product.objects.exists()


def test_a_refused_device_leaves_no_new_product_behind(api, company):
    ok(
        api.post(
            "/devices",
            {
                "identifier": imei_for(4),
                "manufacturer": "Apple",
                "model": "iPhone 12",
                "condition": "A",
                "cost": "1",
            },
        ),
        201,
    )
    response = api.post(
        "/devices",
        {
            "identifier": imei_for(4),
            "manufacturer": "Google",
            "model": "Pixel 7",
            "condition": "A",
            "cost": "1",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "identifier"],
            "msg": f"{imei_for(4)} is already in stock.",
            "type": "invalid",
        }
    ]
    assert not Product.objects.filter(company=company, model="Pixel 7").exists()


def test_it_reads_one_device(api):
    created = ok(
        api.post(
            "/devices",
            {
                "identifier": imei_for(5),
                "manufacturer": "Apple",
                "model": "iPhone 12",
                "condition": "C",
                "cost": "80.10",
            },
        ),
        201,
    )
    body = ok(api.get(f"/devices/{created['id']}"))
    assert body == created


def test_an_unknown_device_is_404(api, company):
    response = api.get("/devices/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_the_list_filters_by_search_status_product_and_condition(api, company):
    receive_stock(
        api,
        [
            device_row(1, model="iPhone 13"),
            device_row(2, model="iPhone 13", condition="B"),
            device_row(3, manufacturer="Google", model="Pixel 7", condition="B"),
        ],
    )
    assert ok(api.get("/devices"))["count"] == 3
    assert [d["identifier"] for d in ok(api.get("/devices", q=imei_for(3)))["items"]] == [
        imei_for(3)
    ]
    assert ok(api.get("/devices", q="pixel"))["count"] == 1

    pixel = Product.objects.get(company=company, model="Pixel 7")
    assert [d["identifier"] for d in ok(api.get("/devices", product=pixel.id))["items"]] == [
        imei_for(3)
    ]
    grade_b = Condition.objects.get(company=company, code="B")
    assert {d["identifier"] for d in ok(api.get("/devices", condition=grade_b.id))["items"]} == {
        imei_for(2),
        imei_for(3),
    }
    assert ok(api.get("/devices", status="in_stock"))["count"] == 3
    assert ok(api.get("/devices", status="sold"))["count"] == 0


def test_an_unknown_status_filter_is_refused(api):
    response = api.get("/devices", status="lost")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]


def test_the_list_is_paginated_with_a_total_count(api):
    receive_stock(api, [device_row(n) for n in range(1, 8)])
    page = ok(api.get("/devices", limit=3, offset=0))
    assert page["count"] == 7
    assert len(page["items"]) == 3
    rest = ok(api.get("/devices", limit=3, offset=6))
    assert rest["count"] == 7
    assert len(rest["items"]) == 1
    seen = {d["id"] for d in page["items"]} | {
        d["id"] for d in ok(api.get("/devices", limit=3, offset=3))["items"]
    }
    assert len(seen | {d["id"] for d in rest["items"]}) == 7


def test_a_new_products_kind_is_guessed_from_its_name_unless_given(api):
    ipad = {
        "identifier": "IPAD-1",
        "manufacturer": "Apple",
        "model": "iPad Air",
        "condition": "A",
        "cost": "1",
    }
    assert ok(api.post("/devices", ipad), 201)["product"]["kind"] == "tablet"
    other = {**ipad, "identifier": "GADGET-1", "model": "Watch 9", "kind": "other"}
    assert ok(api.post("/devices", other), 201)["product"]["kind"] == "other"


def test_a_product_id_and_attributes_together_are_refused(api, company):
    product = Product.objects.create(
        company=company, manufacturer="Apple", model="iPad Air", kind="tablet"
    )
    response = api.post(
        "/devices",
        {
            "identifier": "SN-1",
            "product": product.id,
            "manufacturer": "Apple",
            "model": "X",
            "condition": "A",
            "cost": "1",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "product"]
    assert not Device.objects.exists()

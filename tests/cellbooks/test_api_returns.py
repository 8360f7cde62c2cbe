"""Returns through the API: the same rules as the pages — from a sold invoice, by identifier, the
credit applied, kept or refunded; vendor returns at cost; refusals located at the device."""

import pytest
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock

from cellbooks.inventory.models import Device


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def sold(api):
    """An open invoice for three devices at $400, $450 and $500."""
    receive_stock(
        api, [device_row(1, price="400"), device_row(2, price="450"), device_row(3, price="500")]
    )
    customer = create_customer(api)
    invoice = ok(
        api.post(
            "/invoices",
            {"customer": customer["id"], "identifiers": [imei_for(1), imei_for(2), imei_for(3)]},
        ),
        201,
    )
    return ok(api.post(f"/invoices/{invoice['id']}/open", {}))


def test_a_return_created_and_completed_in_one_call(api, sold):
    body = ok(
        api.post(
            "/returns",
            {
                "invoice": sold["id"],
                "reason": "Cracked back glass",
                "credit": "apply",
                "devices": [
                    {"identifier": imei_for(2), "disposition": "restock", "new_condition": "b"},
                    {"identifier": imei_for(3), "disposition": "write_off"},
                ],
                "complete": True,
            },
        ),
        201,
    )
    assert (body["number"], body["status"], body["total"]) == ("RMA-1001", "completed", "950.00")
    assert [
        (line["identifier"], line["unit_price"], line["new_condition"]) for line in body["lines"]
    ] == [
        (imei_for(2), "450.00", "B"),
        (imei_for(3), "500.00", None),
    ]
    assert body["quickbooks"]["state"] == "not_synced"
    invoice = ok(api.get(f"/invoices/{sold['id']}"))
    assert (invoice["total"], invoice["balance_due"]) == ("1350.00", "400.00")
    assert Device.objects.get(identifier=imei_for(2)).status == "in_stock"
    assert Device.objects.get(identifier=imei_for(3)).status == "written_off"
    listed = ok(api.get(f"/returns?invoice={sold['id']}"))
    assert [r["number"] for r in listed["items"]] == ["RMA-1001"]


def test_every_refused_device_is_named_at_its_index_and_nothing_is_kept(api, sold):
    response = api.post(
        "/returns",
        {
            "invoice": sold["id"],
            "reason": "x",
            "devices": [{"identifier": imei_for(1)}, {"identifier": imei_for(9)}],
        },
    )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "devices", 1, "identifier"]
    assert f"{imei_for(9)} is not on invoice" in problem["msg"]
    assert ok(api.get("/returns"))["count"] == 0


def test_a_refund_beyond_what_was_paid_is_refused_as_a_conflict_of_the_credit(api, sold):
    response = api.post(
        "/returns",
        {
            "invoice": sold["id"],
            "reason": "x",
            "credit": "refund",
            "refund_method": "wire",
            "devices": [{"identifier": imei_for(1)}],
            "complete": True,
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "credit"]
    assert "Only $0.00 was paid" in response.json()["detail"][0]["msg"]


def test_void_then_the_device_is_sold_again(api, sold):
    rma = ok(
        api.post(
            "/returns",
            {
                "invoice": sold["id"],
                "reason": "x",
                "devices": [{"identifier": imei_for(1)}],
                "complete": True,
            },
        ),
        201,
    )
    voided = ok(api.post(f"/returns/{rma['id']}/void", {}))
    assert voided["status"] == "void"
    assert Device.objects.get(identifier=imei_for(1)).status == "sold"
    assert ok(api.get(f"/invoices/{sold['id']}"))["balance_due"] == "1350.00"


def test_a_vendor_return_at_cost_through_the_api(api, sold):
    receive_stock(api, [device_row(5, cost="210.00")], vendor_name="Second Source")
    vendor_id = Device.objects.get(identifier=imei_for(5)).purchase_line.purchase_order.vendor_id
    body = ok(
        api.post(
            "/vendor-returns",
            {
                "vendor": vendor_id,
                "reason": "DOA",
                "devices": [{"identifier": imei_for(5)}],
                "complete": True,
            },
        ),
        201,
    )
    assert (body["number"], body["status"], body["total"]) == ("RTV-1001", "completed", "210.00")
    assert Device.objects.get(identifier=imei_for(5)).status == "returned"


def test_another_companys_return_is_404(api, other_company):
    other = ApiClient.for_company(other_company)
    assert other.get("/returns/1").status_code == 404
    assert api.post("/returns/999999/complete", {}).status_code == 404

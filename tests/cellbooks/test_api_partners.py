"""Vendors and customers through the API: one Partner model seen in two lists."""

import pytest
from test_api_support import ApiClient, device_row, ok, receive_stock

from cellbooks.inventory.models import Partner


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


def test_it_creates_a_vendor(api, company):
    body = ok(
        api.post(
            "/vendors",
            {
                "name": "  Phone Source Ltd ",
                "email": "buy@phonesource.test",
                "phone": "+1 555 0100",
                "address": "1 Dock Road",
                "payment_terms_days": 15,
            },
        ),
        201,
    )
    assert body["name"] == "Phone Source Ltd"
    assert body["is_vendor"] is True
    assert body["is_customer"] is False
    assert body["payment_terms_days"] == 15
    partner = Partner.objects.get(pk=body["id"])
    assert partner.company_id == company.id


def test_it_creates_a_customer_with_default_terms(api):
    body = ok(api.post("/customers", {"name": "Corner Mobile Shop"}), 201)
    assert body["is_customer"] is True
    assert body["is_vendor"] is False
    assert body["payment_terms_days"] == 30


def test_a_partner_who_is_both_appears_in_both_lists(api):
    both = ok(api.post("/vendors", {"name": "Trade-In Partners", "is_customer": True}), 201)
    ok(api.post("/vendors", {"name": "Only Sells To Us"}), 201)
    ok(api.post("/customers", {"name": "Only Buys From Us"}), 201)

    vendors = ok(api.get("/vendors"))
    customers = ok(api.get("/customers"))
    assert [v["name"] for v in vendors["items"]] == ["Only Sells To Us", "Trade-In Partners"]
    assert [c["name"] for c in customers["items"]] == ["Only Buys From Us", "Trade-In Partners"]
    assert vendors["count"] == customers["count"] == 2
    assert ok(api.get(f"/customers/{both['id']}"))["id"] == both["id"]
    assert ok(api.get(f"/vendors/{both['id']}"))["id"] == both["id"]


def test_a_vendor_only_partner_is_not_found_as_a_customer(api):
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    response = api.get(f"/customers/{vendor['id']}")
    assert response.status_code == 404
    assert api.patch(f"/customers/{vendor['id']}", {"phone": "1"}).status_code == 404


def test_the_list_searches_by_name(api):
    ok(api.post("/customers", {"name": "Corner Mobile Shop"}), 201)
    ok(api.post("/customers", {"name": "Metro Repairs"}), 201)
    assert [c["name"] for c in ok(api.get("/customers", q="metro"))["items"]] == ["Metro Repairs"]


def test_it_updates_only_the_fields_sent(api):
    vendor = ok(
        api.post(
            "/vendors", {"name": "Phone Source Ltd", "email": "a@b.test", "payment_terms_days": 15}
        ),
        201,
    )
    body = ok(
        api.patch(f"/vendors/{vendor['id']}", {"payment_terms_days": 45, "notes": "Ships Tuesdays"})
    )
    assert body["payment_terms_days"] == 45
    assert body["notes"] == "Ships Tuesdays"
    assert body["email"] == "a@b.test"
    assert body["name"] == "Phone Source Ltd"
    assert ok(api.get(f"/vendors/{vendor['id']}"))["payment_terms_days"] == 45


def test_an_update_can_make_a_vendor_a_customer_too(api):
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)
    body = ok(api.patch(f"/vendors/{vendor['id']}", {"is_customer": True}))
    assert body["is_vendor"] is True and body["is_customer"] is True
    assert ok(api.get("/customers"))["count"] == 1


def test_a_role_in_use_cannot_be_removed(api):
    po = receive_stock(api, [device_row(1)])
    vendor_id = po["vendor"]["id"]
    ok(api.patch(f"/vendors/{vendor_id}", {"is_customer": True}))
    response = api.patch(f"/vendors/{vendor_id}", {"is_vendor": False})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "is_vendor"]
    assert "must stay a vendor" in error["msg"]


def test_partner_validation_errors_name_each_field(api):
    ok(api.post("/customers", {"name": "Corner Mobile Shop"}), 201)
    response = api.post("/customers", {"name": "corner mobile shop", "email": "not-an-email"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert locs == {
        ("body", "name"): "There is already a partner called Corner Mobile Shop.",
        ("body", "email"): "'not-an-email' is not an e-mail address.",
    }


def test_a_missing_name_and_negative_terms_are_refused_by_the_schema(api):
    response = api.post("/vendors", {"payment_terms_days": -1})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locs == {("body", "name"), ("body", "payment_terms_days")}
    assert not Partner.objects.exists()

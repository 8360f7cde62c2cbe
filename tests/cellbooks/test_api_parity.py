"""Everything the pages do, through the API, with the same rules and the same sentences: edit a PO
and add or remove its devices, edit an invoice and its lines, edit a device and read its history,
products and conditions."""

import pytest
from test_api_support import ApiClient, create_customer, device_row, imei_for, ok, receive_stock

from cellbooks.inventory.models import Device, Invoice, Product


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def vendor(api):
    return ok(api.post("/vendors", {"name": "Handset Wholesale", "payment_terms_days": 15}), 201)


@pytest.fixture
def draft(api, vendor):
    return ok(
        api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(1)]}), 201
    )


@pytest.fixture
def other_draft(api, vendor):
    """A draft PO whose device is not one of ``stock``'s."""
    return ok(
        api.post("/purchase-orders", {"vendor": vendor["id"], "devices": [device_row(7)]}), 201
    )


def lines(document, amount="unit_cost"):
    return [(line["identifier"], line[amount]) for line in document["lines"]]


# ---- purchase orders ----------------------------------------------------------------------------


def test_a_draft_po_takes_more_devices_in_the_create_calls_shape(api, draft):
    body = ok(
        api.post(
            f"/purchase-orders/{draft['id']}/devices",
            {"devices": [device_row(2, cost="310.00"), device_row(3, model="iPhone 14")]},
        ),
        201,
    )
    assert lines(body) == [
        (imei_for(1), "300.00"),
        (imei_for(2), "310.00"),
        (imei_for(3), "300.00"),
    ]
    assert (body["device_count"], body["total"]) == (3, "910.00")


def test_adding_devices_is_all_or_nothing_with_every_problem_named(api, draft):
    response = api.post(
        f"/purchase-orders/{draft['id']}/devices",
        {
            "devices": [
                device_row(2),
                device_row(1),  # already on this PO
                device_row(4, condition="Z", cost="-1"),
                device_row(2),  # twice in this request
            ]
        },
    )
    assert response.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert problems[("body", "devices", 1, "identifier")] == (
        f"{imei_for(1)} is already on its way, on a purchase order not received yet."
    )
    assert problems[("body", "devices", 2, "condition")].startswith("There is no condition 'Z'")
    assert problems[("body", "devices", 2, "cost")] == "Cost cannot be negative (-$1.00)."
    assert problems[("body", "devices", 3, "identifier")] == "Duplicate of item 0 in this request."
    assert ok(api.get(f"/purchase-orders/{draft['id']}"))["device_count"] == 1
    assert not Device.objects.filter(identifier=imei_for(2)).exists()


def test_a_received_po_takes_no_more_devices_and_loses_none(api, draft):
    ok(api.post(f"/purchase-orders/{draft['id']}/receive"))
    refused = api.post(f"/purchase-orders/{draft['id']}/devices", {"devices": [device_row(2)]})
    assert refused.status_code == 409
    assert refused.json()["detail"] == [
        {
            "loc": [],
            "msg": f"Purchase order {draft['number']} is received: only a draft one can take "
            "new devices.",
            "type": "conflict",
        }
    ]
    line_id = draft["lines"][0]["id"]
    gone = api.delete(f"/purchase-orders/{draft['id']}/lines/{line_id}")
    assert gone.status_code == 409
    assert "only a draft one can lose devices" in gone.json()["detail"][0]["msg"]


def test_removing_a_device_from_a_draft_po_deletes_it(api, draft):
    ok(api.post(f"/purchase-orders/{draft['id']}/devices", {"devices": [device_row(2)]}), 201)
    line_id = draft["lines"][0]["id"]
    body = ok(api.delete(f"/purchase-orders/{draft['id']}/lines/{line_id}"))
    assert lines(body) == [(imei_for(2), "300.00")]
    assert not Device.objects.filter(identifier=imei_for(1)).exists()
    missing = api.delete(f"/purchase-orders/{draft['id']}/lines/{line_id}")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["loc"] == ["path", "line_id"]


def test_editing_a_po_header_follows_the_pages_rules(api, draft, vendor):
    other = ok(api.post("/vendors", {"name": "Second Source"}), 201)
    body = ok(
        api.patch(
            f"/purchase-orders/{draft['id']}",
            {"number": "PO-77", "date": "2026-02-03", "notes": " Late ", "vendor": other["id"]},
        )
    )
    assert (body["number"], body["date"], body["notes"]) == ("PO-77", "2026-02-03", "Late")
    assert body["vendor"]["id"] == other["id"]

    ok(api.post(f"/purchase-orders/{draft['id']}/receive"))
    fixed = api.patch(f"/purchase-orders/{draft['id']}", {"vendor": vendor["id"]})
    assert fixed.status_code == 422
    assert fixed.json()["detail"] == [
        {
            "loc": ["body", "vendor"],
            "msg": "Purchase order PO-77 is received: its vendor is fixed.",
            "type": "invalid",
        }
    ]
    assert ok(api.patch(f"/purchase-orders/{draft['id']}", {"notes": "Paid by wire"}))["notes"] == (
        "Paid by wire"
    )

    customer = create_customer(api)
    not_a_vendor = api.patch(f"/purchase-orders/{draft['id']}", {"number": "PO-78"})
    assert not_a_vendor.status_code == 200
    unknown = api.patch(f"/purchase-orders/{draft['id']}", {"vendor": customer["id"] + 1000})
    assert unknown.status_code == 404
    assert unknown.json()["detail"][0]["loc"] == ["body", "vendor"]


# ---- invoices -----------------------------------------------------------------------------------


@pytest.fixture
def stock(api):
    receive_stock(
        api, [device_row(n, price=price) for n, price in ((1, "400"), (2, "450"), (3, "500"))]
    )


@pytest.fixture
def customer(api):
    return create_customer(api)


@pytest.fixture
def issued(api, stock, customer):
    invoice = ok(
        api.post("/invoices", {"customer": customer["id"], "identifiers": [imei_for(1)]}), 201
    )
    return ok(api.post(f"/invoices/{invoice['id']}/open"))


def test_an_open_invoice_takes_a_device_at_a_new_price(api, issued):
    body = ok(
        api.post(
            f"/invoices/{issued['id']}/devices",
            {"identifiers": [imei_for(2)], "unit_prices": {imei_for(2): "432.10"}},
        ),
        201,
    )
    assert lines(body, "unit_price") == [(imei_for(1), "400.00"), (imei_for(2), "432.10")]
    assert (body["status"], body["total"], body["balance_due"]) == ("open", "832.10", "832.10")
    assert Device.objects.get(identifier=imei_for(2)).status == "sold"


def test_adding_devices_to_an_invoice_names_each_refused_one(api, issued):
    response = api.post(
        f"/invoices/{issued['id']}/devices",
        {
            "identifiers": [imei_for(2), imei_for(1), imei_for(9)],
            "unit_prices": {imei_for(5): "1.00"},
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "unit_prices", imei_for(5)],
            "msg": "Not one of the identifiers.",
            "type": "invalid",
        }
    ]
    response = api.post(
        f"/invoices/{issued['id']}/devices",
        {"identifiers": [imei_for(2), imei_for(1), imei_for(9)]},
    )
    assert response.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert set(problems) == {("body", "identifiers", 1), ("body", "identifiers", 2)}
    assert problems[("body", "identifiers", 1)].startswith(f"{imei_for(1)} is not in stock")
    assert "no device with this IMEI or serial" in problems[("body", "identifiers", 2)]
    assert ok(api.get(f"/invoices/{issued['id']}"))["device_count"] == 1  # nothing added


def test_a_line_price_changes_until_paid_never_below_what_was_paid(api, issued):
    line_id = issued["lines"][0]["id"]
    body = ok(api.patch(f"/invoices/{issued['id']}/lines/{line_id}", {"unit_price": "380.00"}))
    assert (body["total"], body["lines"][0]["unit_price"]) == ("380.00", "380.00")

    ok(api.post(f"/invoices/{issued['id']}/payments", {"amount": "300.00"}), 201)
    too_low = api.patch(f"/invoices/{issued['id']}/lines/{line_id}", {"unit_price": "299.99"})
    assert too_low.status_code == 409
    assert too_low.json()["detail"][0]["msg"] == (
        f"Invoice {issued['number']} would total $299.99, less than the $300.00 already paid or "
        "credited: delete or change a payment first."
    )
    assert ok(api.get(f"/invoices/{issued['id']}"))["total"] == "380.00"
    bad = api.patch(f"/invoices/{issued['id']}/lines/{line_id}", {"unit_price": "1.005"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "unit_price"]

    ok(api.post(f"/invoices/{issued['id']}/payments", {"amount": "80.00"}), 201)
    paid = api.patch(f"/invoices/{issued['id']}/lines/{line_id}", {"unit_price": "500.00"})
    assert paid.status_code == 409
    assert (
        "only a draft, open or partially paid one can change prices"
        in paid.json()["detail"][0]["msg"]
    )


def test_removing_a_device_from_an_invoice_puts_it_back_in_stock(api, issued):
    ok(api.post(f"/invoices/{issued['id']}/devices", {"identifiers": [imei_for(2)]}), 201)
    body = ok(api.get(f"/invoices/{issued['id']}"))
    second = body["lines"][1]["id"]
    after = ok(api.delete(f"/invoices/{issued['id']}/lines/{second}"))
    assert lines(after, "unit_price") == [(imei_for(1), "400.00")]
    assert Device.objects.get(identifier=imei_for(2)).status == "in_stock"
    last = api.delete(f"/invoices/{issued['id']}/lines/{after['lines'][0]['id']}")
    assert last.status_code == 409
    assert last.json()["detail"][0]["msg"] == (
        f"This is the last device on invoice {issued['number']}: void it instead."
    )


def test_editing_an_invoice_header_is_for_drafts(api, stock, customer, issued):
    draft = ok(api.post("/invoices", {"customer": customer["id"], "identifiers": []}), 201)
    body = ok(
        api.patch(f"/invoices/{draft['id']}", {"date": "2026-04-01", "notes": "Collect on Friday"})
    )
    assert (body["date"], body["due_date"], body["notes"]) == (
        "2026-04-01",
        "2026-05-01",  # the due date follows the customer's net 30
        "Collect on Friday",
    )
    early = api.patch(f"/invoices/{draft['id']}", {"due_date": "2026-03-01"})
    assert early.status_code == 422
    assert early.json()["detail"] == [
        {
            "loc": ["body", "due_date"],
            "msg": "The due date 2026-03-01 is before the invoice date 2026-04-01.",
            "type": "invalid",
        }
    ]
    refused = api.patch(f"/invoices/{issued['id']}", {"notes": "too late"})
    assert refused.status_code == 409
    assert "only a draft one can be edited" in refused.json()["detail"][0]["msg"]


# ---- devices ------------------------------------------------------------------------------------


def test_a_device_takes_a_price_location_notes_and_grade(api, stock):
    device = ok(api.get("/devices", q=imei_for(1)))["items"][0]
    body = ok(
        api.patch(
            f"/devices/{device['id']}",
            {"price": "419.99", "location": "Shelf B3", "notes": "Box damaged", "condition": "b"},
        )
    )
    assert (body["price"], body["location"], body["notes"], body["condition"]) == (
        "419.99",
        "Shelf B3",
        "Box damaged",
        "B",
    )
    cleared = ok(api.patch(f"/devices/{device['id']}", {"price": None}))
    assert cleared["price"] is None

    refused = api.patch(f"/devices/{device['id']}", {"cost": "1.00", "condition": "Z"})
    assert refused.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in refused.json()["detail"]}
    assert problems[("body", "cost")].startswith("The cost comes from purchase order")
    assert problems[("body", "condition")].startswith("There is no condition 'Z'")
    assert ok(api.get(f"/devices/{device['id']}"))["condition"] == "B"  # nothing changed


def test_a_sold_device_keeps_its_imei(api, issued):
    device = ok(api.get("/devices", q=imei_for(1)))["items"][0]
    refused = api.patch(f"/devices/{device['id']}", {"identifier": imei_for(8)})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == (
        f"{imei_for(1)} is sold: only a device in stock or on its way can change its IMEI or "
        "serial."
    )


def test_a_devices_history_is_its_life_as_its_page_shows_it(api, issued, customer):
    device = ok(api.get("/devices", q=imei_for(1)))["items"][0]
    history = ok(api.get(f"/devices/{device['id']}/history"))
    assert history["device"]["identifier"] == imei_for(1)
    bought, sold = history["timeline"]
    assert (bought["what"], bought["document"]["kind"], bought["document"]["status"]) == (
        "Bought",
        "purchase_order",
        "received",
    )
    assert (bought["partner"]["name"], bought["amount"]) == ("Phone Source Ltd", "300.00")
    assert (sold["what"], sold["document"]["number"], sold["document"]["kind"]) == (
        "Sold",
        issued["number"],
        "invoice",
    )
    assert (sold["partner"]["id"], sold["amount"], sold["device_id"]) == (
        customer["id"],
        "400.00",
        device["id"],
    )

    adjusted = ok(
        api.post(
            "/devices",
            {
                "identifier": "SN-LOOSE-1",
                "manufacturer": "Apple",
                "model": "iPad Air",
                "condition": "A",
                "cost": "100",
            },
        ),
        201,
    )
    assert ok(api.get(f"/devices/{adjusted['id']}/history"))["timeline"] == []


# ---- products and conditions --------------------------------------------------------------------


def test_products_are_listed_created_and_edited(api, stock):
    [phone] = ok(api.get("/products"))["items"]
    assert (phone["display_name"], phone["in_stock"]) == ("Apple iPhone 13 128GB Blue Unlocked", 3)
    created = ok(
        api.post("/products", {"manufacturer": "Apple", "model": "iPad Air", "capacity": "64GB"}),
        201,
    )
    assert (created["kind"], created["in_stock"]) == ("tablet", 0)
    twice = api.post(
        "/products", {"manufacturer": "apple", "model": "IPAD AIR", "capacity": "64gb"}
    )
    assert twice.status_code == 422
    assert twice.json()["detail"] == [
        {
            "loc": ["body", "model"],
            "msg": f"There is already a product Apple iPad Air 64GB (id {created['id']}).",
            "type": "invalid",
        }
    ]
    edited = ok(api.patch(f"/products/{created['id']}", {"colour": "Space Grey"}))
    assert edited["display_name"] == "Apple iPad Air 64GB Space Grey"
    clash = api.patch(
        f"/products/{created['id']}",
        {"model": "iPhone 13", "capacity": "128GB", "colour": "Blue", "network": "Unlocked"},
    )
    assert clash.status_code == 422
    assert ok(api.get("/products", q="ipad grey"))["count"] == 1
    assert Product.objects.count() == 2


def test_conditions_are_listed_created_and_edited(api):
    codes = [c["code"] for c in ok(api.get("/conditions"))["items"]]
    assert codes == ["A", "B", "C", "D"]
    created = ok(api.post("/conditions", {"code": "A+", "description": "Sealed"}), 201)
    assert created["sort_order"] == 4
    moved = ok(api.patch(f"/conditions/{created['id']}", {"sort_order": 0, "code": "New"}))
    assert (moved["code"], moved["sort_order"]) == ("New", 0)
    clash = api.patch(f"/conditions/{created['id']}", {"code": "b"})
    assert clash.status_code == 422
    assert clash.json()["detail"][0] == {
        "loc": ["body", "code"],
        "msg": "There is already a condition b.",
        "type": "invalid",
    }
    empty = api.post("/conditions", {"code": "  "})
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["msg"] == "The code is required."


def test_another_companys_records_answer_404_everywhere(api, issued, other_company, other_draft):
    draft = other_draft
    rival = ApiClient.for_company(other_company)
    device = ok(api.get("/devices", q=imei_for(1)))["items"][0]
    product = ok(api.get("/products"))["items"][0]
    condition = ok(api.get("/conditions"))["items"][0]
    line = issued["lines"][0]["id"]
    attempts = [
        rival.patch(f"/devices/{device['id']}", {"notes": "x"}),
        rival.get(f"/devices/{device['id']}/history"),
        rival.patch(f"/products/{product['id']}", {"colour": "x"}),
        rival.patch(f"/conditions/{condition['id']}", {"code": "x"}),
        rival.patch(f"/purchase-orders/{draft['id']}", {"notes": "x"}),
        rival.post(f"/purchase-orders/{draft['id']}/devices", {"devices": [device_row(9)]}),
        rival.delete(f"/purchase-orders/{draft['id']}/lines/{draft['lines'][0]['id']}"),
        rival.patch(f"/invoices/{issued['id']}", {"notes": "x"}),
        rival.post(f"/invoices/{issued['id']}/devices", {"identifiers": [imei_for(2)]}),
        rival.patch(f"/invoices/{issued['id']}/lines/{line}", {"unit_price": "1.00"}),
        rival.delete(f"/invoices/{issued['id']}/lines/{line}"),
    ]
    assert [response.status_code for response in attempts] == [404] * len(attempts)
    assert Invoice.objects.get(pk=issued["id"]).total == 400
    assert ok(rival.get("/products"))["count"] == 0


def key_with_role(company, role) -> ApiClient:
    from cellbooks.accounts.models import ApiKey

    _, raw = ApiKey.issue(company=company, name=f"{role} key", role=role)
    return ApiClient(raw)


def test_a_warehouse_key_looks_after_devices_but_not_their_money(api, stock, company):
    warehouse = key_with_role(company, "warehouse")
    device = ok(warehouse.get("/devices", q=imei_for(1)))["items"][0]
    body = ok(warehouse.patch(f"/devices/{device['id']}", {"location": "Bin 4", "condition": "C"}))
    assert (body["location"], body["condition"]) == ("Bin 4", "C")

    refused = warehouse.patch(f"/devices/{device['id']}", {"price": "1.00", "notes": "cheap"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "This API key's role (Warehouse) cannot change a device's price: only an owner's or a "
        "bookkeeper's key can."
    )
    assert ok(api.get(f"/devices/{device['id']}"))["price"] == "400.00"
    assert ok(api.get(f"/devices/{device['id']}"))["notes"] == ""  # all or nothing

    for response in (
        warehouse.post("/products", {"manufacturer": "Apple", "model": "iPad"}),
        warehouse.patch(
            f"/conditions/{ok(api.get('/conditions'))['items'][0]['id']}", {"code": "X"}
        ),
        warehouse.post(
            "/webhooks/subscriptions", {"url": "https://example.com/h", "event_types": ["*"]}
        ),
    ):
        assert response.status_code == 403, response.content
    viewer = key_with_role(company, "viewer")
    assert ok(viewer.get("/webhooks/event-types"))
    assert viewer.get("/webhooks/subscriptions").status_code == 403
    assert ok(viewer.get(f"/devices/{device['id']}/history"))["device"]["id"] == device["id"]

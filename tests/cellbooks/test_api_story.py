"""The whole story through the API, as an integrator would run it: buy, receive, sell, get paid."""

from io import StringIO

from django.core.management import call_command
from test_api_support import ApiClient, imei_for, ok

from cellbooks.accounts.models import ApiKey


def test_buy_receive_sell_and_get_paid_through_the_api(company):
    out = StringIO()
    call_command("create_api_key", company.slug, "integration", stdout=out)
    raw = next(line for line in out.getvalue().splitlines() if line.startswith(ApiKey.PREFIX))
    api = ApiClient(raw)

    # A vendor, and a PO of three phones from them.
    vendor = ok(api.post("/vendors", {"name": "Phone Source Ltd", "payment_terms_days": 15}), 201)
    devices = [
        {
            "identifier": imei_for(n),
            "manufacturer": "Apple",
            "model": "iPhone 14",
            "capacity": "128GB",
            "colour": "Midnight",
            "network": "Unlocked",
            "condition": grade,
            "cost": cost,
        }
        for n, grade, cost in ((1, "A", "520.00"), (2, "B", "480.00"), (3, "A", "515.50"))
    ]
    po = ok(
        api.post(
            "/purchase-orders", {"vendor": vendor["id"], "date": "2026-04-01", "devices": devices}
        ),
        201,
    )
    assert (po["status"], po["total"], po["device_count"]) == ("draft", "1515.50", 3)

    po = ok(api.post(f"/purchase-orders/{po['id']}/receive"))
    assert po["status"] == "received"
    assert ok(api.get("/devices", status="in_stock"))["count"] == 3

    # A customer buys two of them.
    customer = ok(
        api.post("/customers", {"name": "Corner Mobile Shop", "payment_terms_days": 30}), 201
    )
    invoice = ok(
        api.post(
            "/invoices",
            {
                "customer": customer["id"],
                "date": "2026-04-03",
                "identifiers": [imei_for(1), imei_for(2)],
                "unit_prices": {imei_for(1): "699.00", imei_for(2): "649.50"},
            },
        ),
        201,
    )
    assert (invoice["status"], invoice["total"], invoice["due_date"]) == (
        "draft",
        "1348.50",
        "2026-05-03",
    )

    invoice = ok(api.post(f"/invoices/{invoice['id']}/open"))
    assert (invoice["status"], invoice["balance_due"]) == ("open", "1348.50")
    sold = {d["identifier"] for d in ok(api.get("/devices", status="sold"))["items"]}
    assert sold == {imei_for(1), imei_for(2)}

    # A partial payment, then the rest.
    ok(
        api.post(
            f"/invoices/{invoice['id']}/payments",
            {"amount": "1000.00", "date": "2026-04-10", "method": "wire", "reference": "WT-1"},
        ),
        201,
    )
    invoice = ok(api.get(f"/invoices/{invoice['id']}"))
    assert (invoice["status"], invoice["amount_paid"], invoice["balance_due"]) == (
        "partially_paid",
        "1000.00",
        "348.50",
    )

    ok(
        api.post(
            f"/invoices/{invoice['id']}/payments",
            {"amount": "348.50", "method": "check", "reference": "1182"},
        ),
        201,
    )
    invoice = ok(api.get(f"/invoices/{invoice['id']}"))
    assert (invoice["status"], invoice["amount_paid"], invoice["balance_due"]) == (
        "paid",
        "1348.50",
        "0.00",
    )
    assert ok(api.get("/invoices", status="paid"))["count"] == 1
    assert ok(api.get("/devices", status="in_stock"))["items"][0]["identifier"] == imei_for(3)

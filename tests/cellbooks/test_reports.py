"""The price sheet, margins and receivables: figures checked against the devices and invoices they
come from, on the pages and in their exports."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from cellbooks.inventory import csv_import, figures, returns, selectors, services
from cellbooks.inventory.models import AskingPrice, Condition, Device, Product

HEADER = "imei,manufacturer,model,capacity,colour,network,condition,cost"


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def warehouse(draft_po, imei):
    """Nine devices: five iPhone 13 A (costs 300–340), two iPhone 13 B, two Pixel 7 A."""
    rows = [f"{imei(n)},Apple,iPhone 13,128GB,Blue,Unlocked,A,{300 + 10 * n}.00" for n in range(5)]
    rows += [f"{imei(10 + n)},Apple,iPhone 13,128GB,Blue,Unlocked,B,250.25" for n in range(2)]
    rows += [f"{imei(20 + n)},Google,Pixel 7,128GB,Obsidian,Unlocked,A,199.99" for n in range(2)]
    csv_import.import_purchase_order_csv(
        purchase_order=draft_po, text=HEADER + "\n" + "\n".join(rows)
    )
    services.receive_purchase_order(purchase_order=draft_po)
    return draft_po


def sheet_row(rows, model, grade):
    return next(r for r in rows if r.product.model == model and r.condition.code == grade)


def test_the_price_sheet_sums_in_stock_devices_by_product_and_grade(company, warehouse, imei):
    today = date.today()
    rows = selectors.price_sheet(company=company, today=today)
    assert [(r.product.model, r.condition.code, r.count) for r in rows] == [
        ("iPhone 13", "A", 5),
        ("iPhone 13", "B", 2),
        ("Pixel 7", "A", 2),
    ]
    a = sheet_row(rows, "iPhone 13", "A")
    devices = Device.objects.filter(product=a.product, condition=a.condition)
    costs = [d.cost for d in devices]
    assert a.average_cost == (sum(costs) / len(costs)).quantize(Decimal("0.01"))
    assert (a.min_cost, a.max_cost) == (min(costs), max(costs)) == (Decimal("300"), Decimal("340"))
    assert a.oldest_days == 0 and a.asking_price is None
    # A device leaves the sheet when it is no longer in stock.
    invoice = services.create_invoice(
        company=company,
        customer=services.create_partner(company=company, name="Buyer", is_customer=True),
    )
    services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(0)], unit_price="400")
    rows = selectors.price_sheet(company=company, today=today)
    assert sheet_row(rows, "iPhone 13", "A").count == 4
    # Age counts from the day the PO was received.
    later = selectors.price_sheet(company=company, today=today + timedelta(days=12))
    assert sheet_row(later, "Pixel 7", "A").oldest_days == 12


def test_the_price_sheet_page_sets_an_asking_price_and_exports_it(
    client_logged_in, company, warehouse
):
    product = Product.objects.get(company=company, model="Pixel 7")
    grade_a = Condition.objects.get(company=company, code="A")
    response = client_logged_in.post(
        reverse("price_sheet_set_price"),
        {
            "product": product.pk,
            "condition": grade_a.pk,
            "price": "1,249.50",
            "next": "/price-sheet/?sort=count",
        },
    )
    assert response["Location"] == "/price-sheet/?sort=count"
    assert AskingPrice.objects.get(product=product, condition=grade_a).price == Decimal("1249.50")
    page = client_logged_in.get(reverse("price_sheet")).content.decode()
    assert 'value="1249.50"' in page and 'id="sheet-devices">9<' in page
    rows = read_csv(client_logged_in.get(reverse("price_sheet_export", args=["csv"])))
    pixel = next(r for r in rows if r["Product"] == "Google Pixel 7 128GB Obsidian Unlocked")
    assert (pixel["In stock"], pixel["Average cost"], pixel["Asking price"]) == (
        "2",
        "199.99",
        "1249.50",
    )
    assert pixel["Margin at asking price"] == "1049.51"
    # Cleared with an empty price; a bad one is refused in words and changes nothing.
    client_logged_in.post(
        reverse("price_sheet_set_price"),
        {"product": product.pk, "condition": grade_a.pk, "price": "-5"},
    )
    assert AskingPrice.objects.filter(product=product).exists()
    bad = client_logged_in.post(
        reverse("price_sheet_set_price"),
        {"product": product.pk, "condition": grade_a.pk, "price": "-5"},
        follow=True,
    ).content.decode()
    assert "An amount cannot be negative: give 0 or more." in bad
    client_logged_in.post(
        reverse("price_sheet_set_price"),
        {"product": product.pk, "condition": grade_a.pk, "price": ""},
    )
    assert not AskingPrice.objects.filter(product=product).exists()


def test_the_price_sheet_filters_and_sorts(client_logged_in, warehouse):
    page = client_logged_in.get(reverse("price_sheet") + "?q=pixel").content.decode()
    assert "Pixel 7" in page and "iPhone 13" not in page
    rows = read_csv(
        client_logged_in.get(reverse("price_sheet_export", args=["csv"]) + "?sort=count")
    )
    assert [r["In stock"] for r in rows] == ["5", "2", "2"]


def test_another_companys_product_cannot_get_an_asking_price(
    client, other_user, warehouse, company
):
    client.force_login(other_user)
    product = Product.objects.filter(company=company).first()
    grade = Condition.objects.get(company=company, code="A")
    client.post(
        reverse("price_sheet_set_price"),
        {"product": product.pk, "condition": grade.pk, "price": "9"},
    )
    assert not AskingPrice.objects.exists()


# ---- margins ----------------------------------------------------------------------------------


@pytest.fixture
def sales(company, warehouse, customer, imei):
    """Two invoices in two months, one draft and one voided (neither counts)."""
    other = services.create_partner(company=company, name="Corner Shop", is_customer=True)
    march = services.create_invoice(company=company, customer=customer, date="2025-03-10")
    services.add_devices_to_invoice(invoice=march, identifiers=[imei(0), imei(1)], unit_price="400")
    services.open_invoice(invoice=march)  # costs 300 + 310: margin 190
    april = services.create_invoice(company=company, customer=other, date="2025-04-02")
    services.add_devices_to_invoice(invoice=april, identifiers=[imei(10)], unit_price="240.25")
    services.add_devices_to_invoice(invoice=april, identifiers=[imei(20)], unit_price="260")
    services.open_invoice(invoice=april)  # 240.25 − 250.25 = −10, 260 − 199.99 = 60.01
    draft = services.create_invoice(company=company, customer=customer, date="2025-04-03")
    services.add_devices_to_invoice(invoice=draft, identifiers=[imei(2)], unit_price="999")
    void = services.create_invoice(company=company, customer=customer, date="2025-04-04")
    services.add_devices_to_invoice(invoice=void, identifiers=[imei(3)], unit_price="999")
    services.open_invoice(invoice=void)
    services.void_invoice(invoice=void)
    return march, april


def test_margins_by_month_product_customer_invoice_and_device_add_up(company, sales):
    march, april = sales
    start, end = date(2025, 1, 1), date(2025, 4, 30)
    expected_total = Decimal("190.00") + Decimal("-10.00") + Decimal("60.01")
    for by in selectors.MARGIN_GROUPINGS:
        rows, total = selectors.margin_rows(company=company, by=by, start=start, end=end)
        assert (total.units, total.revenue, total.margin) == (4, Decimal("1300.25"), expected_total)
        assert sum((r.figures.margin for r in rows), Decimal(0)) == total.margin, by
        assert sum(r.figures.units for r in rows) == 4, by
    months, _ = selectors.margin_rows(company=company, by="month", start=start, end=end)
    assert [(r.label, r.figures.units, r.figures.margin) for r in months] == [
        ("Jan 2025", 0, Decimal("0.00")),
        ("Feb 2025", 0, Decimal("0.00")),
        ("Mar 2025", 2, Decimal("190.00")),
        ("Apr 2025", 2, Decimal("50.01")),
    ]
    invoices, _ = selectors.margin_rows(company=company, by="invoice", start=start, end=end)
    assert [(r.label, r.figures.margin) for r in invoices] == [
        (march.number, Decimal("190.00")),
        (april.number, Decimal("50.01")),
    ]
    assert selectors.invoice_margin(invoice=april).margin == Decimal("50.01")
    devices, _ = selectors.margin_rows(company=company, by="device", start=start, end=end)
    assert devices[-1].figures.margin == Decimal("-10.00")  # a loss is shown as one


def test_the_margin_page_shows_the_figures_the_chart_and_exports_them(client_logged_in, sales):
    url = reverse("margin_report") + "?start=2025-03-01&end=2025-04-30&by=customer"
    page = client_logged_in.get(url).content.decode()
    assert 'id="margin-total">$240.01<' in page
    assert 'id="margin-units">4<' in page
    assert "<svg" in page and "Mar 2025" in page and "Apr 2025" in page
    rows = read_csv(
        client_logged_in.get(reverse("margin_export", args=["csv"]) + url[url.index("?") :])
    )
    assert [(r["Customer"], r["Devices sold"], r["Margin"]) for r in rows] == [
        ("Metro Mobile Repair", "2", "190.00"),
        ("Corner Shop", "2", "50.01"),
    ]
    assert rows[0]["Margin %"] == "23.8"  # 190 / 800


def test_the_margin_page_refuses_a_reversed_period_in_words(client_logged_in, sales):
    page = client_logged_in.get(reverse("margin_report") + "?start=2025-05-01&end=2025-04-01")
    assert "The last day cannot be before the first day." in page.content.decode()


def test_the_dashboard_shows_this_months_margin(
    client_logged_in, company, warehouse, customer, imei
):
    invoice = services.create_invoice(company=company, customer=customer)  # dated today
    services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(21)], unit_price="250.00")
    services.open_invoice(invoice=invoice)
    page = client_logged_in.get(reverse("dashboard")).content.decode()
    assert 'id="month-margin">$50.01<' in page


def test_the_device_and_invoice_pages_show_their_margin(client_logged_in, sales, imei):
    march, _ = sales
    page = client_logged_in.get(reverse("invoice_detail", args=[march.pk])).content.decode()
    assert 'id="invoice-margin">$190.00<' in page
    device = Device.objects.get(identifier=imei(1))
    page = client_logged_in.get(reverse("device_detail", args=[device.pk])).content.decode()
    assert "$90.00" in page  # 400 − 310


# ---- receivables ------------------------------------------------------------------------------


def test_overdue_invoices_are_marked_and_aged(client_logged_in, company, warehouse, customer, imei):
    today = client_logged_in.get(reverse("dashboard")).context["today"]
    ages = {0: "current", 10: "1_30", 45: "31_60", 75: "61_90", 200: "over_90"}
    invoices = {}
    for n, days in enumerate(ages):
        due = today - timedelta(days=days)
        invoice = services.create_invoice(
            company=company, customer=customer, date=due - timedelta(days=15), due_date=due
        )
        services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n)], unit_price="100")
        services.open_invoice(invoice=invoice)
        invoices[days] = invoice
    services.record_payment(invoice=invoices[200], amount="40")

    rows, total = selectors.receivables(company=company, today=today)
    assert [r.customer for r in rows] == [customer]
    assert rows[0].aging.buckets == {
        "current": Decimal("100.00"),
        "1_30": Decimal("100.00"),
        "31_60": Decimal("100.00"),
        "61_90": Decimal("100.00"),
        "over_90": Decimal("60.00"),
    }
    assert total.total == Decimal("460.00") and total.overdue == Decimal("360.00")

    page = client_logged_in.get(reverse("invoice_list")).content.decode()
    assert page.count("badge-overdue") == 4
    assert "Overdue 200 days" in page and "Overdue 10 days" in page
    detail = client_logged_in.get(
        reverse("invoice_detail", args=[invoices[45].pk])
    ).content.decode()
    assert "Overdue 45 days" in detail
    assert (
        "Overdue"
        not in client_logged_in.get(reverse("invoice_detail", args=[invoices[0].pk]))
        .content.decode()
        .split("<main>")[1]
        .split("</h1>")[0]
    )
    overdue_only = client_logged_in.get(
        reverse("invoice_list") + "?status=overdue"
    ).content.decode()
    assert invoices[75].number in overdue_only and invoices[0].number not in overdue_only

    page = client_logged_in.get(reverse("receivables")).content.decode()
    assert 'id="aging-total">$460.00<' in page and 'id="aging-overdue">$360.00<' in page
    exported = read_csv(client_logged_in.get(reverse("receivables_export", args=["csv"])))
    assert exported == [
        {
            "Customer": "Metro Mobile Repair",
            "Open invoices": "5",
            "Current": "100.00",
            "1–30 days": "100.00",
            "31–60 days": "100.00",
            "61–90 days": "100.00",
            "Over 90 days": "60.00",
            "Total due": "460.00",
            "Most days late": "200",
        }
    ]
    dashboard = client_logged_in.get(reverse("dashboard")).content.decode()
    assert "$360.00 overdue on 4 invoices" in dashboard


def test_aging_buckets_have_their_edges_where_the_report_says():
    assert [figures.aging_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current", "1_30", "1_30", "31_60", "31_60", "61_90", "61_90", "over_90",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        "?start=0001-01-01&end=9999-12-31",
        "?end=9999-12-31",
        "?start=0001-01-01",
        "?start=2025-13-01",
        "?by=nonsense",
        "?customer=999999",
    ],
)
def test_the_margin_page_takes_any_filter_without_failing(client_logged_in, sales, query):
    response = client_logged_in.get(reverse("margin_report") + query)
    assert response.status_code == 200
    export = client_logged_in.get(reverse("margin_export", args=["csv"]) + query)
    assert export.status_code == 200


def test_margins_are_net_of_returns(client_logged_in, company, sales, imei):
    march, _ = sales
    start, end = date(2025, 1, 1), date(2025, 4, 30)
    rma = returns.create_customer_return(
        company=company, invoice=march, reason="Screen flickers", credit="apply"
    )
    returns.add_devices_to_return(customer_return=rma, identifiers=[imei(1)])
    _, before = selectors.margin_rows(company=company, by="month", start=start, end=end)
    assert before.units == 4  # a draft return changes nothing yet
    returns.complete_customer_return(customer_return=rma)
    rows, total = selectors.margin_rows(company=company, by="invoice", start=start, end=end)
    # imei(1) sold at 400 and cost 310: the sale is undone, price and cost alike.
    assert (total.units, total.revenue) == (3, Decimal("900.25"))
    assert total.margin == Decimal("240.01") - Decimal("90.00")
    assert rows[0].label == march.number and rows[0].figures.margin == Decimal("100.00")
    assert selectors.invoice_margin(invoice=march).margin == Decimal("100.00")
    page = client_logged_in.get(reverse("invoice_detail", args=[march.pk])).content.decode()
    assert 'id="invoice-margin">$100.00<' in page and "net of returns" in page

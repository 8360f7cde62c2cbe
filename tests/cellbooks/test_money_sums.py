"""Money summed by the database is exact on every database (SQLite adds decimals as floats)."""

import random
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from cellbooks.core.aggregates import MoneySum
from cellbooks.core.identifiers import luhn_check_digit
from cellbooks.inventory import selectors
from cellbooks.inventory.models import Condition, Device, Invoice, Product


def make_imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


# 90 costs of up to $99,999,999,999.99 whose float sum rounds to the wrong cent on SQLite
# (found by search: SQLite's SUM gives ...131.16, the exact sum is 5,146,033,453,131.15).
RNG = random.Random(1150)
COSTS = [Decimal(RNG.randint(10**12, 10**13 - 1)) / 100 for _ in range(90)]
EXACT = sum(COSTS, Decimal("0.00"))


def _devices(company, costs, status=Device.Status.IN_STOCK):
    product = Product.objects.create(company=company, manufacturer="Apple", model="iPhone 13")
    condition = Condition.objects.filter(company=company).first()
    Device.objects.bulk_create(
        Device(
            company=company,
            identifier=make_imei(n),
            identifier_kind="imei",
            product=product,
            condition=condition,
            cost=cost,
            status=status,
        )
        for n, cost in enumerate(costs, start=1)
    )


def test_money_sum_is_exact_where_sum_is_not(company):
    _devices(company, COSTS)
    devices = Device.objects.filter(company=company)
    assert EXACT == Decimal("5146033453131.15")
    assert devices.aggregate(total=MoneySum("cost"))["total"] == EXACT
    plain = devices.aggregate(total=Sum("cost"))["total"]
    if connection.vendor == "sqlite":
        assert plain != EXACT  # what MoneySum is for: the float sum is a cent off
    else:
        assert plain == EXACT


def test_dashboard_sums_stock_incoming_and_balance_exactly(company, other_company, customer):
    _devices(company, COSTS[:60])
    incoming = [Decimal("0.10")] * 7 + [Decimal("0.20")] * 3
    product = Product.objects.create(company=company, manufacturer="Apple", model="iPad")
    condition = Condition.objects.filter(company=company).first()
    Device.objects.bulk_create(
        Device(
            company=company,
            identifier=make_imei(1000 + n),
            identifier_kind="imei",
            product=product,
            condition=condition,
            cost=cost,
            status=Device.Status.INCOMING,
        )
        for n, cost in enumerate(incoming)
    )
    _devices(other_company, [Decimal("5.00")])  # another company's stock is not counted
    for n, (total, paid, credited) in enumerate(
        [("100.10", "0.20", "0.00"), ("0.30", "0.00", "0.10"), ("999.99", "999.99", "0.00")]
    ):
        Invoice.objects.create(
            company=company,
            customer=customer,
            number=f"INV-T{n}",
            status=Invoice.Status.OPEN if n < 2 else Invoice.Status.PAID,
            total=Decimal(total),
            amount_paid=Decimal(paid),
            amount_credited=Decimal(credited),
        )
    summary = selectors.dashboard_summary(company=company)
    assert summary["devices_in_stock"] == 60
    assert summary["stock_cost"] == sum(COSTS[:60], Decimal("0.00"))
    assert summary["devices_incoming"] == 10
    assert summary["incoming_cost"] == Decimal("1.30")
    assert summary["open_invoices"] == 2
    assert summary["balance_due"] == Decimal("100.10")


def test_dashboard_of_an_empty_company_shows_zeroes(company):
    summary = selectors.dashboard_summary(company=company)
    assert (summary["devices_in_stock"], summary["stock_cost"], summary["balance_due"]) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_purchase_order_list_totals_are_exact(client_logged_in, draft_po):
    from cellbooks.inventory.services import add_device_to_purchase_order

    for n, cost in enumerate(["0.10"] * 7 + ["0.20"] * 3 + ["1234567.89"], start=1):
        add_device_to_purchase_order(
            purchase_order=draft_po,
            identifier=make_imei(n),
            manufacturer="Apple",
            model="iPhone 13",
            condition="A",
            cost=cost,
        )
    response = client_logged_in.get(reverse("purchase_order_list"))
    assert response.status_code == 200
    (row,) = [po for po in response.context["page_obj"] if po.pk == draft_po.pk]
    assert row.total_cost == Decimal("1234569.19")
    assert "1,234,569.19" in response.content.decode()

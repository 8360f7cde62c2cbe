"""Property tests of the reports' arithmetic: margins and aging are exact Decimal sums, whatever
the grouping, and a sale recorded through the services shows up to the cent in every grouping."""

import datetime
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellbooks.accounts.services import create_company
from cellbooks.core.money import money_sum
from cellbooks.inventory import figures, selectors, services

cents = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2)
sale = st.tuples(cents, cents, st.dates(datetime.date(2024, 1, 1), datetime.date(2025, 12, 31)))
CUSTOMERS = ("Acme", "Bolt", "Cory")


@given(st.lists(st.tuples(cents, cents), max_size=60))
def test_a_margin_is_revenue_less_cost_to_the_cent(pairs):
    total = figures.Margin()
    for price, cost in pairs:
        total.add(price, cost)
    assert total.units == len(pairs)
    assert total.revenue == money_sum(p for p, _ in pairs)
    assert total.cost == money_sum(c for _, c in pairs)
    assert total.margin == money_sum(p - c for p, c in pairs)
    assert isinstance(total.margin, Decimal) and total.margin.as_tuple().exponent == -2


@given(st.lists(st.tuples(cents, cents, st.integers(0, 5)), max_size=60))
def test_any_grouping_adds_up_to_the_whole(rows):
    whole = figures.Margin()
    groups: dict[int, figures.Margin] = {}
    for price, cost, group in rows:
        whole.add(price, cost)
        groups.setdefault(group, figures.Margin()).add(price, cost)
    merged = figures.Margin()
    for part in groups.values():
        merged.merge(part)
    assert (merged.units, merged.revenue, merged.cost) == (whole.units, whole.revenue, whole.cost)
    assert sum((g.margin for g in groups.values()), Decimal(0)) == whole.margin


@given(cents, cents)
def test_the_margin_percent_is_the_share_of_revenue_rounded_to_a_tenth(price, cost):
    margin = figures.Margin().add(price, cost)
    if price == 0:
        assert margin.percent is None
        return
    exact = (price - cost) * 100 / price
    assert abs(margin.percent - exact) <= Decimal("0.05")
    assert margin.percent <= 100


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
            st.integers(min_value=0, max_value=400),
        ),
        max_size=60,
    )
)
def test_aging_puts_every_cent_in_exactly_one_bucket(balances):
    aging = figures.Aging()
    for balance, days in balances:
        aging.add(balance, days)
    assert aging.total == money_sum(b for b, _ in balances)
    assert aging.overdue == money_sum(b for b, d in balances if d > 0)
    assert aging.buckets["over_90"] == money_sum(b for b, d in balances if d > 90)
    assert aging.invoices == len(balances)
    assert aging.oldest_days == max((d for _, d in balances), default=0)


@given(st.dates(), st.dates())
@settings(deadline=None)
def test_months_between_covers_the_period_once(a, b):
    start, end = min(a, b), max(a, b)
    months = figures.months_between(start, end)
    assert months[0] == start.replace(day=1) and months[-1] == end.replace(day=1)
    assert all(m.day == 1 for m in months)
    assert len(months) == (end.year - start.year) * 12 + end.month - start.month + 1


# ---- through the services and the database --------------------------------------------------

DB_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_serial = count(1)


@pytest.fixture
def shop(db):
    company = create_company(name="Margin Phones")
    customers = [
        services.create_partner(company=company, name=name, is_customer=True) for name in CUSTOMERS
    ]
    product = services.get_or_create_product(company=company, manufacturer="Apple", model="iPad")
    return company, customers, product


@DB_SETTINGS
@given(st.lists(st.tuples(sale, st.integers(0, 2)), min_size=1, max_size=8))
def test_sales_recorded_by_the_services_add_up_in_every_grouping(shop, sales):
    company, customers, product = shop
    expected = figures.Margin()
    first = min(day for (_, _, day), _ in sales)
    last = max(day for (_, _, day), _ in sales)
    before = {
        by: selectors.margin_rows(company=company, by=by, start=first, end=last)[1]
        for by in selectors.MARGIN_GROUPINGS
    }
    for (price, cost, day), who in sales:
        device = services.create_device(
            company=company,
            identifier=f"SN-{next(_serial)}",
            product=product,
            condition="A",
            cost=cost,
        )
        invoice = services.create_invoice(company=company, customer=customers[who], date=day)
        services.add_devices_to_invoice(
            invoice=invoice, identifiers=[device.identifier], unit_price=price
        )
        services.open_invoice(invoice=invoice)
        expected.add(price, cost)
    for by in selectors.MARGIN_GROUPINGS:
        rows, total = selectors.margin_rows(company=company, by=by, start=first, end=last)
        assert total.margin - before[by].margin == expected.margin, by
        assert total.revenue - before[by].revenue == expected.revenue, by
        assert sum((r.figures.margin for r in rows), Decimal(0)) == total.margin, by

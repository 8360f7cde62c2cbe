"""Property tests: invoice totals and balances are exact Decimal arithmetic, never float."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellbooks.accounts.services import create_company
from cellbooks.core.money import MoneyError, money_sum, to_money
from cellbooks.inventory import services
from cellbooks.inventory.models import Invoice

# Cents from $0.01 to $99,999.99: wide enough that float sums would drift in the last place.
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
DB_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def sales_setup(db):
    company = create_company(name="Property Phones")
    vendor = services.create_partner(company=company, name="Supplier", is_vendor=True)
    customer = services.create_partner(company=company, name="Buyer", is_customer=True)
    product = services.get_or_create_product(
        company=company, manufacturer="Apple", model="iPhone 13"
    )
    return company, vendor, customer, product


def _stock(company, product, imei, start, count):
    return [
        services.create_device(
            company=company,
            identifier=imei(start + i, "86"),
            product=product,
            condition="A",
            cost="1.00",
        ).identifier
        for i in range(count)
    ]


counter = iter(range(1, 10**9))


@DB_SETTINGS
@given(unit_prices=st.lists(prices, min_size=1, max_size=12), data=st.data())
def test_the_invoice_total_is_the_exact_sum_and_the_balance_follows_payments(
    sales_setup, imei, unit_prices, data
):
    # The database is shared by every example of this test, so each takes fresh IMEIs.
    company, _, customer, product = sales_setup
    identifiers = _stock(company, product, imei, next(counter) * 100, len(unit_prices))
    invoice = services.create_invoice(company=company, customer=customer)
    lines = services.add_devices_to_invoice(
        invoice=invoice, identifiers=identifiers, unit_price="0"
    )
    for line, price in zip(lines, unit_prices, strict=True):
        services.set_invoice_line_price(line=line, unit_price=price)
    services.open_invoice(invoice=invoice)

    expected_total = sum(unit_prices, Decimal("0"))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert isinstance(stored.total, Decimal)
    assert stored.total == expected_total

    paid = Decimal("0.00")
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        remaining = expected_total - paid
        if remaining <= 0:
            break
        amount = data.draw(st.decimals(min_value=Decimal("0.01"), max_value=remaining, places=2))
        services.record_payment(invoice=stored, amount=amount)
        paid += amount
        assert stored.balance_due == expected_total - paid
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.amount_paid == paid
    assert stored.balance_due == expected_total - paid
    expected_status = "paid" if paid == expected_total else "partially_paid" if paid else "open"
    assert stored.status == expected_status


@given(amounts=st.lists(prices, max_size=50))
def test_money_sum_equals_exact_decimal_addition(amounts):
    total = money_sum(amounts)
    assert total == sum(amounts, Decimal("0"))
    assert total.as_tuple().exponent == -2


@given(cents=st.integers(min_value=0, max_value=10**13))
def test_to_money_round_trips_every_amount_written_as_text(cents):
    amount = Decimal(cents).scaleb(-2)
    assert to_money(f"{amount:,.2f}") == amount
    assert to_money(f"${amount}") == amount


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_to_money_never_accepts_a_float(value):
    with pytest.raises(ValueError):
        to_money(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e30", "is not an amount"),
        ("1E5", "is not an amount"),
        ("NaN", "is not an amount"),
        ("-Infinity", "is not an amount"),
        ("12.345", "has more than two decimal places"),
        ("9999999999999", "is too large (at most 12 digits before the point)"),
        ("0x10", "is not an amount"),
    ],
)
def test_to_money_refuses_what_is_not_a_plain_amount_and_says_why(text, reason):
    with pytest.raises(MoneyError) as refused:
        to_money(text)
    assert str(refused.value) == f"'{text}' {reason}"


def test_to_money_refuses_a_decimal_that_is_not_finite():
    with pytest.raises(MoneyError):
        to_money(Decimal("NaN"))

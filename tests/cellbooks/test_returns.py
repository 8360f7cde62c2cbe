"""The life of a device: incoming until received, sold, returned by the customer (credit applied,
kept or refunded), returned to its vendor, sold and bought back — with every total exact."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellbooks.inventory import csv_import, returns, selectors, services
from cellbooks.inventory.models import CustomerReturn, Device, Invoice, ReturnLine, VendorReturn


def errors_of(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    return exc.value.message_dict


def refreshed(obj):
    return type(obj).objects.get(pk=obj.pk)


def add(po, n, imei, *, cost="300.00", price="400.00", model="iPhone 13", condition="A"):
    return services.add_device_to_purchase_order(
        purchase_order=po,
        identifier=imei(n),
        manufacturer="Apple",
        model=model,
        capacity="128GB",
        colour="Blue",
        network="Unlocked",
        condition=condition,
        cost=cost,
        price=price,
    ).device


@pytest.fixture
def sold(company, customer, stock):
    """An open invoice for the three stock devices ($400, $450, $500 = $1,350)."""
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=[d.identifier for d in stock])
    return services.open_invoice(invoice=invoice)


# ---- stock truth ----------------------------------------------------------------------------


def test_a_device_on_a_draft_po_is_incoming_and_cannot_be_sold(company, customer, draft_po, imei):
    device = add(draft_po, 41, imei)
    assert refreshed(device).status == Device.Status.INCOMING
    summary = selectors.dashboard_summary(company=company)
    assert (summary["devices_in_stock"], summary["stock_cost"]) == (0, Decimal("0.00"))
    assert (summary["devices_incoming"], summary["incoming_cost"]) == (1, Decimal("300.00"))

    invoice = services.create_invoice(company=company, customer=customer)
    problems = errors_of(services.add_devices_to_invoice, invoice=invoice, identifiers=[imei(41)])[
        "identifiers"
    ]
    assert problems == [
        f"{imei(41)} is not in stock: it is incoming on purchase order {draft_po.number}, "
        "not received yet: receive it first."
    ]

    services.receive_purchase_order(purchase_order=draft_po)
    assert refreshed(device).status == Device.Status.IN_STOCK
    services.add_devices_to_invoice(invoice=invoice, identifiers=[imei(41)])
    assert refreshed(device).status == Device.Status.COMMITTED


def test_a_csv_import_makes_incoming_devices_too(company, draft_po, imei):
    csv_import.import_purchase_order_csv(
        purchase_order=draft_po,
        text=f"imei,manufacturer,model,condition,cost\n{imei(51)},Apple,iPhone 12,B,99\n",
    )
    assert Device.objects.get(identifier=imei(51)).status == Device.Status.INCOMING


def test_drafts_that_never_left_draft_can_be_deleted(company, customer, vendor, imei, stock):
    draft_po = services.create_purchase_order(company=company, vendor=vendor)
    add(draft_po, 61, imei)
    services.delete_draft_purchase_order(purchase_order=draft_po)
    assert not Device.objects.filter(identifier=imei(61)).exists()
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=[stock[0].identifier])
    services.delete_draft_invoice(invoice=invoice)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert refreshed(stock[0]).status == Device.Status.IN_STOCK


# ---- customer returns -------------------------------------------------------------------------


def test_a_return_applied_to_an_open_invoice_reduces_its_balance_not_its_total(
    company, sold, stock
):
    rma = returns.create_customer_return(
        company=company, invoice=sold, reason="Screen flickers", credit="apply"
    )
    assert rma.number == "RMA-1001"
    returns.add_devices_to_return(customer_return=rma, identifiers=[stock[1].identifier])
    returns.complete_customer_return(customer_return=rma)

    invoice = refreshed(sold)
    assert (invoice.total, invoice.amount_credited, invoice.balance_due) == (
        Decimal("1350.00"),
        Decimal("450.00"),
        Decimal("900.00"),
    )
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert refreshed(stock[1]).status == Device.Status.IN_STOCK
    assert refreshed(rma).total == Decimal("450.00")
    # The rest is paid: the invoice is paid with 900 of money and 450 of credit.
    services.record_payment(invoice=invoice, amount="900.00")
    assert refreshed(sold).status == Invoice.Status.PAID


def test_a_return_from_a_paid_invoice_is_refunded_and_the_device_regraded(company, sold, stock):
    services.record_payment(invoice=sold, amount="1350.00")
    rma = returns.create_customer_return(
        company=company,
        invoice=sold,
        reason="Wrong colour",
        credit="refund",
        refund_method="wire",
        refund_reference="WIRE-9",
    )
    returns.add_devices_to_return(
        customer_return=rma,
        identifiers=[stock[0].identifier, stock[2].identifier],
        new_condition="B",
        new_location="Returns shelf",
    )
    returns.complete_customer_return(customer_return=rma)

    assert refreshed(rma).total == Decimal("900.00")
    device = refreshed(stock[2])
    assert (device.status, device.condition.code, device.location) == (
        Device.Status.IN_STOCK,
        "B",
        "Returns shelf",
    )
    invoice = refreshed(sold)
    assert (invoice.status, invoice.total, invoice.balance_due) == (
        Invoice.Status.PAID,
        Decimal("1350.00"),
        Decimal("0.00"),
    )
    assert returns.refundable(invoice) == Decimal("450.00")


def test_the_credit_must_fit_the_invoice(company, sold, stock):
    services.record_payment(invoice=sold, amount="1000.00")  # 350 still due
    applied = returns.create_customer_return(company=company, invoice=sold, reason="x")
    returns.add_devices_to_return(customer_return=applied, identifiers=[stock[2].identifier])
    assert (
        "more than the $350.00 still due"
        in errors_of(returns.complete_customer_return, customer_return=applied)["credit"][0]
    )
    kept = returns.update_customer_return(customer_return=applied, reason="x", credit="keep")
    returns.complete_customer_return(customer_return=kept)
    assert returns.customer_credit(company=company, customer=sold.customer) == Decimal("500.00")
    assert refreshed(sold).balance_due == Decimal("350.00")  # kept credit is not applied


def test_a_device_comes_back_once_and_only_from_its_invoice(company, customer, sold, stock, imei):
    rma = returns.create_customer_return(company=company, invoice=sold, reason="x", credit="keep")
    returns.add_devices_to_return(customer_return=rma, identifiers=[stock[0].identifier])
    returns.complete_customer_return(customer_return=rma)
    again = returns.create_customer_return(company=company, invoice=sold, reason="y", credit="keep")
    problems = errors_of(
        returns.add_devices_to_return,
        customer_return=again,
        identifiers=[
            stock[0].identifier,
            "990000000000000",
            stock[1].identifier,
            stock[1].identifier,
        ],
    )["identifiers"]
    assert problems == [
        f"{stock[0].identifier} was already returned on RMA-1001.",
        f"990000000000000 is not on invoice {sold.number}: only devices sold on it can come back "
        "on this return.",
        f"{stock[1].identifier} is listed twice.",
    ]
    assert not ReturnLine.objects.filter(customer_return=again).exists()


def test_a_written_off_device_leaves_stock_for_good(company, sold, stock):
    rma = returns.create_customer_return(company=company, invoice=sold, reason="Water damage")
    returns.add_devices_to_return(
        customer_return=rma, identifiers=[stock[0].identifier], disposition="write_off"
    )
    returns.complete_customer_return(customer_return=rma)
    assert refreshed(stock[0]).status == Device.Status.WRITTEN_OFF
    assert selectors.dashboard_summary(company=company)["devices_in_stock"] == 0


def test_voiding_a_completed_return_undoes_it_while_its_devices_are_where_it_put_them(
    company, customer, sold, stock
):
    rma = returns.create_customer_return(company=company, invoice=sold, reason="x")
    returns.add_devices_to_return(customer_return=rma, identifiers=[stock[0].identifier])
    returns.complete_customer_return(customer_return=rma)
    returns.void_customer_return(customer_return=rma)
    assert refreshed(stock[0]).status == Device.Status.SOLD
    assert refreshed(sold).balance_due == Decimal("1350.00")

    second = returns.create_customer_return(company=company, invoice=sold, reason="y")
    returns.add_devices_to_return(customer_return=second, identifiers=[stock[0].identifier])
    returns.complete_customer_return(customer_return=second)
    resale = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=resale, identifiers=[stock[0].identifier])
    assert (
        "can no longer be voided"
        in errors_of(returns.void_customer_return, customer_return=second)["__all__"][0]
    )


def test_an_invoice_with_a_return_is_not_voided_and_the_page_says_what_to_do(company, sold, stock):
    rma = returns.create_customer_return(company=company, invoice=sold, reason="x")
    returns.add_devices_to_return(customer_return=rma, identifiers=[stock[0].identifier])
    returns.complete_customer_return(customer_return=rma)
    assert "returned on RMA-1001" in errors_of(services.void_invoice, invoice=sold)["__all__"][0]


# ---- vendor returns ---------------------------------------------------------------------------


def test_a_vendor_return_takes_devices_out_of_stock_at_their_cost(company, vendor, draft_po, stock):
    rtv = returns.create_vendor_return(
        company=company, vendor=vendor, reason="Faulty batch", purchase_order=draft_po
    )
    assert rtv.number == "RTV-1001"
    returns.add_devices_to_vendor_return(vendor_return=rtv, identifiers=[stock[0].identifier])
    returns.add_devices_to_vendor_return(
        vendor_return=rtv, identifiers=[stock[1].identifier], credit_amount="250.00"
    )
    returns.complete_vendor_return(vendor_return=rtv)

    assert refreshed(rtv).total == Decimal("550.00")
    assert [refreshed(d).status for d in stock] == [
        Device.Status.RETURNED,
        Device.Status.RETURNED,
        Device.Status.IN_STOCK,
    ]
    returns.void_vendor_return(vendor_return=rtv)
    assert refreshed(stock[0]).status == Device.Status.IN_STOCK


def test_a_device_goes_back_only_to_the_vendor_it_came_from(company, stock):
    other = services.create_partner(company=company, name="Other Vendor", is_vendor=True)
    rtv = returns.create_vendor_return(company=company, vendor=other, reason="x")
    problems = errors_of(
        returns.add_devices_to_vendor_return, vendor_return=rtv, identifiers=[stock[0].identifier]
    )["identifiers"]
    assert problems == [
        f"{stock[0].identifier} was bought from Global Phone Supply on PO-1001, not from Other Vendor."
    ]


# ---- a device's life --------------------------------------------------------------------------


def test_a_device_sold_returned_and_sold_again_then_bought_back_has_one_timeline(
    company, customer, vendor, sold, stock, imei
):
    first = stock[0]
    rma = returns.create_customer_return(company=company, invoice=sold, reason="x", credit="keep")
    returns.add_devices_to_return(customer_return=rma, identifiers=[first.identifier])
    returns.complete_customer_return(customer_return=rma)
    resale = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(
        invoice=resale, identifiers=[first.identifier], unit_price="420"
    )
    services.open_invoice(invoice=resale)
    # Bought back from the customer later: a new device record under the same IMEI.
    buyback = services.create_purchase_order(company=company, vendor=vendor)
    again = add(buyback, 1, imei, cost="250.00")
    services.receive_purchase_order(purchase_order=buyback)
    assert again.pk != first.pk and refreshed(again).status == Device.Status.IN_STOCK

    timeline = selectors.device_timeline(company=company, identifier=first.identifier)
    assert [(e.what, e.document.number, e.amount) for e in timeline] == [
        ("Bought", "PO-1001", Decimal("300.00")),
        ("Sold", sold.number, Decimal("400.00")),
        ("Returned by the customer", "RMA-1001", Decimal("400.00")),
        ("Sold", resale.number, Decimal("420.00")),
        ("Bought", buyback.number, Decimal("250.00")),
    ]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.lists(st.integers(min_value=1, max_value=99999), min_size=2, max_size=6),
    returned=st.data(),
    paid_cents=st.integers(min_value=0, max_value=100),
)
def test_invoice_less_credits_and_payments_is_the_balance_and_every_device_counted_once(
    db, prices, returned, paid_cents
):
    """Whatever comes back, at whatever prices: total − payments − applied credits = balance
    due, and every device is in exactly one place (in stock or written off, or still sold)."""
    from cellbooks.accounts.services import create_company
    from cellbooks.core.identifiers import luhn_check_digit

    company = create_company(name="Property Returns")
    vendor = services.create_partner(company=company, name="V", is_vendor=True)
    customer = services.create_partner(company=company, name="C", is_customer=True)
    po = services.create_purchase_order(company=company, vendor=vendor)
    imeis = []
    for n, cents in enumerate(prices):
        body = f"35{n:012d}"
        imeis.append(body + luhn_check_digit(body))
        services.add_device_to_purchase_order(
            purchase_order=po,
            identifier=imeis[-1],
            manufacturer="Apple",
            model="iPhone",
            condition="A",
            cost="1.00",
            price=str(Decimal(cents) / 100),
        )
    services.receive_purchase_order(purchase_order=po)
    invoice = services.create_invoice(company=company, customer=customer)
    services.add_devices_to_invoice(invoice=invoice, identifiers=imeis)
    invoice = services.open_invoice(invoice=invoice)
    total = sum((Decimal(c) / 100 for c in prices), Decimal("0.00"))
    picked = returned.draw(st.lists(st.sampled_from(imeis), min_size=1, unique=True))
    back = sum((Decimal(prices[imeis.index(i)]) / 100 for i in picked), Decimal("0.00"))
    paid = ((total - back) * paid_cents / 100).quantize(Decimal("0.01"))
    if paid > 0:
        services.record_payment(invoice=invoice, amount=str(paid))
    rma = returns.create_customer_return(company=company, invoice=invoice, reason="x")
    returns.add_devices_to_return(customer_return=rma, identifiers=picked, disposition="restock")
    returns.complete_customer_return(customer_return=rma)

    invoice = refreshed(invoice)
    assert invoice.total == total and refreshed(rma).total == back
    assert invoice.balance_due == total - paid - back
    statuses = dict(Device.objects.filter(company=company).values_list("identifier", "status"))
    assert {i for i, s in statuses.items() if s == "in_stock"} == set(picked)
    assert {i for i, s in statuses.items() if s == "sold"} == set(imeis) - set(picked)
    assert CustomerReturn.objects.filter(company=company).count() == 1
    assert VendorReturn.objects.filter(company=company).count() == 0

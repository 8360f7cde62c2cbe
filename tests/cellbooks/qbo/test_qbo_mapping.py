"""The mapper, table-tested and property-tested: grouping, splitting by price, exact totals."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cellbooks.quickbooks import mapping
from cellbooks.quickbooks.mapping import DeviceLine, DocumentInput


def line(
    identifier,
    model="iPhone 13",
    condition="A",
    amount="100.00",
    capacity="128GB",
    colour="Blue",
    order=None,
):
    return DeviceLine(
        identifier=identifier,
        manufacturer="Apple",
        model=model,
        capacity=capacity,
        colour=colour,
        network="Unlocked",
        condition=condition,
        condition_order=order if order is not None else "ABCD".index(condition),
        unit_amount=Decimal(amount),
    )


def document(*lines, kind="invoice", number="INV-1001"):
    return DocumentInput(
        kind=kind,
        local_id=7,
        company_key="northwind",
        number=number,
        txn_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        lines=tuple(lines),
    )


ITEM = {"value": "5", "name": "Cellbooks Inventory"}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # same product, condition and price → one line
        (
            [line("1"), line("2"), line("3")],
            [("Apple iPhone 13 128GB Blue Unlocked", "A", 3, "100.00", "300.00")],
        ),
        # a different condition → its own line, A before B
        (
            [line("1", condition="B"), line("2")],
            [
                ("Apple iPhone 13 128GB Blue Unlocked", "A", 1, "100.00", "100.00"),
                ("Apple iPhone 13 128GB Blue Unlocked", "B", 1, "100.00", "100.00"),
            ],
        ),
        # same group, different prices → split so Amount = Qty × UnitPrice exactly
        (
            [line("1", amount="100.00"), line("2", amount="99.99"), line("3", amount="100.00")],
            [
                ("Apple iPhone 13 128GB Blue Unlocked", "A", 1, "99.99", "99.99"),
                ("Apple iPhone 13 128GB Blue Unlocked", "A", 2, "100.00", "200.00"),
            ],
        ),
        # another capacity or colour is another product
        (
            [line("1", capacity="256GB"), line("2", colour="Black")],
            [
                ("Apple iPhone 13 128GB Black Unlocked", "A", 1, "100.00", "100.00"),
                ("Apple iPhone 13 256GB Blue Unlocked", "A", 1, "100.00", "100.00"),
            ],
        ),
    ],
)
def test_lines_are_grouped_by_product_and_condition_and_split_by_price(lines, expected):
    groups = mapping.group_lines(lines)
    assert [
        (g.product, g.condition, g.quantity, str(g.unit_amount), str(g.amount)) for g in groups
    ] == expected


def test_an_invoice_payload_uses_the_item_sales_lines_not_taxable_and_the_marker():
    payload = mapping.invoice_payload(
        document(line("1"), line("2", amount="50.50")),
        customer_ref={"value": "9"},
        item_ref=ITEM,
        custom_txn_numbers=True,
    )

    assert payload["CustomerRef"] == {"value": "9"}
    assert payload["DocNumber"] == "INV-1001"
    assert payload["TxnDate"] == "2026-11-02" and payload["DueDate"] == "2026-12-02"
    assert "[cellbooks:northwind:invoice:7]" in payload["PrivateNote"]
    first = payload["Line"][0]
    assert first["DetailType"] == "SalesItemLineDetail"
    assert first["SalesItemLineDetail"] == {
        "ItemRef": ITEM,
        "Qty": 1,
        "UnitPrice": Decimal("50.50"),
        "TaxCodeRef": {"value": "NON"},
    }
    assert first["Description"] == "Apple iPhone 13 128GB Blue Unlocked — Grade A"
    assert mapping.payload_total(payload) == Decimal("150.50")


def test_without_custom_numbers_no_docnumber_is_sent():
    payload = mapping.invoice_payload(
        document(line("1")), customer_ref={"value": "9"}, item_ref=ITEM, custom_txn_numbers=False
    )
    assert "DocNumber" not in payload


def test_a_bill_payload_uses_item_based_expense_lines_and_the_ap_account():
    payload = mapping.purchase_payload(
        document(line("1"), line("2"), kind="purchase_order", number="PO-1001"),
        vendor_ref={"value": "3"},
        item_ref=ITEM,
        ap_account_ref={"value": "33"},
        custom_txn_numbers=True,
    )

    assert payload["VendorRef"] == {"value": "3"} and payload["APAccountRef"] == {"value": "33"}
    assert payload["Line"][0]["DetailType"] == "ItemBasedExpenseLineDetail"
    assert payload["Line"][0]["ItemBasedExpenseLineDetail"]["Qty"] == 2
    assert payload["Line"][0]["Amount"] == Decimal("200.00")


def test_identifiers_in_the_description_stay_within_4000_characters():
    group = mapping.group_lines([line(f"35{n:013d}") for n in range(500)])[0]

    text = mapping.describe(group, include_identifiers=True)

    assert len(text) <= 4000
    assert text.startswith("Apple iPhone 13 128GB Blue Unlocked — Grade A\nIMEIs/serials: 35")
    shown = text.split(": ", 1)[1].split(" … and ")[0].split(", ")
    assert text.endswith(f" … and {500 - len(shown)} more")


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("Acme: Wireless", "Acme Wireless"),
        ("Tab\tName\n", "Tab Name"),
        ("x" * 600, "x" * 500),
        ("  :  ", "Unnamed"),
    ],
)
def test_display_names_lose_forbidden_characters_and_excess_length(name, cleaned):
    assert mapping.clean_display_name(name) == cleaned


def test_the_suffixed_name_is_deterministic_and_fits():
    assert mapping.suffixed_display_name("Acme Wireless", "Customer") == "Acme Wireless (Customer)"
    assert len(mapping.suffixed_display_name("y" * 600, "Vendor")) == 500


prices = st.decimals(
    min_value=Decimal("0.00"),
    max_value=Decimal("99999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
device_lines = st.lists(
    st.builds(
        lambda n, model, cond, price: line(str(n), model=model, condition=cond, amount=str(price)),
        st.integers(0, 10**9),
        st.sampled_from(["iPhone 12", "iPhone 13", "Galaxy S22"]),
        st.sampled_from(list("ABCD")),
        prices,
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda ln: ln.identifier,
)


@settings(max_examples=200, deadline=None)
@given(device_lines)
def test_every_device_is_counted_once_and_the_total_is_exact(lines):
    payload = mapping.invoice_payload(
        document(*lines), customer_ref={"value": "1"}, item_ref=ITEM, custom_txn_numbers=True
    )

    assert mapping.payload_total(payload) == sum((ln.unit_amount for ln in lines), Decimal("0.00"))
    assert sum(ln["SalesItemLineDetail"]["Qty"] for ln in payload["Line"]) == len(lines)
    for qbo_line in payload["Line"]:
        detail = qbo_line["SalesItemLineDetail"]
        assert qbo_line["Amount"] == detail["Qty"] * detail["UnitPrice"]
    identifiers = [i for g in mapping.group_lines(lines) for i in g.identifiers]
    assert sorted(identifiers) == sorted(ln.identifier for ln in lines)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["iPhone 13", "iPhone 14", "Galaxy S22"]),
            st.sampled_from("ABC"),
            st.sampled_from(["100.00", "100.01", "250.50"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_group_on_the_document_page_is_exactly_one_quickbooks_line(devices):
    """The page and the mapper share one grouping rule: same groups, same order, same counts."""
    from cellbooks.accounts.services import create_company
    from cellbooks.core.identifiers import luhn_check_digit
    from cellbooks.inventory import selectors, services
    from cellbooks.quickbooks.exporters import document_input

    company = create_company(name="Groups Ltd")
    vendor = services.create_partner(company=company, name="V", is_vendor=True)
    po = services.create_purchase_order(company=company, vendor=vendor)
    for n, (model, condition, cost) in enumerate(devices):
        body = f"35{n:012d}"
        services.add_device_to_purchase_order(
            purchase_order=po,
            identifier=body + luhn_check_digit(body),
            manufacturer="Apple",
            model=model,
            capacity="128GB",
            colour="Blue",
            network="Unlocked",
            condition=condition,
            cost=cost,
        )

    on_page = [
        (g.product.display_name, g.condition.code, g.unit_amount, g.count)
        for g in selectors.line_groups(po.lines.all(), "unit_cost")
    ]
    summarised = [
        (g.product.display_name, g.condition.code, g.unit_amount, g.count)
        for g in selectors.line_group_summaries(po.lines.all(), "unit_cost")
    ]
    in_quickbooks = [
        (g.product, g.condition, g.unit_amount, g.quantity)
        for g in mapping.group_lines(document_input(po).lines)
    ]
    assert on_page == summarised == in_quickbooks

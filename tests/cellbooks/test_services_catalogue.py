"""Company defaults, document numbers, partners, products, conditions and devices."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellbooks.inventory import services
from cellbooks.inventory.models import Condition, Device, NumberSequence, Partner, Product


def errors_of(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    return exc.value.message_dict


# --- company defaults and numbers ---------------------------------------------------------------


def test_a_new_company_has_conditions_a_to_d_with_descriptions(company):
    conditions = list(Condition.objects.filter(company=company))
    assert [c.code for c in conditions] == ["A", "B", "C", "D"]
    assert conditions[0].description.startswith("Like new")


def test_seeding_defaults_twice_changes_nothing(company):
    services.seed_company_defaults(company=company)
    assert Condition.objects.filter(company=company).count() == 4
    assert NumberSequence.objects.filter(company=company).count() == 4


def test_document_numbers_count_up_from_1001(company):
    assert services.next_document_number(company=company, kind="po") == "PO-1001"
    assert services.next_document_number(company=company, kind="po") == "PO-1002"
    assert services.next_document_number(company=company, kind="invoice") == "INV-1001"


def test_it_skips_a_number_someone_typed_by_hand(company, vendor):
    services.create_purchase_order(company=company, vendor=vendor, number="PO-1001")
    assert services.create_purchase_order(company=company, vendor=vendor).number == "PO-1002"


def test_each_company_has_its_own_sequence(company, other_company):
    services.next_document_number(company=company, kind="po")
    assert services.next_document_number(company=other_company, kind="po") == "PO-1001"


# --- partners -----------------------------------------------------------------------------------


def test_it_creates_a_partner_who_is_both_vendor_and_customer(company):
    partner = services.create_partner(
        company=company, name="  Acme Wireless ", is_vendor=True, is_customer=True
    )
    assert partner.name == "Acme Wireless"
    assert partner.roles_display == "Vendor & Customer"


def test_partner_names_are_unique_ignoring_case(company, vendor):
    errors = errors_of(
        services.create_partner, company=company, name="global PHONE supply", is_customer=True
    )
    assert errors == {"name": ["There is already a partner called Global Phone Supply."]}


def test_the_same_name_is_fine_in_another_company(vendor, other_company):
    services.create_partner(company=other_company, name=vendor.name, is_vendor=True)


def test_a_partner_must_be_a_vendor_or_a_customer(company):
    errors = errors_of(services.create_partner, company=company, name="Nobody")
    assert errors == {"is_vendor": ["A partner must be a vendor, a customer, or both."]}


def test_it_reports_every_partner_problem_at_once(company):
    errors = errors_of(
        services.create_partner,
        company=company,
        name="",
        email="not-an-email",
        payment_terms_days=-3,
        is_vendor=True,
    )
    assert set(errors) == {"name", "email", "payment_terms_days"}
    assert errors["email"] == ["'not-an-email' is not an e-mail address."]


def test_it_updates_a_partner(vendor):
    services.update_partner(
        partner=vendor, email="ap@global.test", is_customer=True, payment_terms_days=0
    )
    vendor.refresh_from_db()
    assert (vendor.email, vendor.is_customer, vendor.terms_display) == (
        "ap@global.test",
        True,
        "Due on receipt",
    )


def test_a_vendor_with_purchase_orders_stays_a_vendor(vendor, draft_po):
    errors = errors_of(services.update_partner, partner=vendor, is_vendor=False, is_customer=True)
    assert errors == {
        "is_vendor": ["Global Phone Supply has purchase orders, so it must stay a vendor."]
    }


def test_update_partner_refuses_unknown_fields(vendor):
    with pytest.raises(TypeError):
        services.update_partner(partner=vendor, company=None)


# --- products and conditions --------------------------------------------------------------------


def test_products_match_ignoring_case_and_spaces(company):
    first = services.get_or_create_product(
        company=company, manufacturer="Apple", model="iPhone 13", capacity="128GB"
    )
    again = services.get_or_create_product(
        company=company, manufacturer=" apple ", model="IPHONE 13", capacity="128gb"
    )
    assert again.pk == first.pk
    assert Product.objects.filter(company=company).count() == 1


def test_a_different_colour_is_a_different_product(company):
    blue = services.get_or_create_product(
        company=company, manufacturer="Apple", model="iPhone 13", colour="Blue"
    )
    red = services.get_or_create_product(
        company=company, manufacturer="Apple", model="iPhone 13", colour="Red"
    )
    assert blue.pk != red.pk
    assert red.display_name == "Apple iPhone 13 Red"


def test_a_product_needs_a_manufacturer_and_a_model(company):
    errors = errors_of(services.get_or_create_product, company=company, manufacturer=" ", model="")
    assert errors == {
        "manufacturer": ["The manufacturer is required."],
        "model": ["The model is required."],
    }


def test_it_guesses_tablets_from_the_model_name():
    assert services.guess_product_kind("Apple", "iPad Air 5") == "tablet"
    assert services.guess_product_kind("Samsung", "Galaxy Tab S8") == "tablet"
    assert services.guess_product_kind("Google", "Pixel 7") == "phone"


def test_it_adds_a_condition_after_the_others(company):
    condition = services.create_condition(company=company, code="A+", description="Sealed")
    assert (
        list(Condition.objects.filter(company=company).values_list("code", flat=True))[-1] == "A+"
    )
    assert condition.description == "Sealed"


def test_condition_codes_are_unique_ignoring_case(company):
    assert errors_of(services.create_condition, company=company, code="a") == {
        "code": ["There is already a condition a."]
    }


# --- devices ------------------------------------------------------------------------------------


@pytest.fixture
def iphone(company):
    return services.get_or_create_product(company=company, manufacturer="Apple", model="iPhone 13")


def test_a_name_taken_between_the_check_and_the_insert_is_refused_as_a_taken_name(
    company, monkeypatch
):
    """Two people add the same partner or grade at the same moment: both pass the check, the
    database refuses the second insert, and its author reads why — never a server error."""
    real_partner_check, real_condition_check = (
        services._validate_partner,
        services._check_condition_free,
    )

    def partner_check_then_rival(partner):
        real_partner_check(partner)
        monkeypatch.setattr(services, "_validate_partner", real_partner_check)
        Partner.objects.create(company=company, name="ACME WIRELESS", is_vendor=True)

    def condition_check_then_rival(company, code):
        real_condition_check(company, code)
        monkeypatch.setattr(services, "_check_condition_free", real_condition_check)
        Condition.objects.create(company=company, code="a+", sort_order=9)

    monkeypatch.setattr(services, "_validate_partner", partner_check_then_rival)
    errors = errors_of(
        services.create_partner, company=company, name="Acme Wireless", is_vendor=True
    )
    assert errors == {"name": ["There is already a partner called ACME WIRELESS."]}

    monkeypatch.setattr(services, "_check_condition_free", condition_check_then_rival)
    errors = errors_of(services.create_condition, company=company, code="A+")
    assert errors == {"code": ["There is already a condition A+."]}


def test_it_adds_a_device_to_stock(company, iphone, imei):
    device = services.create_device(
        company=company,
        identifier=imei(9),
        product=iphone,
        condition="b",
        cost="250",
        price="1,200.50",
    )
    assert device.status == Device.Status.IN_STOCK
    assert device.identifier_kind == "imei"
    assert (device.cost, device.price, device.condition.code) == (
        Decimal("250.00"),
        Decimal("1200.50"),
        "B",
    )


def test_it_refuses_a_device_already_in_stock(company, iphone, imei):
    services.create_device(
        company=company, identifier=imei(9), product=iphone, condition="A", cost="1"
    )
    errors = errors_of(
        services.create_device,
        company=company,
        identifier=imei(9),
        product=iphone,
        condition="A",
        cost="1",
    )
    assert errors == {"identifier": [f"{imei(9)} is already in stock."]}


def test_it_reports_every_device_problem_at_once(company, iphone):
    errors = errors_of(
        services.create_device,
        company=company,
        identifier="352099001761480",
        product=iphone,
        condition="Z",
        cost="-5",
        price="abc",
    )
    assert errors == {
        "identifier": ["352099001761480 is not a valid IMEI: the check digit should be 1."],
        "condition": ["There is no condition 'Z': use one of A, B, C, D."],
        "cost": ["Cost cannot be negative (-$5.00)."],
        "price": ["Price 'abc' is not an amount: give an amount like 120.50."],
    }


def test_it_refuses_money_with_more_than_two_decimals_and_floats(company, iphone, imei):
    errors = errors_of(
        services.create_device,
        company=company,
        identifier=imei(9),
        product=iphone,
        condition="A",
        cost="1.005",
    )
    assert errors == {
        "cost": ["Cost '1.005' has more than two decimal places: give an amount like 120.50."]
    }
    errors = errors_of(
        services.create_device,
        company=company,
        identifier=imei(9),
        product=iphone,
        condition="A",
        cost=1.5,
    )
    assert "float" in errors["cost"][0]


def test_it_refuses_another_companys_product(company, other_company, imei):
    foreign = services.get_or_create_product(
        company=other_company, manufacturer="Apple", model="iPhone 13"
    )
    errors = errors_of(
        services.create_device,
        company=company,
        identifier=imei(9),
        product=foreign,
        condition="A",
        cost="1",
    )
    assert errors == {"product": ["Choose a product of this company."]}


def test_it_corrects_a_device(company, iphone, imei):
    device = services.create_device(
        company=company, identifier="SN-1", product=iphone, condition="A", cost="10"
    )
    services.update_device(
        device=device, identifier=imei(10), condition="C", cost="12.50", location="Shelf 4"
    )
    device.refresh_from_db()
    assert (device.identifier, device.identifier_kind, device.condition.code) == (
        imei(10),
        "imei",
        "C",
    )
    assert (device.cost, device.location) == (Decimal("12.50"), "Shelf 4")


def test_a_received_devices_cost_is_fixed_by_its_purchase_order(stock, draft_po):
    errors = errors_of(services.update_device, device=stock[0], cost="1.00")
    assert errors == {
        "cost": [f"The cost comes from purchase order {draft_po.number}, which is received."]
    }


def test_a_sold_device_keeps_its_identifier(stock, draft_invoice, imei):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[0].identifier])
    errors = errors_of(
        services.update_device, device=Device.objects.get(pk=stock[0].pk), identifier=imei(99)
    )
    assert errors == {
        "identifier": [
            f"{stock[0].identifier} is reserved: only a device in stock or on its way can change its IMEI or serial."
        ]
    }

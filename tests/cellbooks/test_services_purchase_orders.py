"""Purchase orders: numbers, adding devices, receiving, closing, voiding."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Device, PurchaseOrder


def errors_of(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    return exc.value.message_dict


def add(po, identifier, **overrides):
    values = {
        "manufacturer": "Samsung",
        "model": "Galaxy S22",
        "capacity": "256GB",
        "colour": "Black",
        "network": "Unlocked",
        "condition": "B",
        "cost": "210.00",
    }
    values.update(overrides)
    return services.add_device_to_purchase_order(purchase_order=po, identifier=identifier, **values)


def test_a_new_purchase_order_is_a_draft_numbered_from_the_sequence(company, vendor):
    po = services.create_purchase_order(company=company, vendor=vendor, notes=" first buy ")
    assert (po.number, po.status, po.notes) == ("PO-1001", PurchaseOrder.Status.DRAFT, "first buy")


def test_a_purchase_order_needs_a_vendor(company, customer):
    errors = errors_of(services.create_purchase_order, company=company, vendor=customer)
    assert errors == {"vendor": ["Metro Mobile Repair is not a vendor: mark it as a vendor first."]}


def test_a_purchase_order_number_is_at_most_21_characters(company, vendor):
    errors = errors_of(
        services.create_purchase_order, company=company, vendor=vendor, number="X" * 22
    )
    assert errors == {"number": ["The number has at most 21 characters; this one has 22."]}


def test_a_purchase_order_number_is_unique_in_the_company(company, vendor, draft_po):
    errors = errors_of(
        services.create_purchase_order, company=company, vendor=vendor, number="po-1001"
    )
    assert errors == {"number": ["Another purchase order already has the number po-1001."]}


def test_it_adds_a_device_and_creates_its_product(draft_po, imei):
    line = add(draft_po, imei(20), condition="b", price="289.99")
    device = line.device
    assert line.unit_cost == device.cost == Decimal("210.00")
    assert device.status == Device.Status.INCOMING  # in stock once the PO is received
    assert device.product.display_name == "Samsung Galaxy S22 256GB Black Unlocked"
    assert device.condition.code == "B"


def test_it_names_the_known_conditions_when_one_is_unknown(draft_po, imei):
    errors = errors_of(add, po=draft_po, identifier=imei(20), condition="Mint")
    assert errors == {"condition": ["There is no condition 'Mint': use one of A, B, C, D."]}


def test_it_refuses_a_device_already_in_stock(company, vendor, stock):
    po = services.create_purchase_order(company=company, vendor=vendor)
    errors = errors_of(add, po=po, identifier=stock[0].identifier)
    assert errors == {"identifier": [f"{stock[0].identifier} is already in stock."]}


def test_it_refuses_a_device_that_exists_with_another_status(company, vendor, stock, draft_invoice):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[0].identifier])
    po = services.create_purchase_order(company=company, vendor=vendor)
    errors = errors_of(add, po=po, identifier=stock[0].identifier)
    assert errors == {
        "identifier": [f"{stock[0].identifier} already exists in this company (reserved)."]
    }


def test_a_received_purchase_order_takes_no_more_devices(draft_po, stock, imei):
    errors = errors_of(add, po=draft_po, identifier=imei(20))
    assert errors == {
        "__all__": ["Purchase order PO-1001 is received: only a draft one can take new devices."]
    }


def test_removing_a_line_deletes_the_device(draft_po, imei):
    line = add(draft_po, imei(20))
    services.remove_purchase_order_line(line=line)
    assert not Device.objects.filter(identifier=imei(20)).exists()
    assert draft_po.lines.count() == 0


def test_it_receives_a_purchase_order_with_devices(draft_po, imei):
    add(draft_po, imei(20))
    services.receive_purchase_order(purchase_order=draft_po)
    assert draft_po.status == PurchaseOrder.Status.RECEIVED
    assert draft_po.received_at is not None


def test_an_empty_purchase_order_cannot_be_received(draft_po):
    errors = errors_of(services.receive_purchase_order, purchase_order=draft_po)
    assert errors == {
        "__all__": ["Purchase order PO-1001 has no devices: add at least one before receiving it."]
    }


def test_it_closes_a_received_purchase_order_only(draft_po, imei):
    errors = errors_of(services.close_purchase_order, purchase_order=draft_po)
    assert errors == {
        "__all__": ["Purchase order PO-1001 is draft: only a received one can be closed."]
    }
    add(draft_po, imei(20))
    services.receive_purchase_order(purchase_order=draft_po)
    services.close_purchase_order(purchase_order=draft_po)
    assert PurchaseOrder.objects.get(pk=draft_po.pk).status == PurchaseOrder.Status.CLOSED


def test_voiding_a_purchase_order_returns_its_devices(draft_po, stock):
    services.void_purchase_order(purchase_order=draft_po)
    assert draft_po.status == PurchaseOrder.Status.VOID
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in stock]).values_list("status", flat=True)
    ) == {"returned"}


def test_it_will_not_void_a_purchase_order_whose_devices_are_on_an_invoice(
    draft_po, stock, draft_invoice
):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[1].identifier])
    errors = errors_of(services.void_purchase_order, purchase_order=draft_po)
    assert errors == {
        "__all__": [
            f"Purchase order PO-1001 cannot be voided: some of its devices are on invoices ({stock[1].identifier})."
        ]
    }


def test_the_vendor_is_fixed_once_received_but_the_number_is_not(company, draft_po, stock):
    other = services.create_partner(company=company, name="Other Vendor", is_vendor=True)
    errors = errors_of(services.update_purchase_order, purchase_order=draft_po, vendor=other)
    assert errors == {"vendor": ["Purchase order PO-1001 is received: its vendor is fixed."]}
    services.update_purchase_order(purchase_order=draft_po, number="VEND-778", notes="invoice 778")
    assert PurchaseOrder.objects.get(pk=draft_po.pk).number == "VEND-778"


def test_the_purchase_order_total_is_the_sum_of_its_unit_costs(draft_po, imei):
    add(draft_po, imei(20), cost="100.10")
    add(draft_po, imei(21), cost="0.20")
    assert selectors.purchase_order_total(purchase_order=draft_po) == Decimal("100.30")

"""For random purchase orders and invoices, QuickBooks' TotalAmt equals Cellbooks' to the cent and
every device is counted exactly once — through the real sync against the emulator."""

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qbo_helpers import run_pending

from cellbooks.inventory import selectors
from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import outbox
from cellbooks.quickbooks.models import Binding

MODELS = [
    ("Apple", "iPhone 13", "128GB"),
    ("Apple", "iPhone 13", "256GB"),
    ("Samsung", "Galaxy S23", "128GB"),
    ("Google", "Pixel 8", "128GB"),
]
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
device = st.tuples(st.sampled_from(MODELS), st.sampled_from("ABCD"), money, money)
serials = itertools.count(1)


def qbo_lines(entity: dict, detail: str) -> list[dict]:
    return [line for line in entity["Line"] if line.get("DetailType") == detail]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(devices=st.lists(device, min_size=1, max_size=25))
def test_qbo_totals_equal_cellbooks_totals(devices, ready, qbo, company, vendor, customer, imei):
    po = inventory.create_purchase_order(company=company, vendor=vendor)
    identifiers = []
    for (make, model, capacity), grade, cost, price in devices:
        identifier = imei(10_000 + next(serials))
        identifiers.append(identifier)
        inventory.add_device_to_purchase_order(
            purchase_order=po,
            identifier=identifier,
            manufacturer=make,
            model=model,
            capacity=capacity,
            condition=grade,
            cost=cost,
            price=price,
        )
    inventory.receive_purchase_order(purchase_order=po)
    invoice = inventory.create_invoice(company=company, customer=customer)
    inventory.add_devices_to_invoice(invoice=invoice, identifiers=identifiers)
    invoice = inventory.open_invoice(invoice=invoice)

    for kind, document in (("purchase_order", po), ("invoice", invoice)):
        outbox.request_sync(company=company, kind=kind, local_id=document.pk)
    run_pending()

    bill = qbo.emulator.store.get_entity(
        qbo.realm, "Bill", Binding.objects.get(kind="purchase_order", local_id=po.pk).qbo_id
    )
    qbo_invoice = qbo.emulator.store.get_entity(
        qbo.realm, "Invoice", Binding.objects.get(kind="invoice", local_id=invoice.pk).qbo_id
    )
    assert Decimal(str(bill["TotalAmt"])) == selectors.purchase_order_total(purchase_order=po)
    assert (
        Decimal(str(qbo_invoice["TotalAmt"]))
        == invoice.total
        == sum((d[3] for d in devices), Decimal("0"))
    )
    for entity, detail in (
        (bill, "ItemBasedExpenseLineDetail"),
        (qbo_invoice, "SalesItemLineDetail"),
    ):
        lines = qbo_lines(entity, detail)
        assert sum(int(Decimal(str(line[detail]["Qty"]))) for line in lines) == len(devices)
        for line in lines:
            assert Decimal(str(line["Amount"])) == Decimal(str(line[detail]["Qty"])) * Decimal(
                str(line[detail]["UnitPrice"])
            )

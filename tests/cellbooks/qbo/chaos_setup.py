"""Run by test_chaos.py in a separate process, with the real settings and a file database: build a
company connected to the test's emulator, its QuickBooks settings, and documents to sync, then
queue them all as a person pressing "Sync all not yet synced" would.

Usage: python chaos_setup.py <token-json> <realm-id> <purchase-orders> <invoices>
Prints one JSON line: {"company": id, "purchase_orders": [ids], "invoices": [ids]}.
"""

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellbooks.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from cellbooks.accounts.services import create_company  # noqa: E402
from cellbooks.core.identifiers import luhn_check_digit  # noqa: E402
from cellbooks.inventory import services as inventory  # noqa: E402
from cellbooks.quickbooks import outbox, services  # noqa: E402
from cellbooks.quickbooks.models import Connection  # noqa: E402

MODELS = [("Apple", "iPhone 13"), ("Apple", "iPhone 14 Pro"), ("Samsung", "Galaxy S22")]


def imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


def main(token_json: str, realm_id: str, purchase_orders: int, invoices: int) -> None:
    company = create_company(name="Chaos Monkeys Wholesale")
    connection = Connection(
        company=company,
        status=Connection.Status.CONNECTED,
        realm_id=realm_id,
        linked_realm_id=realm_id,
        environment="emulator",
        connected_at=timezone.now(),
    )
    connection.set_tokens(json.loads(token_json))
    connection.save()
    choices = services.load_settings_choices(company=company)
    services.save_settings(
        company=company,
        item_name="Cellbooks Inventory",
        income_account_id=services.default_account_id(
            choices.income_accounts, services.DEFAULT_INCOME_NAMES
        ),
        expense_account_id=services.default_account_id(
            choices.expense_accounts, services.DEFAULT_EXPENSE_NAMES
        ),
        sync_pos_to="bill",
    )
    vendors = [
        inventory.create_partner(company=company, name=f"Vendor {v}", is_vendor=True)
        for v in range(3)
    ]
    customers = [
        inventory.create_partner(company=company, name=f"Shop {c}", is_customer=True)
        for c in range(4)
    ]
    po_ids, sold = [], []
    serial = 0
    for p in range(purchase_orders):
        po = inventory.create_purchase_order(company=company, vendor=vendors[p % len(vendors)])
        for d in range(2 + p % 3):
            serial += 1
            make, model = MODELS[(p + d) % len(MODELS)]
            inventory.add_device_to_purchase_order(
                purchase_order=po,
                identifier=imei(serial),
                manufacturer=make,
                model=model,
                condition="AB"[d % 2],
                cost=str(Decimal("100.01") + p + d),
                price=str(Decimal("150.99") + p),
            )
            sold.append(imei(serial))
        inventory.receive_purchase_order(purchase_order=po)
        po_ids.append(po.pk)
    invoice_ids = []
    for i in range(invoices):
        invoice = inventory.create_invoice(company=company, customer=customers[i % len(customers)])
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=sold[i * 2 : i * 2 + 2])
        invoice = inventory.open_invoice(invoice=invoice)
        if i % 3 == 0:  # paid in Cellbooks before it ever reached QuickBooks
            inventory.record_payment(invoice=invoice, amount="50.00", reference=f"CHK{i}")
        invoice_ids.append(invoice.pk)
    outbox.request_many(company=company, kind="purchase_order", local_ids=po_ids)
    outbox.request_many(company=company, kind="invoice", local_ids=invoice_ids)
    print(json.dumps({"company": company.pk, "purchase_orders": po_ids, "invoices": invoice_ids}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

"""Run by test_api_idempotency.py in a separate process, on a database file of its own: several
threads send the same POST with the same Idempotency-Key at the same moment.

Usage: python idempotency_race.py <threads>   (DATABASE_URL names the database file)
Prints one JSON line: every answer's status and body, and how many purchase orders exist.
"""

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellbooks.settings")
os.environ["HUEY_IMMEDIATE"] = "1"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from cellbooks.accounts.models import ApiKey  # noqa: E402
from cellbooks.accounts.services import create_company  # noqa: E402
from cellbooks.inventory.models import PurchaseOrder  # noqa: E402
from cellbooks.inventory.services import create_partner  # noqa: E402


def main(threads: int) -> None:
    call_command("migrate", verbosity=0)
    company = create_company(name="Race Conditions Inc")
    vendor = create_partner(company=company, name="Phone Source Ltd", is_vendor=True)
    _, raw = ApiKey.issue(company=company, name="race")
    connection.close()
    body = json.dumps({"vendor": vendor.pk, "notes": "one, whatever happens"})
    start = threading.Barrier(threads)  # every thread posts the moment the last one is ready
    answers, errors = [], []

    def post():
        start.wait(timeout=60)
        try:
            response = Client().post(
                "/api/v1/purchase-orders",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "order-42"},
            )
            answers.append(
                {
                    "status": response.status_code,
                    "body": response.json(),
                    "replayed": response.headers.get("Idempotent-Replayed"),
                }
            )
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    pool = [threading.Thread(target=post) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    count = PurchaseOrder.objects.filter(company=company).count()
    print(json.dumps({"answers": answers, "errors": errors, "purchase_orders": count}))


if __name__ == "__main__":
    main(int(sys.argv[1]))

"""Run by test_qbo_tokens.py in separate processes: several threads ask for an access token at once.

Usage: python refresh_race.py setup <access-json> | race <connection-id> <threads> <start-at>
"""

import json
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellbooks.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from cellbooks.accounts.services import create_company  # noqa: E402
from cellbooks.quickbooks import tokens  # noqa: E402
from cellbooks.quickbooks.models import Connection  # noqa: E402


def setup(token_json: str, realm_id: str) -> None:
    company = create_company(name="Race Conditions Inc")
    connection = Connection(
        company=company,
        status=Connection.Status.CONNECTED,
        realm_id=realm_id,
        linked_realm_id=realm_id,
        environment="emulator",
    )
    connection.set_tokens(json.loads(token_json))
    connection.access_token_expires_at = timezone.now() - timedelta(
        seconds=5
    )  # expired: everyone wants a refresh
    connection.save()
    print(connection.pk)


def race(connection_id: int, threads: int, start_at: float) -> None:
    results, errors = [], []

    def worker():
        time.sleep(max(0.0, start_at - time.time()))
        try:
            results.append(tokens.access_token(connection_id)[0])
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            django.db.connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(json.dumps({"tokens": results, "errors": errors}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    else:
        race(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))

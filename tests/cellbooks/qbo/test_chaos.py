"""Chaos: a bulk sync with a third of QuickBooks' answers failing in every way it fails, while the
worker process is SIGKILLed again and again. The books must come out right with no person involved:
every document exactly once in QuickBooks, none missing, every total to the cent, every payment
typed in Cellbooks on its invoice, nothing left failed or stuck.

Real processes, as in production: the real settings on a database of their own (a SQLite file, or
PostgreSQL with the queue on Redis in `make test-postgres`), `manage.py run_huey` as the worker,
the emulator in this test's process (its fault rules on the /v3 API).
"""

import os
import random
import signal
import time
from collections import Counter
from decimal import Decimal

import pytest
from qbo_helpers import qbo_environment
from worker_processes import Backend

# The suite's size; CHAOS_PURCHASE_ORDERS / CHAOS_INVOICES / CHAOS_KILLS make a bigger run by hand.
PURCHASE_ORDERS = int(os.environ.get("CHAOS_PURCHASE_ORDERS", "40"))
INVOICES = int(os.environ.get("CHAOS_INVOICES", "30"))
KILLS = int(os.environ.get("CHAOS_KILLS", "4"))
FAULTS = [  # (kind, probability of hitting a /v3 request); about a third fail in all
    ("http_500", 0.07),
    ("http_503", 0.06),
    ("throttle", 0.06),
    ("reset_before", 0.05),
    ("reset_after", 0.06),
    ("delay", 0.03),
]


@pytest.fixture
def backend(qbo, tmp_path):
    made = Backend(
        tmp_path,
        {
            **qbo_environment(qbo),
            # Short leases and retries so the test is bounded; many attempts so a third of calls
            # failing never exhausts them. A lost answer waits at least the timeout before a retry.
            "QBO_LEASE_SECONDS": "2",
            "QBO_RETRY_BASE_SECONDS": "0.2",
            "QBO_RETRY_MAX_SECONDS": "1",
            "QBO_MAX_ATTEMPTS": "60",
            "QBO_TIMEOUT": "1",
            "HUEY_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
        },
    )
    yield made
    made.drop()


def test_a_bulk_sync_survives_faults_and_killed_workers(qbo, backend, tmp_path):
    documents = backend.bulk_sync_queued(qbo, purchase_orders=PURCHASE_ORDERS, invoices=INVOICES)
    total = PURCHASE_ORDERS + INVOICES
    # The first six writes meet each kind of fault once, for certain; then chance takes over.
    rules = [{"kind": kind, "method": "POST", "count": 1} for kind, _ in FAULTS]
    rules += [{"kind": kind, "probability": probability} for kind, probability in FAULTS]
    for rule in rules:
        rule.update(path="^/v3/", delay_seconds=1.5)
        assert qbo.http.post("/_emulator/faults", json=rule).status_code in (200, 201)

    rng = random.Random(20261130)
    log = (tmp_path / "worker.log").open("w")
    worker = backend.start_worker(log)
    try:
        for _ in range(KILLS):  # let it get somewhere, then kill it mid-flight and start again
            progress = backend.counts().get("done", 0)
            deadline = time.monotonic() + 60
            while backend.counts().get("done", 0) < progress + rng.randint(3, 8):
                assert time.monotonic() < deadline, "no progress between kills"
                time.sleep(0.1)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            worker = backend.start_worker(log)
        deadline = time.monotonic() + 240
        while backend.counts().get("done", 0) < total:
            assert time.monotonic() < deadline, f"stuck: {backend.counts()}"
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        log.close()
        struck = qbo.http.get("/_emulator/faults").json()["faults"]
        qbo.http.delete("/_emulator/faults")

    # 0 left for a person: every request done; nothing failed, pending or running.
    assert backend.counts() == {"done": total}
    hits = Counter()
    for rule in struck:
        hits[rule["kind"]] += rule["hits"]
    assert set(hits) == {kind for kind, _ in FAULTS} and all(hits.values()), hits
    assert hits.total() > len(FAULTS), f"chance struck too: {hits}"

    # 0 duplicates, 0 missing: one QBO document per Cellbooks document, found by its marker.
    for kind, entity, ids in (
        ("purchase_order", "Bill", documents["purchase_orders"]),
        ("invoice", "Invoice", documents["invoices"]),
    ):
        records = qbo.emulator.store.list_entities(qbo.realm, entity)
        markers = Counter(
            note.split("[cellbooks:")[1].split("]")[0]
            for note in (r.get("PrivateNote", "") for r in records)
            if "[cellbooks:" in note
        )
        expected = {f"chaos-monkeys-wholesale:{kind}:{pk}" for pk in ids}
        assert set(markers) == expected and set(markers.values()) == {1}
        # 0 mismatched totals: QBO's total is Cellbooks' to the cent.
        table, amount = (
            ("inventory_purchaseorderline", "unit_cost")
            if kind == "purchase_order"
            else ("inventory_invoiceline", "unit_price")
        )
        parent = "purchase_order_id" if kind == "purchase_order" else "invoice_id"
        ours = {
            pk: sum(
                (
                    Decimal(str(v))
                    for (v,) in backend.rows(f"SELECT {amount} FROM {table} WHERE {parent} = ?", pk)
                ),
                Decimal("0.00"),
            )
            for pk in ids
        }
        linked = dict(
            backend.rows("SELECT qbo_id, local_id FROM quickbooks_binding WHERE kind = ?", kind)
        )
        for record in records:
            assert Decimal(str(record["TotalAmt"])) == ours[linked[record["Id"]]]
        assert len(linked) == len(ids)
    assert backend.rows(
        "SELECT COUNT(*) FROM quickbooks_binding WHERE create_sent_at IS NOT NULL"
    ) == [(0,)]

    # Payments typed in Cellbooks reached QuickBooks once each, on their invoices.
    typed = backend.rows("SELECT id, invoice_id FROM inventory_payment WHERE source = 'manual'")
    payments = qbo.emulator.store.list_entities(qbo.realm, "Payment")
    assert len(payments) == len(typed) == len(range(0, INVOICES, 3))
    for invoice in qbo.emulator.store.list_entities(qbo.realm, "Invoice"):
        local_id = linked[invoice["Id"]]
        paid = backend.rows(
            "SELECT COALESCE(SUM(amount), 0) FROM inventory_payment WHERE invoice_id = ?",
            local_id,
        )
        assert Decimal(str(invoice["Balance"])) == ours[local_id] - Decimal(str(paid[0][0]))

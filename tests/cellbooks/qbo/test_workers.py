"""Scale-out: three worker processes share one bulk sync of a few hundred documents, one of them is
SIGKILLed midway, and every document still ends up in QuickBooks exactly once.

Runs on what the run is on (worker_processes.Backend): SQLite with Huey on SQLite in `make test`,
PostgreSQL with the queue on Redis in `make test-postgres` — where the claims are taken with
``SELECT … FOR UPDATE SKIP LOCKED``. The killed worker's claims lapse with its lease and the
survivors' sweep hands them back; nothing is restarted.
"""

import os
import signal
from collections import Counter
from decimal import Decimal

import pytest
from qbo_helpers import qbo_environment
from waiting import wait_for
from worker_processes import Backend

PURCHASE_ORDERS = int(os.environ.get("WORKERS_PURCHASE_ORDERS", "150"))
INVOICES = int(os.environ.get("WORKERS_INVOICES", "150"))
WORKERS = 3


@pytest.fixture
def backend(qbo, tmp_path):
    made = Backend(
        tmp_path,
        {
            **qbo_environment(qbo),
            "QBO_LEASE_SECONDS": "3",  # a dead worker's claims lapse soon
            "HUEY_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
        },
    )
    yield made
    made.drop()


def test_three_workers_share_a_bulk_sync_and_one_is_killed_midway(qbo, backend, tmp_path):
    documents = backend.bulk_sync_queued(qbo, purchase_orders=PURCHASE_ORDERS, invoices=INVOICES)
    total = PURCHASE_ORDERS + INVOICES
    assert backend.counts() == {"pending": total}

    log = (tmp_path / "workers.log").open("w")
    workers = [backend.start_worker(log) for _ in range(WORKERS)]
    holders = {f"{os.uname().nodename}:{w.pid}"[:100]: w for w in workers}
    try:
        # Midway: once a third is done, kill a worker that is holding claims right now.
        def running_holders():
            return Counter(
                holder
                for (holder,) in backend.rows(
                    "SELECT claimed_by FROM quickbooks_syncrequest WHERE status = 'running'"
                )
                if holder in holders
            )

        wait_for(
            lambda: backend.counts().get("done", 0) >= total // 3 and running_holders(),
            what=lambda: f"a third done with a worker holding claims: {backend.counts()}",
            timeout=180,
            interval=0.1,
        )
        victim_holder = running_holders().most_common(1)[0][0]
        victim = holders[victim_holder]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        held = [
            pk
            for (pk,) in backend.rows(
                "SELECT id FROM quickbooks_syncrequest WHERE status = 'running' AND claimed_by = ?",
                victim_holder,
            )
        ]
        done_at_kill = backend.counts().get("done", 0)
        assert done_at_kill < total, "killed after the end, not midway"
        wait_for(
            lambda: backend.counts().get("done", 0) == total,
            what=lambda: f"every request done: {backend.counts()}",
            timeout=240,
            interval=0.1,
        )
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()

    # Every request done; the killed worker's claims were finished by the survivors.
    assert backend.counts() == {"done": total}
    survivors = set(holders) - {victim_holder}
    finished_by = dict(backend.rows("SELECT id, claimed_by FROM quickbooks_syncrequest"))
    assert set(finished_by.values()) <= set(holders)
    assert held, "the victim held claims when it was killed"
    assert {finished_by[pk] for pk in held} <= survivors

    # Exactly once in QuickBooks: one document per Cellbooks document, found by its marker,
    # linked, its total Cellbooks' to the cent; no create left in doubt.
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
        assert set(markers) == {f"chaos-monkeys-wholesale:{kind}:{pk}" for pk in ids}
        assert set(markers.values()) == {1}
        linked = dict(
            backend.rows("SELECT qbo_id, local_id FROM quickbooks_binding WHERE kind = ?", kind)
        )
        assert sorted(linked.values()) == sorted(ids)
        table, amount, parent = (
            ("inventory_purchaseorderline", "unit_cost", "purchase_order_id")
            if kind == "purchase_order"
            else ("inventory_invoiceline", "unit_price", "invoice_id")
        )
        for record in records:
            lines = backend.rows(
                f"SELECT {amount} FROM {table} WHERE {parent} = ?", linked[record["Id"]]
            )
            ours = sum((Decimal(str(v)) for (v,) in lines), Decimal("0.00"))
            assert Decimal(str(record["TotalAmt"])) == ours
    assert backend.rows(
        "SELECT COUNT(*) FROM quickbooks_binding WHERE create_sent_at IS NOT NULL"
    ) == [(0,)]
    # The payments typed in Cellbooks went once each.
    typed = backend.rows("SELECT COUNT(*) FROM inventory_payment WHERE source = 'manual'")
    assert [(len(qbo.emulator.store.list_entities(qbo.realm, "Payment")),)] == typed

"""Claiming sync requests: one function, two paths — ``SELECT … FOR UPDATE SKIP LOCKED`` where the
database offers it (PostgreSQL), a conditional UPDATE per row elsewhere. Either way no two workers
ever hold the same request, and only due, pending requests are taken."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cellbooks.quickbooks import worker
from cellbooks.quickbooks.leases import holder, keeper
from cellbooks.quickbooks.models import SyncRequest

PATHS = [
    pytest.param(False, id="conditional-update"),
    pytest.param(True, id="skip-locked", marks=pytest.mark.postgres),
]


def _requests(company, n, **fields):
    return [
        SyncRequest.objects.create(company=company, kind="invoice", local_id=i, **fields)
        for i in range(1, n + 1)
    ]


@pytest.fixture(autouse=True)
def _forget_leases():
    yield
    keeper.release(keeper.held())


def test_the_default_path_is_the_databases():
    assert connection.features.has_select_for_update_skip_locked == (
        connection.vendor == "postgresql"
    )


@pytest.mark.parametrize("skip_locked", PATHS)
def test_claim_leases_only_due_pending_requests_up_to_the_limit(company, skip_locked):
    due = _requests(company, 5)
    later = SyncRequest.objects.create(
        company=company,
        kind="purchase_order",
        local_id=1,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    done = SyncRequest.objects.create(
        company=company, kind="purchase_order", local_id=2, status=SyncRequest.Status.DONE
    )
    ids = [r.pk for r in due] + [later.pk, done.pk]

    first = worker.claim(ids, limit=3, skip_locked=skip_locked)
    rest = worker.claim(ids, skip_locked=skip_locked)

    assert [r.pk for r in first] == [r.pk for r in due[:3]]
    assert [r.pk for r in rest] == [r.pk for r in due[3:]]
    assert worker.claim(ids, skip_locked=skip_locked) == []
    for request in first + rest:
        request.refresh_from_db()
        assert request.status == SyncRequest.Status.RUNNING
        assert request.claimed_by == holder() and request.lease_expires_at > timezone.now()
        assert request.attempts == 0  # a claim is not an attempt
        assert request.company == company  # loaded with the request
    assert keeper.held() == {r.pk for r in due}
    later.refresh_from_db()
    done.refresh_from_db()
    assert (later.status, done.status) == (SyncRequest.Status.PENDING, SyncRequest.Status.DONE)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("skip_locked", [False, True], ids=["conditional-update", "skip-locked"])
def test_workers_claiming_at_once_never_share_a_request(company, skip_locked):
    """Four threads, each with its own connection, claim from the same list at once. (The test
    database on SQLite is in memory, where concurrent writers fail instead of waiting; on SQLite,
    test_workers.py's worker processes claim concurrently on a file database.)"""
    ids = [r.pk for r in _requests(company, 60)]
    start = threading.Barrier(4)
    taken: list[list[int]] = [[] for _ in range(4)]

    def claim_all(slot):
        try:
            start.wait(timeout=10)
            while batch := worker.claim(ids, limit=7, skip_locked=skip_locked):
                taken[slot].extend(r.pk for r in batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_all, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [pk for slot in taken for pk in slot]
    assert sorted(everything) == sorted(ids)  # every request once, none twice
    assert SyncRequest.objects.filter(status=SyncRequest.Status.RUNNING).count() == 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_skip_locked_passes_over_rows_another_worker_is_claiming(company):
    """While one worker's claim transaction holds some rows, another takes the others at once
    instead of waiting for it."""
    ids = [r.pk for r in _requests(company, 6)]
    locked, release = threading.Event(), threading.Event()

    def hold_first_three():
        try:
            with transaction.atomic():
                list(SyncRequest.objects.filter(pk__in=ids[:3]).select_for_update())
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holding = threading.Thread(target=hold_first_three)
    holding.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:  # never wait on a lock here: fail instead
            cursor.execute("SET lock_timeout = '2s'")
        claimed = worker.claim(ids, skip_locked=True)
        assert [r.pk for r in claimed] == ids[3:]
    finally:
        release.set()
        holding.join(timeout=30)
    assert [r.pk for r in worker.claim(ids, skip_locked=True)] == ids[:3]

"""The rate limiter keeps QuickBooks' sliding windows (500 requests a minute, 10 a second, 40
batch calls a minute, per realm), shared through the database, and the bulk sync's two lanes:
batch calls while the batch budget lasts, single creates from the rest of the request budget.

A fake clock drives the windows (time.time and time.sleep inside the limiter), so the checks are
exact and take no time."""

import pytest
from qbo_helpers import qbo_documents, writes

from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import outbox, ratelimit
from cellbooks.quickbooks.models import RateBucket, SyncRequest
from cellbooks.quickbooks.worker import process_batch


class Clock:
    def __init__(self, start=1_800_000_000.0):
        self.now = start
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch, settings):
    settings.QBO = {**settings.QBO, "RATE_LIMITS": True, "RATE_SCALE": 1.0}
    fake = Clock()
    monkeypatch.setattr(ratelimit.time, "time", fake.time)
    monkeypatch.setattr(ratelimit.time, "sleep", fake.sleep)
    return fake


def sent_at(realm, clock, calls, *, batch=False):
    times = []
    for _ in range(calls):
        assert ratelimit.acquire(realm, batch=batch)
        times.append(clock.now)
        clock.now += 0.001  # a call takes a moment to send
    return times


def most_in_any_window(times, span):
    """The most calls in any window of ``span`` seconds, as QuickBooks counts them."""
    return max(sum(1 for t in times if start <= t < start + span) for start in times)


def test_a_quiet_realm_sends_its_first_ten_at_once_then_waits_for_the_second_to_turn(db, clock):
    times = sent_at("r1", clock, 11)
    assert clock.slept[:1] == [pytest.approx(1.2 - 0.010)]  # the window, plus its margin
    assert times[9] - times[0] < 0.01 and times[10] - times[0] >= 1.2


def test_no_sliding_window_of_quickbooks_ever_holds_more_than_its_limit(db, clock):
    times = sent_at("r1", clock, 520)
    assert most_in_any_window(times, 1.0) == 10
    assert most_in_any_window(times, 60.0) <= 500
    # ... and the minute's budget is used, not just the second's: 500 go in the first minute.
    assert sum(1 for t in times if t < times[0] + 61.0) == 500
    assert ratelimit.recent_calls("r1") == {"minute": 500, "second": 10}


def test_batch_calls_count_against_both_budgets(db, clock):
    batches = sent_at("r1", clock, 45, batch=True)
    assert most_in_any_window(batches, 60.0) == 40
    assert batches[40] - batches[0] >= 61.0
    recent = ratelimit.recent_calls("r1")
    assert recent["minute"] == recent["batch"] > 0  # each batch call is a request too


def test_when_the_batch_budget_is_spent_a_worker_hears_it_at_once(db, clock):
    sent_at("r1", clock, 40, batch=True)
    before = clock.now
    assert ratelimit.acquire("r1", batch=True, unless_batch_full=True) is False
    assert clock.now == before  # no waiting
    assert ratelimit.acquire("r1")  # a single call still goes
    assert ratelimit.acquire("r1", batch=True, wait=False) is False


def test_room_taken_ahead_is_logged_again_when_the_call_goes(db, clock):
    """A batch call's room is taken before its 30 documents are prepared: the windows must hold
    the time it is really sent, as QuickBooks counts it."""
    logged_at = ratelimit.acquire("r1", batch=True, unless_batch_full=True)
    assert logged_at == clock.now
    clock.now += 2.5  # preparing the documents
    ratelimit.restamp("r1", batch=True, logged_at=logged_at)
    logs = {b.name: b.log for b in RateBucket.objects.filter(realm_id="r1")}
    assert logs == {"batch": [clock.now], "minute": [clock.now], "second": [clock.now]}


def test_room_taken_ahead_that_others_used_meanwhile_is_waited_for_not_overfilled(db, clock):
    """Room taken ahead is not a licence: if ten single calls went while the batch call was being
    built, the batch call waits for the second to turn instead of being QuickBooks' eleventh."""
    logged_at = ratelimit.acquire("r1", batch=True, unless_batch_full=True)
    clock.now += 0.5
    singles = sent_at("r1", clock, 10)  # the tenth once the room taken ahead left the window
    waits = len(clock.slept)
    ratelimit.restamp("r1", batch=True, logged_at=logged_at)
    sent = clock.now
    assert len(clock.slept) > waits and sent - singles[0] >= 1.2  # waited for the window
    assert most_in_any_window([*singles, sent], 1.0) <= 10
    logs = {b.name: b.log for b in RateBucket.objects.filter(realm_id="r1")}
    assert logs["batch"] == [sent] and logged_at not in logs["second"]


def test_realms_have_their_own_windows(db, clock):
    sent_at("r1", clock, 10)
    start = clock.now
    sent_at("r2", clock, 10)
    assert clock.now - start < 0.02 and not clock.slept


def test_off_means_off(db, settings):
    settings.QBO = {**settings.QBO, "RATE_LIMITS": False}
    assert all(ratelimit.acquire("r1") for _ in range(50))
    assert not RateBucket.objects.exists()


def _invoices(company, customer, imei, count, first):
    po = inventory.create_purchase_order(
        company=company,
        vendor=inventory.create_partner(company=company, name=f"Vendor {first}", is_vendor=True),
    )
    for n in range(first, first + count):
        inventory.add_device_to_purchase_order(
            purchase_order=po, identifier=imei(n), manufacturer="Google", model="Pixel 7",
            condition="B", cost="150.00", price=f"{200 + n}.00",
        )  # fmt: skip
    inventory.receive_purchase_order(purchase_order=po)
    invoices = []
    for n in range(first, first + count):
        invoice = inventory.create_invoice(company=company, customer=customer)
        inventory.add_devices_to_invoice(invoice=invoice, identifiers=[imei(n)])
        invoices.append(inventory.open_invoice(invoice=invoice))
    return invoices


def _calls(entries):
    """What was sent: "invoice" for a single create, "documents" for a batch call of documents,
    "partners" for the batch call that creates the customers."""
    names = []
    for entry in entries:
        name = entry["path"].rsplit("/", 1)[-1]
        if name == "batch":
            name = "documents" if (entry["requestid"] or "").startswith("cbb") else "partners"
        names.append(name)
    return names


def _bulk_sync(company, invoices):
    key = outbox.request_many(company=company, kind="invoice", local_ids=[i.pk for i in invoices])
    process_batch(list(SyncRequest.objects.filter(batch_key=key).values_list("pk", flat=True)))
    return outbox.batch_progress(company=company, batch_key=key)


def test_while_the_batch_budget_is_spent_new_documents_go_one_by_one(
    ready, qbo, company, customer, imei, clock
):
    invoices = _invoices(company, customer, imei, 6, first=300)
    sent_at(qbo.realm, clock, 40, batch=True)  # this minute's batch calls are gone
    before = len(writes(qbo))

    progress = _bulk_sync(company, invoices)

    new = _calls(writes(qbo)[before:])
    assert progress["done"] == 6
    assert new.count("invoice") == 6 and "documents" not in new  # the single lane
    assert len(qbo_documents(qbo, "Invoice")) == 6


def test_with_batch_budget_left_they_go_thirty_to_a_call(
    ready, qbo, company, customer, imei, clock
):
    invoices = _invoices(company, customer, imei, 6, first=400)
    before = len(writes(qbo))

    progress = _bulk_sync(company, invoices)

    new = _calls(writes(qbo)[before:])
    assert progress["done"] == 6
    assert new.count("documents") == 1 and "invoice" not in new  # the batch lane
    assert len(qbo_documents(qbo, "Invoice")) == 6

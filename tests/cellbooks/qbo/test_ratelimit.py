"""The rate limiter keeps QuickBooks' sliding windows (500 requests a minute, 10 a second, 40
batch calls a minute, per realm), shared through the database, and the bulk sync's two lanes:
batch calls while the batch budget lasts, single creates from the rest of the request budget.

A fake clock drives the windows (time.time and time.sleep inside the limiter), so the checks are
exact and take no time."""

from contextlib import ExitStack

import pytest
from qbo_helpers import qbo_documents, writes

from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import outbox, ratelimit, worker
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


def sent_at(realm, clock, calls, *, batch=False, answered_in=0.001):
    """Let ``calls`` calls go one after the other, each answered ``answered_in`` seconds later;
    return the times they were let go."""
    times = []
    for _ in range(calls):
        ticket = ratelimit.acquire(realm, batch=batch)
        assert ticket
        times.append(clock.now)
        clock.now += answered_in
        ratelimit.landed(realm, ticket, batch=batch)
    return times


def most_in_any_window(times, span):
    """The most calls in any window of ``span`` seconds, as QuickBooks counts them."""
    return max(sum(1 for t in times if start <= t < start + span) for start in times)


def test_a_quiet_realm_sends_its_first_ten_at_once_then_waits_for_the_second_to_turn(db, clock):
    times = sent_at("r1", clock, 11)
    # The first call, answered at +0.001, leaves the second's window (1 s and its margin) after.
    assert clock.slept[:1] == [pytest.approx(0.001 + 1.05 - 0.010)]
    assert times[9] - times[0] < 0.01 and times[10] - times[0] >= 1.05


def test_no_sliding_window_of_quickbooks_ever_holds_more_than_its_limit(db, clock):
    times = sent_at("r1", clock, 520)
    assert most_in_any_window(times, 1.0) == 10
    assert most_in_any_window(times, 60.0) == 500
    # ... and the minute's budget is used, not just the second's: 500 go in the first minute.
    assert sum(1 for t in times if t < times[0] + 60.0) == 500
    recent = ratelimit.recent_calls("r1")
    assert recent["minute"] == 500 and 0 < recent["second"] <= 10


def test_batch_calls_count_against_both_budgets(db, clock):
    batches = sent_at("r1", clock, 45, batch=True)
    assert most_in_any_window(batches, 60.0) == 40
    assert batches[40] - batches[0] >= 60.0
    recent = ratelimit.recent_calls("r1")
    assert recent["minute"] == recent["batch"] > 0  # each batch call is a request too


def test_when_the_batch_budget_is_spent_a_worker_hears_it_at_once(db, clock):
    sent_at("r1", clock, 40, batch=True)
    before = clock.now
    assert ratelimit.acquire("r1", batch=True, unless_batch_full=True) is False
    assert clock.now == before  # no waiting
    assert ratelimit.acquire("r1")  # a single call still goes
    assert ratelimit.acquire("r1", batch=True, wait=False) is False


def test_calls_in_flight_count_until_they_are_answered(db, clock):
    """Ten calls let go and not answered yet fill the second: however long they take, one of
    them may reach QuickBooks just before an eleventh."""
    tickets = [ratelimit.acquire("r1") for _ in range(10)]
    clock.now += 5.0  # slow answers: all ten still in flight five seconds later
    assert ratelimit.acquire("r1", wait=False) is False
    for ticket in tickets:
        ratelimit.landed("r1", ticket, batch=False)
    answered = clock.now
    assert ratelimit.acquire("r1", wait=False) is False  # answered just now: may have arrived now
    assert ratelimit.acquire("r1")  # waits a window after the answers, then goes
    assert clock.now >= answered + 1.0


def test_a_late_answer_keeps_its_call_in_the_window_from_its_answer(db, clock):
    """What QuickBooks counts is the arrival, anywhere between letting the call go and its answer.
    A call answered late may have arrived late: it counts for a whole window after its answer, so
    the calls let go after it cannot make eleven in any second, whenever each one arrived."""
    slow = ratelimit.acquire("r1")
    start = clock.now
    quick = sent_at("r1", clock, 9)  # the second's other nine, answered at once
    clock.now = start + 0.9
    ratelimit.landed("r1", slow, batch=False)  # it may have arrived at start + 0.9
    clock.now = start + 1.2  # the quick nine have left the window; the slow one has not
    later = sent_at("r1", clock, 10)
    # Arrival times as QuickBooks could have seen them: the slow call at its answer.
    assert most_in_any_window([start + 0.9, *later], 1.0) <= 10
    assert most_in_any_window([*quick, start + 0.9, *later], 1.0) <= 10
    assert later[9] >= start + 0.9 + 1.0  # the tenth waited for the slow call to leave


def test_room_taken_ahead_for_a_batch_call_counts_from_then_until_a_window_after_its_answer(
    db, clock, settings
):
    """A batch call's room is taken before it is sent (``take_batch_slot``): it counts from then
    — earlier than the call, never later — until a window after its answer."""
    ticket = ratelimit.acquire("r1", batch=True, unless_batch_full=True)
    clock.now += 2.5  # the call is being built
    assert ratelimit.recent_calls("r1") == {"batch": 1, "minute": 1, "second": 1}
    ratelimit.landed("r1", ticket, batch=True)
    clock.now += 1.1
    assert ratelimit.recent_calls("r1") == {"batch": 1, "minute": 1, "second": 0}


def test_a_call_left_in_flight_by_a_dead_worker_stops_counting(db, clock, settings):
    ratelimit.acquire("r1")  # never answered: its worker was killed
    assert ratelimit.recent_calls("r1")["minute"] == 1
    clock.now += 2 * settings.QBO["TIMEOUT"] + 61
    assert ratelimit.recent_calls("r1")["minute"] == 0


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


def test_while_a_bulk_sync_is_under_way_a_few_threads_keep_creating_one_by_one(
    ready, qbo, company, customer, imei, clock
):
    """Batch calls alone leave most of the request budget idle: once a bulk sync has sent a few
    batch calls this minute, a thread with a seat in the single lane creates its documents one
    call each even though the batch window has room; one without a seat sends them in a batch
    call, waiting for the batch window when it is full rather than spending the request budget
    the seated threads use."""
    invoices = _invoices(company, customer, imei, 9, first=500)
    sent_at(qbo.realm, clock, worker.BULK_UNDER_WAY, batch=True)

    def sync(some):
        before = len(writes(qbo))
        assert _bulk_sync(company, some)["done"] == len(some)
        return _calls(writes(qbo)[before:])

    new = sync(invoices[:3])
    assert new.count("invoice") == 3 and "documents" not in new  # a seat: the single lane

    with ExitStack() as others:  # other threads hold every seat
        seats = worker.SINGLE_LANE.seats
        assert all(others.enter_context(worker.SINGLE_LANE.seat()) for _ in range(seats))
        new = sync(invoices[3:6])
        assert new.count("documents") == 1 and "invoice" not in new  # the batch lane

        spent = ratelimit.recent_calls(qbo.realm)["batch"]
        sent_at(qbo.realm, clock, 40 - spent, batch=True)  # the minute's batch budget is gone
        waited_from = clock.now
        new = sync(invoices[6:])
        assert new.count("documents") == 1 and "invoice" not in new  # still the batch lane …
        assert clock.now - waited_from >= 50  # … once the minute's first batch calls left
    assert len(qbo_documents(qbo, "Invoice")) == 9


@pytest.mark.parametrize("threads, seats", [(8, 3), (4, 2), (2, 1), (1, 0)])
def test_the_single_lane_leaves_at_least_as_many_threads_to_the_batch_lane(
    settings, threads, seats
):
    settings.HUEY = {**settings.HUEY, "consumer": {**settings.HUEY["consumer"], "workers": threads}}
    assert worker.SINGLE_LANE.seats == seats


def test_a_worker_of_one_thread_creates_one_by_one_while_the_batch_budget_is_spent(
    ready, qbo, company, customer, imei, clock, settings
):
    """No thread can sit in the single lane, so waiting for the batch window would leave the
    request budget idle: it goes on one by one, as outside a bulk sync."""
    settings.HUEY = {**settings.HUEY, "consumer": {**settings.HUEY["consumer"], "workers": 1}}
    invoices = _invoices(company, customer, imei, 3, first=600)
    sent_at(qbo.realm, clock, 40, batch=True)
    before = len(writes(qbo))
    assert _bulk_sync(company, invoices)["done"] == 3
    new = _calls(writes(qbo)[before:])
    assert new.count("invoice") == 3 and "documents" not in new  # no waiting for a batch call

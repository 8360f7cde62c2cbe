"""Idempotency-Key on every POST (Stripe's semantics): a retry gets the first answer and creates
nothing more; the same key with another request is a 409; keys are per company and kept 24 h; two
identical requests at the same moment create one document."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from test_api_support import BASE, ApiClient, device_row, ok

from cellbooks.api import idempotency
from cellbooks.api.models import IdempotentRequest
from cellbooks.inventory.models import PurchaseOrder

KEY = "3f9c2a4e-7b1d-4c55-9a0e-2d6f1b8c9e01"


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


@pytest.fixture
def vendor(api):
    return ok(api.post("/vendors", {"name": "Phone Source Ltd"}), 201)


def post(api, path, body, key=KEY, raw=None):
    return api.client.post(
        BASE + path,
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        headers={**api.headers, "Idempotency-Key": key},
    )


def test_a_retried_post_creates_one_document_and_gets_the_first_answer(api, vendor, company):
    body = {"vendor": vendor["id"], "notes": "by the 5th", "devices": [device_row(1)]}
    first = post(api, "/purchase-orders", body)
    # The retry sends the same request: JSON spacing and key order do not matter.
    retry = post(api, "/purchase-orders", None, raw=json.dumps(body, indent=2, sort_keys=True))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert PurchaseOrder.objects.filter(company=company).count() == 1
    assert ok(api.get("/devices"))["count"] == 1


def test_the_same_key_with_another_request_is_a_409_and_does_nothing(api, vendor, company):
    ok(post(api, "/purchase-orders", {"vendor": vendor["id"]}), 201)

    changed = post(api, "/purchase-orders", {"vendor": vendor["id"], "notes": "different"})
    elsewhere = post(api, "/vendors", {"name": "Another"})

    for response in (changed, elsewhere):
        assert response.status_code == 409
        [item] = response.json()["detail"]
        assert item["loc"] == ["header", "Idempotency-Key"]
        assert item["type"] == "idempotency_conflict"
        assert item["msg"].startswith("This Idempotency-Key was used in the last 24 hours")
        assert "POST /api/v1/purchase-orders" in item["msg"]
    assert PurchaseOrder.objects.filter(company=company).count() == 1
    assert ok(api.get("/vendors"))["count"] == 1


def test_a_refusal_is_an_answer_too(api, vendor):
    body = {"vendor": vendor["id"], "devices": [device_row(1, cost="-1")]}
    first = post(api, "/purchase-orders", body)
    again = post(api, "/purchase-orders", body)
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_keys_belong_to_one_company(api, vendor, other_company):
    rival = ApiClient.for_company(other_company)
    rival_vendor = ok(rival.post("/vendors", {"name": "Rival Supply"}), 201)
    ok(post(api, "/purchase-orders", {"vendor": vendor["id"]}), 201)
    theirs = ok(post(rival, "/purchase-orders", {"vendor": rival_vendor["id"]}), 201)
    assert theirs["vendor"]["name"] == "Rival Supply"
    assert PurchaseOrder.objects.count() == 2


def test_keys_are_forgotten_after_24_hours(api, vendor, company):
    ok(post(api, "/purchase-orders", {"vendor": vendor["id"]}), 201)
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post(api, "/purchase-orders", {"vendor": vendor["id"]})

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert PurchaseOrder.objects.filter(company=company).count() == 2
    assert IdempotentRequest.objects.count() == 1  # the old one was replaced


def test_the_hourly_prune_forgets_old_keys_only(api, vendor):
    ok(post(api, "/purchase-orders", {"vendor": vendor["id"]}, key="old"), 201)
    ok(post(api, "/purchase-orders", {"vendor": vendor["id"]}, key="new"), 201)
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    assert idempotency.prune() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize("key", ["x" * 256, " padded ", "caf\u00e9", ""])
def test_a_key_that_is_not_printable_ascii_is_refused(api, vendor, key):
    response = post(api, "/purchase-orders", {"vendor": vendor["id"]}, key=key)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert PurchaseOrder.objects.count() == 0


def test_without_a_valid_api_key_nothing_is_remembered(client, vendor):
    response = client.post(
        f"{BASE}/vendors",
        json.dumps({"name": "Nobody"}),
        content_type="application/json",
        headers={"Authorization": "Bearer wrong", "Idempotency-Key": KEY},
    )
    assert response.status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_other_methods_ignore_the_header(api, vendor):
    for _ in range(2):
        response = api.client.patch(
            f"{BASE}/vendors/{vendor['id']}",
            json.dumps({"notes": "twice is fine"}),
            content_type="application/json",
            headers={**api.headers, "Idempotency-Key": KEY},
        )
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert not IdempotentRequest.objects.exists()


def test_identical_requests_at_the_same_moment_create_one_document(tmp_path):
    """Eight threads, one key, one body, at once, against a database file as in production: one
    purchase order, and every thread gets its answer."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "CELLBOOKS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cellbooks.settings",
    }
    script = Path(__file__).with_name("idempotency_race.py")
    finished = subprocess.run(
        [sys.executable, str(script), "8"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["purchase_orders"] == 1
    answers = result["answers"]
    assert len(answers) == 8
    assert {a["status"] for a in answers} == {201}
    assert len({a["body"]["id"] for a in answers}) == 1
    assert sorted(a["replayed"] or "" for a in answers) == [""] + ["true"] * 7

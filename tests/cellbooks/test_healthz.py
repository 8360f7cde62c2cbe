"""GET /healthz: the database, the queue and the payments sweep; JSON, 200 or 503, no login."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from cellbooks.quickbooks.models import Connection


def _connect(company, *, swept_minutes_ago, status=Connection.Status.CONNECTED):
    return Connection.objects.create(
        company=company,
        status=status,
        realm_id=f"realm-{company.pk}",
        connected_at=timezone.now() - timedelta(hours=1),
        last_sweep_at=timezone.now() - timedelta(minutes=swept_minutes_ago),
    )


def test_a_healthy_node_answers_200_with_each_check(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # SELECT 1 and the sweep's one aggregate
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "quickbooks_sweep"}
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["vendor"] in (
        "sqlite",
        "postgresql",
    )
    assert body["checks"]["queue"]["ok"] and body["checks"]["queue"]["pending"] >= 0
    assert body["checks"]["quickbooks_sweep"] == {
        "ok": True,
        "connections": 0,
        "limit_seconds": 720.0,
    }


def test_a_recent_sweep_is_healthy_and_a_stale_one_is_503(client, company, other_company):
    _connect(company, swept_minutes_ago=1)
    assert client.get("/healthz").status_code == 200

    stale = _connect(other_company, swept_minutes_ago=30)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    sweep = body["checks"]["quickbooks_sweep"]
    assert sweep["ok"] is False and sweep["connections"] == 2
    assert 30 * 60 - 5 < sweep["oldest_sweep_age_seconds"] < 30 * 60 + 60
    assert "Rival" not in response.content.decode()  # nothing about any company

    # A connection that needs reconnecting is not swept by design: it does not count.
    Connection.objects.filter(pk=stale.pk).update(status=Connection.Status.NEEDS_RECONNECT)
    assert client.get("/healthz").status_code == 200


def test_a_load_balancer_can_ask_for_the_database_and_queue_only(client, company):
    _connect(company, swept_minutes_ago=60)
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz?checks=database,queue")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "queue"}
    unknown = client.get("/healthz?checks=database,disk")
    assert unknown.status_code == 503 and unknown.json()["unknown_checks"] == ["disk"]


def test_a_database_that_does_not_answer_is_503_not_500(client, db, monkeypatch):
    class Unreachable:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")

    monkeypatch.setattr("cellbooks.core.health.connection", Unreachable())
    response = client.get("/healthz?checks=database")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": response.json()["checks"]["database"]["ms"],
    }
    assert "10.0.0.5" not in response.content.decode()  # no details of the servers


def test_a_queue_that_does_not_answer_is_503(client, db, monkeypatch):
    def down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "pending_count", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405

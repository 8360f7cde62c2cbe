"""Fault injection, one test per kind, each checked the way a client experiences it."""

from __future__ import annotations

import time

import httpx
import pytest


def add_fault(server, **rule) -> dict:
    response = httpx.post(f"{server.url}/_emulator/faults", json=rule, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def customers(api) -> list[str]:
    rows = api.get("/query", params={"query": "select * from Customer"}).json()["QueryResponse"]
    return [c["DisplayName"] for c in rows.get("Customer", [])]


def test_http_500_writes_nothing(emulator_server, api):
    add_fault(emulator_server, kind="http_500", method="POST", entity="customer", count=1)
    response = api.post("/customer", json={"DisplayName": "Never"})
    assert response.status_code == 500
    [error] = response.json()["Fault"]["Error"]
    assert response.json()["Fault"]["type"] == "SystemFault" and error["code"] == "10000"
    assert customers(api) == []
    assert api.post("/customer", json={"DisplayName": "Later"}).status_code == 200


def test_http_503(emulator_server, api, realm):
    add_fault(emulator_server, kind="http_503", path=r"/companyinfo/", count=1)
    assert api.get(f"/companyinfo/{realm}").status_code == 503
    assert api.get(f"/companyinfo/{realm}").status_code == 200


def test_throttle_fault_answers_like_the_real_limit(emulator_server, api, realm):
    add_fault(emulator_server, kind="throttle", count=1)
    response = api.get(f"/companyinfo/{realm}")
    assert response.status_code == 429 and '<Error code="3001">' in response.text


def test_unauthorized_fault(emulator_server, api, realm):
    add_fault(emulator_server, kind="unauthorized", count=1)
    response = api.get(f"/companyinfo/{realm}")
    assert response.status_code == 401 and response.json()["fault"]["error"][0]["code"] == "3200"


def test_a_delay_outlasts_the_client_timeout_but_the_write_happens(emulator_server, api):
    add_fault(emulator_server, kind="delay", delay_seconds=1.0, method="POST", count=1)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/customer", json={"DisplayName": "Slow"}, timeout=0.3)
    deadline = time.monotonic() + 10
    while customers(api) != ["Slow"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert customers(api) == ["Slow"]


def test_reset_before_the_write_drops_the_connection_and_writes_nothing(emulator_server, api):
    add_fault(emulator_server, kind="reset_before", method="POST", entity="customer", count=1)
    with pytest.raises(httpx.TransportError):
        api.post("/customer", json={"DisplayName": "Lost"})
    assert customers(api) == []


def test_reset_after_the_write_commits_then_drops_the_connection(emulator_server, api):
    add_fault(emulator_server, kind="reset_after", method="POST", entity="customer", count=1)
    with pytest.raises(httpx.TransportError):
        api.post("/customer", params={"requestid": "dup-maker"}, json={"DisplayName": "Committed"})
    assert customers(api) == ["Committed"]
    # The client retries with the same requestid: the original answer, no duplicate.
    retry = api.post(
        "/customer", params={"requestid": "dup-maker"}, json={"DisplayName": "Committed"}
    )
    assert retry.status_code == 200 and retry.json()["Customer"]["DisplayName"] == "Committed"
    assert customers(api) == ["Committed"]
    # Without a requestid the retry is refused as a duplicate name instead.
    add_fault(emulator_server, kind="reset_after", method="POST", entity="customer", count=1)
    with pytest.raises(httpx.TransportError):
        api.post("/customer", json={"DisplayName": "Twice"})
    assert (
        api.post("/customer", json={"DisplayName": "Twice"}).json()["Fault"]["Error"][0]["code"]
        == "6240"
    )


def test_reset_is_seen_by_requests_as_a_connection_error(emulator_server, realm, emulator_tools):
    import requests

    token = emulator_tools.issue_token(emulator_server, realm)
    add_fault(emulator_server, kind="reset_before", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            f"{emulator_server.url}/v3/company/{realm}/companyinfo/{realm}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )


def test_rules_match_by_probability_and_can_be_listed_and_cleared(emulator_server, api, realm):
    never = add_fault(emulator_server, kind="http_500", probability=0.0)
    assert {api.get(f"/companyinfo/{realm}").status_code for _ in range(5)} == {200}
    rules = httpx.get(f"{emulator_server.url}/_emulator/faults").json()["faults"]
    assert [(r["id"], r["kind"], r["hits"]) for r in rules] == [(never["id"], "http_500", 0)]
    add_fault(emulator_server, kind="http_503", probability=1.0)
    assert api.get(f"/companyinfo/{realm}").status_code == 503
    assert httpx.delete(f"{emulator_server.url}/_emulator/faults").json() == {"faults": []}
    assert api.get(f"/companyinfo/{realm}").status_code == 200


def test_a_rule_for_another_entity_does_not_fire(emulator_server, api):
    add_fault(emulator_server, kind="http_500", entity="invoice")
    assert api.post("/customer", json={"DisplayName": "Unaffected"}).status_code == 200


def test_faulted_requests_are_in_the_request_log(emulator_server, api, realm):
    add_fault(emulator_server, kind="reset_before", count=1)
    with pytest.raises(httpx.TransportError):
        api.get(f"/companyinfo/{realm}")
    entries = httpx.get(
        f"{emulator_server.url}/_emulator/requests", params={"realm": realm}
    ).json()["requests"]
    assert (entries[-1]["fault"], entries[-1]["status"]) == ("reset_before", None)


def test_an_unknown_kind_is_refused(emulator_server):
    response = httpx.post(f"{emulator_server.url}/_emulator/faults", json={"kind": "explode"})
    assert response.status_code == 400
